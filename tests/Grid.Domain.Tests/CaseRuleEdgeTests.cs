using Grid.Domain.Escalation;
using Grid.Domain.Grid;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

/// <summary>Edges of the case rules that mutation testing found unguarded: who may act, what each step clears or keeps, and the texts people read.</summary>
public sealed class CaseRuleEdgeTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly WorkingCalendar Calendar = WorkingCalendar.Standard(Shanghai);
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));
    private const string Cell = "320213001001012";

    private static Case NewCase(CaseState state, Guid? assignee = null, string? unit = null, DateTimeOffset? deadline = null, Guid? reportedBy = null,
        TimeSpan? held = null, DateTimeOffset? accepted = null) =>
        Case.Restore(7, Cell, "E0102", state, 3, false, reportedBy, unit, assignee, deadline, held, 0, 0,
            Monday9.AddHours(-3), Monday9.AddHours(-2), accepted, null, null);

    private static Actor A(Role role, bool servesCell = false, string? unit = null, string? street = null, Guid? id = null) =>
        new(id ?? Guid.NewGuid(), [role], servesCell, unit, street);

    [Fact]
    public void Unit_staff_without_a_unit_may_not_accept_a_case_sent_to_no_unit()
    {
        var c = NewCase(CaseState.Dispatched, assignee: Guid.NewGuid(), unit: null);
        var r = c.Accept(A(Role.UnitStaff, unit: null), Monday9);
        Assert.Equal(RefusalKind.Forbidden, r.Refusal!.Kind);
        Assert.Contains("Only the assignee, the unit it was sent to, or the head of cell " + Cell, r.Refusal.Message);
        Assert.False(c.IsVisibleTo(A(Role.UnitStaff, unit: null)));
    }

    [Fact]
    public void Without_an_assignee_a_handler_serving_the_cell_may_accept_and_becomes_the_assignee()
    {
        var c = NewCase(CaseState.Dispatched, assignee: null, unit: "sanitation");
        Assert.False(c.Accept(A(Role.GridWorker, servesCell: false), Monday9).Succeeded);
        // A patroller serves the cell but is not a handler.
        Assert.False(c.Accept(A(Role.Patroller, servesCell: true), Monday9).Succeeded);
        var worker = A(Role.GridWorker, servesCell: true);
        Assert.True(c.Accept(worker, Monday9).Succeeded);
        Assert.Equal(worker.PersonId, c.AssigneeId);
        Assert.Equal(Monday9, c.AcceptedAt);
        Assert.Equal(CaseState.InProgress, c.State);
    }

    [Fact]
    public void With_an_assignee_another_worker_of_the_cell_may_not_accept_but_the_assignee_keeps_the_case()
    {
        var assignee = Guid.NewGuid();
        var c = NewCase(CaseState.Dispatched, assignee: assignee);
        Assert.False(c.Accept(A(Role.GridWorker, servesCell: true), Monday9).Succeeded);
        var head = A(Role.GridHead, servesCell: true);
        Assert.True(c.Accept(head, Monday9).Succeeded);
        Assert.Equal(assignee, c.AssigneeId);
    }

    [Fact]
    public void A_head_who_does_not_serve_the_cell_may_not_accept()
    {
        var c = NewCase(CaseState.Dispatched, assignee: Guid.NewGuid());
        var r = c.Accept(A(Role.GridHead, servesCell: false), Monday9);
        Assert.Equal(RefusalKind.Forbidden, r.Refusal!.Kind);
    }

    [Fact]
    public void Visibility_follows_scope_the_reporter_and_the_assignee()
    {
        var reporter = Guid.NewGuid();
        var assignee = Guid.NewGuid();
        var c = NewCase(CaseState.Dispatched, assignee: assignee, unit: "sanitation", reportedBy: reporter);
        Assert.True(c.IsVisibleTo(A(Role.Informant, id: reporter)));
        Assert.True(c.IsVisibleTo(A(Role.GridWorker, id: assignee)));
        Assert.False(c.IsVisibleTo(A(Role.GridWorker)));
        Assert.True(c.IsVisibleTo(A(Role.GridWorker, servesCell: true)));
        Assert.True(c.IsVisibleTo(A(Role.UnitStaff, unit: "sanitation")));
        Assert.False(c.IsVisibleTo(A(Role.UnitStaff, unit: "roads")));
        Assert.True(c.IsVisibleTo(A(Role.Supervisor)));
        Assert.True(c.IsVisibleTo(A(Role.Supervisor, street: "320213001")));
        Assert.False(c.IsVisibleTo(A(Role.Supervisor, street: "320213002")));
        Assert.True(c.IsVisibleTo(A(Role.Admin)));
    }

    [Fact]
    public void A_street_operator_may_not_act_outside_his_street_and_is_told_so()
    {
        var c = NewCase(CaseState.Reported);
        var r = c.Register(A(Role.Operator, street: "320213002"), Monday9);
        Assert.Equal(RefusalKind.Forbidden, r.Refusal!.Kind);
        Assert.Equal($"You do not serve cell {Cell}, so you cannot 'register' its cases.", r.Refusal.Message);
        Assert.True(c.Register(A(Role.Operator, street: "320213001"), Monday9).Succeeded);
        Assert.Equal(Monday9, c.RegisteredAt);
    }

    [Fact]
    public void A_step_records_who_when_from_to_and_a_trimmed_reason()
    {
        var op = A(Role.ShiftLead);
        var c = NewCase(CaseState.Registered);
        var r = c.Cancel(op, "  Duplicate of 42  ", Monday9);
        var step = r.Step!;
        Assert.Equal((CaseAction.Cancel, CaseState.Registered, CaseState.Cancelled, op.PersonId, Monday9, "Duplicate of 42"),
            (step.Action, step.From, step.To, step.ActorId, step.At, step.Reason));
        Assert.Empty(step.Evidence);
        Assert.Empty(step.Details);
        Assert.Null(r.Refusal);
        Assert.True(r.Succeeded);
        var registered = NewCase(CaseState.Reported).Register(op, Monday9).Step!;
        Assert.Null(registered.Reason);
    }

    [Fact]
    public void A_step_that_needs_a_reason_says_so_and_a_blank_reason_is_no_reason()
    {
        var c = NewCase(CaseState.Registered);
        var r = c.Cancel(A(Role.Operator), "   ", Monday9);
        Assert.Equal(RefusalKind.Invalid, r.Refusal!.Kind);
        Assert.Equal("'cancel' needs a reason: say why, for the case history.", r.Refusal.Message);
        Assert.Equal(CaseState.Registered, c.State);
    }

    [Fact]
    public void Dispatch_clears_an_earlier_acceptance_and_records_unit_assignee_and_deadline()
    {
        var assignee = Guid.NewGuid();
        var c = Case.Restore(7, Cell, "E0102", CaseState.Returned, 3, false, null, null, null, null, null, 0, 0,
            Monday9.AddHours(-3), Monday9.AddHours(-2), Monday9.AddHours(-1), null, null);
        var r = c.Dispatch(A(Role.Dispatcher), "roads", assignee, new TimeLimit(1, LimitUnit.WorkingHours), Calendar, Monday9);
        Assert.Null(c.AcceptedAt);
        Assert.Equal(Monday9, c.DispatchedAt);
        Assert.Equal(("roads", assignee), (c.UnitId, c.AssigneeId));
        Assert.Equal(Monday9.AddHours(1), c.Deadline);
        Assert.Equal("roads", r.Step!.Details["unit"]);
        Assert.Equal(assignee, r.Step.Details["assignee"]);
        Assert.Equal(Monday9.AddHours(1), r.Step.Details["deadline"]);
    }

    [Fact]
    public void Return_clears_assignment_deadline_and_acceptance()
    {
        var c = NewCase(CaseState.InProgress, Guid.NewGuid(), "roads", Monday9.AddHours(5), accepted: Monday9.AddHours(-1));
        Assert.True(c.Return(A(Role.Dispatcher), "Wrong unit", Monday9).Succeeded);
        Assert.Null(c.AssigneeId);
        Assert.Null(c.UnitId);
        Assert.Null(c.Deadline);
        Assert.Null(c.AcceptedAt);
        Assert.Equal(CaseState.Returned, c.State);
    }

    [Fact]
    public void Reopen_clears_the_handling_and_registers_again_now()
    {
        var c = Case.Restore(7, Cell, "E0102", CaseState.Closed, 3, false, null, "roads", Guid.NewGuid(), Monday9.AddDays(-1), null, 1, 1,
            Monday9.AddDays(-3), Monday9.AddDays(-2), Monday9.AddDays(-2), Monday9.AddDays(-1), Monday9.AddHours(-5));
        Assert.True(c.Reopen(A(Role.Inspector, servesCell: true), "Back again", Monday9).Succeeded);
        Assert.Null(c.ClosedAt);
        Assert.Null(c.ResolvedAt);
        Assert.Null(c.AcceptedAt);
        Assert.Null(c.AssigneeId);
        Assert.Null(c.Deadline);
        Assert.Equal(Monday9, c.RegisteredAt);
        Assert.Equal(CaseState.Registered, c.State);
        Assert.Equal((1, 1), (c.ExtensionCount, c.ReworkCount));
    }

    [Fact]
    public void Feedback_verify_and_rework_set_and_clear_their_times()
    {
        var worker = A(Role.GridWorker, servesCell: true);
        var c = NewCase(CaseState.InProgress, worker.PersonId, "sanitation", Monday9.AddHours(4), accepted: Monday9.AddHours(-1));
        var fed = c.Feedback(worker, "Swept", ["photo:abc"], Monday9);
        Assert.Equal(["photo:abc"], fed.Step!.Evidence);
        Assert.Equal(Monday9, c.ResolvedAt);
        var inspector = A(Role.Inspector, servesCell: true);
        Assert.True(c.Rework(inspector, "Still dirty", [], new TimeLimit(5, LimitUnit.WorkingHours), Calendar, Monday9.AddHours(1)).Succeeded);
        Assert.Null(c.ResolvedAt);
        Assert.Equal(1, c.ReworkCount);
        Assert.True(c.Feedback(worker, "Swept again", [], Monday9.AddHours(2)).Succeeded);
        Assert.True(c.Verify(inspector, null, [], Monday9.AddHours(3)).Succeeded);
        Assert.Equal(Monday9.AddHours(3), c.ClosedAt);
        Assert.Equal(CaseState.Closed, c.State);
    }

    [Fact]
    public void Self_handling_fills_every_missing_time_and_keeps_those_already_set()
    {
        var worker = A(Role.GridWorker, servesCell: true);
        var c = Case.Restore(7, Cell, "E0102", CaseState.Reported, 1, false, null, null, null, null, null, 0, 0, null, null, null, null, null);
        var r = c.SelfHandle(worker, true, "Done on the spot", [], Monday9);
        Assert.True(r.Succeeded);
        Assert.Equal((Monday9, Monday9, Monday9, Monday9), (c.RegisteredAt!.Value, c.DispatchedAt!.Value, c.AcceptedAt!.Value, c.ResolvedAt!.Value));
        Assert.Equal(worker.PersonId, c.AssigneeId);
        Assert.Equal("Done on the spot", r.Step!.Reason);

        var registered = NewCase(CaseState.Registered);
        Assert.True(registered.SelfHandle(worker, true, null, [], Monday9).Succeeded);
        Assert.Equal(Monday9.AddHours(-3), registered.RegisteredAt);
        Assert.Equal(Monday9.AddHours(-2), registered.DispatchedAt);
    }

    [Fact]
    public void A_category_that_is_not_light_is_refused_only_where_self_handling_could_apply()
    {
        var worker = A(Role.GridWorker, servesCell: true);
        var light = NewCase(CaseState.Reported).SelfHandle(worker, false, null, [], Monday9);
        Assert.Equal(RefusalKind.Invalid, light.Refusal!.Kind);
        Assert.Contains("E0102", light.Refusal.Message);
        // In a state where self-handling never applies, the state is the reason.
        var closed = NewCase(CaseState.Closed).SelfHandle(worker, false, null, [], Monday9);
        Assert.Equal(RefusalKind.WrongState, closed.Refusal!.Kind);
    }

    [Fact]
    public void An_extension_records_the_previous_and_new_deadline_and_counts()
    {
        var old = Monday9.AddHours(4);
        var c = NewCase(CaseState.Dispatched, Guid.NewGuid(), "roads", old);
        var refusedNow = c.Extend(A(Role.ShiftLead), Monday9, "Parts", Monday9);
        Assert.Equal(RefusalKind.Invalid, refusedNow.Refusal!.Kind);
        Assert.Contains("must be in the future", refusedNow.Refusal.Message);
        var refusedSame = c.Extend(A(Role.ShiftLead), old, "Parts", Monday9);
        Assert.Contains("must be later than the current one", refusedSame.Refusal!.Message);
        var r = c.Extend(A(Role.ShiftLead), old.AddDays(2), "Parts", Monday9);
        Assert.Equal(old, r.Step!.Details["previousDeadline"]);
        Assert.Equal(old.AddDays(2), r.Step.Details["deadline"]);
        Assert.Equal(1, c.ExtensionCount);
        Assert.Equal(old.AddDays(2), c.Deadline);

        // A case without a deadline (returned earlier, re-dispatch pending) may still be given one in the future.
        var noDeadline = NewCase(CaseState.InProgress, Guid.NewGuid(), "roads", null);
        Assert.True(noDeadline.Extend(A(Role.ShiftLead), Monday9.AddMinutes(1), "Parts", Monday9).Succeeded);
    }

    [Fact]
    public void Hold_without_a_deadline_keeps_nothing_and_resume_then_keeps_the_deadline_and_acceptance()
    {
        var accepted = Monday9.AddHours(-1);
        var c = NewCase(CaseState.InProgress, Guid.NewGuid(), "roads", null, accepted: accepted);
        var held = c.Hold(A(Role.ShiftLead), "Works", Calendar, Monday9);
        Assert.Null(held.Step!.Details["remainingSeconds"]);
        Assert.Null(c.HeldRemaining);
        var resumed = c.Resume(A(Role.ShiftLead), Calendar, Monday9.AddDays(1));
        Assert.Null(c.Deadline);
        Assert.Null(resumed.Step!.Details["deadline"]);
        Assert.Equal(accepted, c.AcceptedAt);

        var fresh = NewCase(CaseState.OnHold, Guid.NewGuid(), "roads", Monday9, held: TimeSpan.FromHours(2));
        Assert.True(fresh.Resume(A(Role.ShiftLead), Calendar, Monday9).Succeeded);
        Assert.Equal(Monday9, fresh.AcceptedAt);
        Assert.Null(fresh.HeldRemaining);
        Assert.Equal(Monday9.AddHours(2), fresh.Deadline);
    }

    [Fact]
    public void The_actions_offered_respect_scope_as_well_as_role_and_state()
    {
        var c = NewCase(CaseState.Dispatched, Guid.NewGuid(), "roads", Monday9.AddHours(2));
        Assert.DoesNotContain(CaseAction.Accept, c.ActionsFor(A(Role.GridWorker, servesCell: true)));
        Assert.Contains(CaseAction.Accept, c.ActionsFor(A(Role.UnitStaff, unit: "roads")));
        Assert.DoesNotContain(CaseAction.Extend, c.ActionsFor(A(Role.ShiftLead, street: "320213002")));
        Assert.Contains(CaseAction.Extend, c.ActionsFor(A(Role.ShiftLead, street: "320213001")));
    }

    [Fact]
    public void Refusals_say_what_is_possible_or_that_the_case_is_final()
    {
        var d = Lifecycle.Decide(CaseState.Cancelled, CaseAction.Reopen, [Role.Operator]);
        Assert.Equal("A case that is cancelled cannot be given 'reopen'. It is final.", d.Refusal);
        Assert.Equal((false, CaseState.Cancelled, CaseState.Cancelled), (d.Allowed, d.From, d.To));
        var e = Lifecycle.Decide(CaseState.Closed, CaseAction.Verify, [Role.Inspector]);
        Assert.Equal("A case that is closed cannot be given 'verify'. Possible now: reopen.", e.Refusal);
        var f = Lifecycle.Decide(CaseState.Resolved, CaseAction.Verify, [Role.GridWorker]);
        Assert.Equal("'verify' needs one of the roles inspector.", f.Refusal);
        var ok = Lifecycle.Decide(CaseState.Resolved, CaseAction.Verify, [Role.Inspector]);
        Assert.Equal((true, CaseState.Resolved, CaseState.Closed, (string?)null), (ok.Allowed, ok.From, ok.To, ok.Refusal));
        Assert.Equal([CaseAction.Cancel, CaseAction.Dispatch, CaseAction.SelfHandle], Lifecycle.ActionsFrom(CaseState.Registered));
    }

    [Fact]
    public void Grid_codes_name_their_parts_and_print_as_their_digits()
    {
        var code = GridCode.Parse("320213001001012");
        Assert.Equal(12, code.Sequence);
        Assert.Equal("320213001001012", code.ToString());
        Assert.Equal("", default(GridCode).ToString());
        Assert.Equal(999, GridCode.Parse("320213001001999").Sequence);
        Assert.Equal(1, GridCode.Parse("320213001001001").Sequence);
    }

    [Fact]
    public void Time_limits_print_in_words_and_one_is_the_smallest()
    {
        Assert.Equal("4 working days", new TimeLimit(4, LimitUnit.WorkingDays).ToString());
        Assert.Equal("1 working hours", new TimeLimit(1, LimitUnit.WorkingHours).ToString());
        Assert.Equal(1, new TimeLimit(1, LimitUnit.WorkingHours).Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((LimitUnit)9).ToCode());
        Assert.Throws<ArgumentOutOfRangeException>(() => Calendar.Duration(new TimeLimit(1, (LimitUnit)9)));
    }

    [Fact]
    public void A_held_clock_is_overdue_only_when_the_frozen_time_is_negative()
    {
        Assert.Equal(new ClockReading(TimeSpan.Zero, false, true), CaseClock.Read(Calendar, CaseState.OnHold, Monday9, TimeSpan.Zero, Monday9));
        Assert.Equal(new ClockReading(null, false, true), CaseClock.Read(Calendar, CaseState.OnHold, Monday9, null, Monday9));
        Assert.True(CaseClock.Read(Calendar, CaseState.OnHold, Monday9, TimeSpan.FromSeconds(-1), Monday9).Overdue);
        Assert.Same(ClockReading.None, CaseClock.Read(Calendar, CaseState.Resolved, Monday9, null, Monday9));
        Assert.Equal(new ClockReading(null, false, false), ClockReading.None);
    }
}
