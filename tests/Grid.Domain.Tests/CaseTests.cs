using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

public sealed class CaseTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly WorkingCalendar Calendar = WorkingCalendar.Standard(Shanghai);
    // Monday 2026-11-23 09:00 in Shanghai.
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly Guid WorkerId = Guid.NewGuid();

    private static Actor Operator => new(Guid.NewGuid(), [Role.Operator], false, null);
    private static Actor Worker(bool servesCell = true) => new(WorkerId, [Role.GridWorker], servesCell, null);

    private static Case NewCase(CaseState state = CaseState.Reported, Guid? assignee = null, string? unit = null, DateTimeOffset? deadline = null) =>
        Case.Restore(1, "320213001001012", "E0102", state, 1, false, null, unit, assignee, deadline, null, 0, 0, null, null, null, null, null);

    [Fact]
    public void Dispatch_sets_the_deadline_from_the_category_limit_on_the_working_calendar()
    {
        var c = NewCase(CaseState.Registered);
        var result = c.Dispatch(Operator, "sanitation", WorkerId, new TimeLimit(5, LimitUnit.WorkingHours), Calendar, Monday9);
        Assert.True(result.Succeeded);
        // 09:00 + 3 h (to 12:00) + 2 h after lunch (13:30) = 15:30 the same day.
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 15, 30, 0, TimeSpan.FromHours(8)), c.Deadline);
        Assert.Equal(CaseState.Dispatched, c.State);
        Assert.Equal(WorkerId, c.AssigneeId);
    }

    [Fact]
    public void A_refused_step_changes_nothing_and_says_why()
    {
        var c = NewCase(CaseState.Registered);
        var result = c.Accept(Worker(), Monday9);
        Assert.False(result.Succeeded);
        Assert.Equal(RefusalKind.WrongState, result.Refusal!.Kind);
        Assert.Equal(CaseState.Registered, c.State);
        Assert.Null(c.AcceptedAt);
    }

    [Fact]
    public void A_grid_worker_outside_the_cell_is_forbidden_even_in_the_right_state()
    {
        var c = NewCase();
        var result = c.SelfHandle(Worker(servesCell: false), true, null, [], Monday9);
        Assert.Equal(RefusalKind.Forbidden, result.Refusal!.Kind);
        Assert.Contains("320213001001012", result.Refusal.Message);
        Assert.Equal(CaseState.Reported, c.State);
    }

    [Fact]
    public void Only_the_assignee_the_cells_head_or_the_units_staff_may_accept()
    {
        var other = new Actor(Guid.NewGuid(), [Role.GridWorker], true, null);
        var head = new Actor(Guid.NewGuid(), [Role.GridHead], true, null);
        var unitStaff = new Actor(Guid.NewGuid(), [Role.UnitStaff], false, "sanitation");
        var otherUnit = new Actor(Guid.NewGuid(), [Role.UnitStaff], false, "roads");
        Assert.Equal(RefusalKind.Forbidden, NewCase(CaseState.Dispatched, WorkerId, "sanitation").Accept(other, Monday9).Refusal!.Kind);
        Assert.Equal(RefusalKind.Forbidden, NewCase(CaseState.Dispatched, WorkerId, "sanitation").Accept(otherUnit, Monday9).Refusal!.Kind);
        Assert.True(NewCase(CaseState.Dispatched, WorkerId, "sanitation").Accept(Worker(), Monday9).Succeeded);
        Assert.True(NewCase(CaseState.Dispatched, WorkerId, "sanitation").Accept(head, Monday9).Succeeded);
        Assert.True(NewCase(CaseState.Dispatched, WorkerId, "sanitation").Accept(unitStaff, Monday9).Succeeded);
    }

    [Fact]
    public void Self_handling_a_category_that_is_not_light_is_refused()
    {
        var c = NewCase();
        var result = c.SelfHandle(Worker(), categoryAllowsSelfHandling: false, null, [], Monday9);
        Assert.Equal(RefusalKind.Invalid, result.Refusal!.Kind);
        Assert.Equal(CaseState.Reported, c.State);
    }

    [Fact]
    public void Hold_freezes_the_remaining_working_time_and_resume_gives_it_back()
    {
        var c = NewCase(CaseState.Registered);
        c.Dispatch(Operator, "sanitation", WorkerId, new TimeLimit(1, LimitUnit.WorkingDays), Calendar, Monday9);
        c.Accept(Worker(), Monday9);
        var holdAt = Monday9.AddHours(2);                        // 11:00: 6 working hours left
        Assert.True(c.Hold(Operator, "Waiting for a permit", Calendar, holdAt).Succeeded);
        Assert.Equal(TimeSpan.FromHours(6), c.HeldRemaining);
        var resumeAt = new DateTimeOffset(2026, 11, 30, 14, 0, 0, TimeSpan.FromHours(8)); // a week later, Monday 14:00
        Assert.True(c.Resume(Operator, Calendar, resumeAt).Succeeded);
        Assert.Null(c.HeldRemaining);
        Assert.Equal(CaseState.InProgress, c.State);
        // 14:00 + 4 h = 18:00, then 2 h the next morning: Tuesday 10:30.
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 30, 0, TimeSpan.FromHours(8)), c.Deadline);
    }

    [Fact]
    public void An_extension_must_move_the_deadline_later_and_carries_a_reason()
    {
        var deadline = Monday9.AddHours(5);
        var c = NewCase(CaseState.InProgress, WorkerId, "sanitation", deadline);
        Assert.Equal(RefusalKind.Invalid, c.Extend(Operator, deadline.AddHours(-1), "x", Monday9).Refusal!.Kind);
        Assert.Equal(RefusalKind.Invalid, c.Extend(Operator, deadline.AddDays(2), null, Monday9).Refusal!.Kind);
        var ok = c.Extend(Operator, deadline.AddDays(2), "Waiting for parts", Monday9);
        Assert.True(ok.Succeeded);
        Assert.Equal(deadline.AddDays(2), c.Deadline);
        Assert.Equal(1, c.ExtensionCount);
        Assert.Equal("Waiting for parts", ok.Step!.Reason);
    }

    [Fact]
    public void A_street_operator_acts_only_on_cells_of_his_street()
    {
        var streetOperator = new Actor(Guid.NewGuid(), [Role.Operator], false, null, StreetCode: "320213006");
        var c = NewCase();
        Assert.Equal(RefusalKind.Forbidden, c.Register(streetOperator, Monday9).Refusal!.Kind);
        Assert.False(c.IsVisibleTo(streetOperator));
        var own = new Actor(Guid.NewGuid(), [Role.Operator], false, null, StreetCode: "320213001");
        Assert.True(c.Register(own, Monday9).Succeeded);
    }

    [Fact]
    public void The_actions_offered_to_a_person_are_exactly_those_that_would_succeed()
    {
        var c = NewCase(CaseState.Dispatched, WorkerId, "sanitation", Monday9.AddHours(5));
        Assert.Equal([CaseAction.Accept, CaseAction.SelfHandle, CaseAction.Return], c.ActionsFor(Worker()).Order());
        Assert.Equal([CaseAction.Return, CaseAction.Extend, CaseAction.Hold], c.ActionsFor(Operator).Order());
        foreach (var action in c.ActionsFor(Worker()))
        {
            Assert.True(Lifecycle.Decide(c.State, action, Worker().Roles).Allowed);
        }
    }
}
