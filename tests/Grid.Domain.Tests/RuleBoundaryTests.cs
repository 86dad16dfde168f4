using Grid.Domain.Escalation;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

/// <summary>
/// Rules whose edges the mutation run (scripts/mutation.sh) found unguarded: people holding several
/// roles, the kind and text of a refusal, the ladder's bounds and codes, how a working calendar is
/// built. Calendars are built inside each test: a calendar built once in a static field is built
/// before a planted bug is switched on, so its constructor would go untested.
/// </summary>
public sealed class RuleBoundaryTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));
    private const string Cell = "320213001001012";

    private static Case NewCase(CaseState state, Guid? assignee = null, string? unit = null) =>
        Case.Restore(7, Cell, "E0102", state, 3, false, null, unit, assignee, null, null, 0, 0,
            Monday9.AddHours(-3), Monday9.AddHours(-2), null, null, null);

    private static Actor A(Role[] roles, bool servesCell = false, string? unit = null, string? street = null) =>
        new(Guid.NewGuid(), roles, servesCell, unit, street);

    private static WorkingCalendar Calendar(params (int H1, int M1, int H2, int M2)[] periods) => new(
        Shanghai, periods.Select(p => new WorkingPeriod(new TimeOnly(p.H1, p.M1), new TimeOnly(p.H2, p.M2))).ToList(),
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday }, new HashSet<DateOnly>(), new HashSet<DateOnly>());

    // --- people with several roles: one role that may is enough ---

    [Fact]
    public void A_worker_who_is_also_an_informant_may_accept_an_unassigned_case_of_his_cell()
    {
        var c = NewCase(CaseState.Dispatched, assignee: null, unit: "sanitation");
        var both = A([Role.Informant, Role.GridWorker], servesCell: true);
        Assert.True(c.Accept(both, Monday9).Succeeded);
        Assert.Equal(both.PersonId, c.AssigneeId);
    }

    [Fact]
    public void A_district_operator_who_is_also_a_grid_worker_elsewhere_may_return_a_case_of_any_cell()
    {
        var c = NewCase(CaseState.Dispatched, assignee: Guid.NewGuid(), unit: "sanitation");
        var both = A([Role.GridWorker, Role.Operator], servesCell: false);
        var r = c.Return(both, "Wrong unit", Monday9);
        Assert.True(r.Succeeded, r.Refusal?.Message);
        Assert.Equal(CaseState.Returned, c.State);
    }

    [Fact]
    public void A_district_supervisor_who_is_also_a_grid_worker_elsewhere_sees_every_case()
    {
        var c = NewCase(CaseState.Dispatched, assignee: Guid.NewGuid());
        Assert.True(c.IsVisibleTo(A([Role.GridWorker, Role.Supervisor], servesCell: false)));
        Assert.False(c.IsVisibleTo(A([Role.GridWorker, Role.Patroller], servesCell: false)));
    }

    [Fact]
    public void Actions_available_to_several_roles_are_the_union_of_what_each_may()
    {
        var actions = Lifecycle.AvailableTo(CaseState.Reported, [Role.GridWorker, Role.Operator]).ToList();
        Assert.Contains(CaseAction.Register, actions);   // as operator
        Assert.Contains(CaseAction.SelfHandle, actions); // as grid worker
        Assert.DoesNotContain(CaseAction.Verify, actions);
    }

    // --- handlers only ---

    [Fact]
    public void Another_worker_of_the_cell_may_not_report_back_on_a_case_assigned_to_someone_else()
    {
        var c = NewCase(CaseState.InProgress, assignee: Guid.NewGuid(), unit: "sanitation");
        var r = c.Feedback(A([Role.GridWorker], servesCell: true), "done", [], Monday9);
        Assert.Equal(RefusalKind.Forbidden, r.Refusal!.Kind);
        Assert.Contains("Only the assignee", r.Refusal.Message);
        Assert.Equal(CaseState.InProgress, c.State);
    }

    // --- refusals: their kind and what they tell the person ---

    [Fact]
    public void A_step_possible_in_this_state_but_not_for_this_role_is_forbidden_not_a_wrong_state()
    {
        var r = NewCase(CaseState.Reported).Register(A([Role.GridWorker], servesCell: true), Monday9);
        Assert.Equal(RefusalKind.Forbidden, r.Refusal!.Kind);
        Assert.Equal("'register' needs one of the roles operator, shift_lead.", r.Refusal.Message);

        var wrongState = NewCase(CaseState.Closed).Register(A([Role.Operator]), Monday9);
        Assert.Equal(RefusalKind.WrongState, wrongState.Refusal!.Kind);
    }

    [Fact]
    public void A_refused_step_says_which_steps_are_possible_or_that_the_case_is_final()
    {
        var reported = Lifecycle.Decide(CaseState.Reported, CaseAction.Verify, [Role.Inspector]);
        Assert.False(reported.Allowed);
        var possible = string.Join(", ", Lifecycle.ActionsFrom(CaseState.Reported).Select(a => a.ToCode()));
        Assert.EndsWith($"Possible now: {possible}.", reported.Refusal);
        Assert.Contains("register", possible);

        var cancelled = Lifecycle.Decide(CaseState.Cancelled, CaseAction.Reopen, [Role.Operator]);
        Assert.False(cancelled.Allowed);
        Assert.Empty(Lifecycle.ActionsFrom(CaseState.Cancelled));
        Assert.EndsWith("It is final.", cancelled.Refusal);
    }

    // --- who is chosen ---

    [Fact]
    public void The_grid_head_is_only_the_fallback_even_when_the_worker_on_duty_is_busier()
    {
        var worker = new Candidate(Guid.NewGuid(), Role.GridWorker, true, 9);
        var head = new Candidate(Guid.NewGuid(), Role.GridHead, true, 0);
        Assert.Equal(worker, AssigneeRule.Choose([head, worker], Role.GridWorker));
    }

    // --- the ladder ---

    [Fact]
    public void Level_codes_are_the_ones_stored_and_read_back()
    {
        var expected = new Dictionary<EscalationLevel, string>
        {
            [EscalationLevel.Warning] = "warning", [EscalationLevel.Assignee] = "assignee", [EscalationLevel.GridHead] = "grid_head",
            [EscalationLevel.StreetLeader] = "street_leader", [EscalationLevel.District] = "district", [EscalationLevel.Supervise] = "supervise",
        };
        foreach (var (level, code) in expected)
        {
            Assert.Equal(code, level.ToCode());
            Assert.True(EscalationLevels.TryParse(code, out var parsed));
            Assert.Equal(level, parsed);
        }
    }

    private static readonly RunningClock Monday = new(
        new DateTimeOffset(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8)),
        new DateTimeOffset(2026, 11, 3, 11, 0, 0, TimeSpan.FromHours(8)),
        new DateTimeOffset(2026, 11, 3, 11, 0, 0, TimeSpan.FromHours(8)));

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(1.0, false)]
    [InlineData(1.5, false)]
    [InlineData(-0.2, false)]
    [InlineData(0.01, true)]
    [InlineData(0.5, true)]
    [InlineData(0.99, true)]
    public void Only_a_warning_fraction_strictly_between_zero_and_one_gives_a_warning_rung(double fraction, bool warns)
    {
        var steps = new EscalationLadder(fraction, [TimeSpan.Zero]).Steps(WorkingCalendar.Standard(Shanghai), Monday);
        Assert.Equal(warns, steps.Any(s => s.Level == EscalationLevel.Warning));
    }

    [Fact]
    public void A_ladder_has_at_most_four_rungs_after_the_deadline_whatever_it_is_given()
    {
        var five = Enumerable.Repeat(TimeSpan.FromHours(1), 5).ToList();
        var steps = new EscalationLadder(null, five).Steps(WorkingCalendar.Standard(Shanghai), Monday);
        Assert.Equal(EscalationLevels.Automatic.Skip(1), steps.Select(s => s.Level));

        // With a warning as well: the warning and four rungs, the fifth and sixth delays never count.
        var six = Enumerable.Repeat(TimeSpan.FromHours(1), 6).ToList();
        var warned = new EscalationLadder(0.5, six).Steps(WorkingCalendar.Standard(Shanghai), Monday);
        Assert.Equal(EscalationLevels.Automatic, warned.Select(s => s.Level));
        // Half of the 10 working hours before Tuesday 11:00: 2.5 h on Tuesday morning, 2.5 h back from Monday 18:00.
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 15, 30, 0, TimeSpan.FromHours(8)), warned[0].DueAt);
    }

    [Fact]
    public void A_ladder_with_a_warning_and_no_delays_is_the_warning_alone()
    {
        var steps = new EscalationLadder(0.01, []).Steps(WorkingCalendar.Standard(Shanghai), Monday);
        Assert.Equal(EscalationLevel.Warning, Assert.Single(steps).Level);
        var onlyWarning = new EscalationLadder(0.99, []);
        var done = new HashSet<EscalationLevel> { EscalationLevel.Warning };
        Assert.Null(onlyWarning.Next(WorkingCalendar.Standard(Shanghai), Monday, done));
    }

    [Fact]
    public void A_rung_due_exactly_now_is_due_now()
    {
        var ladder = new EscalationLadder(null, [TimeSpan.Zero, TimeSpan.FromHours(2)]);
        var calendar = WorkingCalendar.Standard(Shanghai);
        var due = ladder.Due(calendar, Monday, Monday.Deadline, new HashSet<EscalationLevel>());
        Assert.Equal([EscalationLevel.Assignee], due.Select(s => s.Level));
        Assert.Empty(ladder.Due(calendar, Monday, Monday.Deadline.AddTicks(-1), new HashSet<EscalationLevel>()));
    }

    [Fact]
    public void A_longer_category_prefix_beats_a_shorter_one_with_a_priority()
    {
        var byPriority = new EscalationLadder(null, [TimeSpan.FromHours(1)]);
        var byCategory = new EscalationLadder(null, [TimeSpan.FromHours(2)]);
        var rules = new[] { new LadderRule("E0", "urgent", byPriority), new LadderRule("E01", null, byCategory) };
        Assert.Same(byCategory, LadderRule.Pick(rules, "E0102", "urgent"));
        Assert.Same(byPriority, LadderRule.Pick(rules, "E0201", "urgent"));
    }

    // --- building a working calendar ---

    [Fact]
    public void Working_hours_per_day_add_up_every_period()
    {
        Assert.Equal(TimeSpan.FromHours(7.5), Calendar((8, 30, 12, 0), (13, 30, 17, 30)).WorkingHoursPerDay);
        Assert.Equal(TimeSpan.FromHours(3), Calendar((9, 0, 12, 0)).WorkingHoursPerDay);
    }

    [Fact]
    public void Periods_that_touch_are_accepted_and_periods_that_overlap_are_refused_naming_both()
    {
        var touching = Calendar((8, 0, 12, 0), (12, 0, 13, 0));
        Assert.Equal(TimeSpan.FromHours(5), touching.WorkingHoursPerDay);
        var e = Assert.Throws<ArgumentException>(() => Calendar((8, 0, 12, 0), (11, 0, 13, 0)));
        Assert.Contains("08:00-12:00 and 11:00-13:00 overlap", e.Message);
    }

    [Fact]
    public void A_calendar_without_a_zone_or_periods_or_with_a_backwards_period_is_refused_with_the_reason()
    {
        Assert.Throws<ArgumentNullException>(() => new WorkingCalendar(null!, [new(new(8, 0), new(12, 0))],
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>()));
        Assert.Throws<ArgumentNullException>(() => new WorkingCalendar(Shanghai, null!,
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>()));
        Assert.Contains("at least one working period", Assert.Throws<ArgumentException>(() => Calendar()).Message);
        Assert.Contains("Working period 12:00-08:00 must end after it starts", Assert.Throws<ArgumentException>(() => Calendar((12, 0, 8, 0))).Message);
    }

    [Fact]
    public void A_working_day_may_have_exactly_the_most_periods_allowed_and_no_more()
    {
        var six = Enumerable.Range(0, WorkingCalendar.MaxPeriods).Select(i => new WorkingPeriod(new(8 + i, 0), new(8 + i, 30))).ToList();
        Assert.Null(WorkingCalendar.Problem(six));
        Assert.Equal(TimeSpan.FromHours(3), new WorkingCalendar(Shanghai, six, new HashSet<DayOfWeek>(), new HashSet<DateOnly>(),
            new HashSet<DateOnly>()).WorkingHoursPerDay);
        var seven = six.Append(new WorkingPeriod(new(16, 0), new(16, 30))).ToList();
        Assert.Equal($"A working day has at most {WorkingCalendar.MaxPeriods} working periods; 7 were given.", WorkingCalendar.Problem(seven));
    }

    [Fact]
    public void A_year_given_no_list_of_periods_is_refused_as_a_missing_argument()
    {
        var years = new Dictionary<int, IReadOnlyList<WorkingPeriod>> { [2030] = null! };
        var e = Assert.Throws<ArgumentNullException>(() => new WorkingCalendar(Shanghai, [new(new(8, 0), new(12, 0))],
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>(), years));
        Assert.Equal("yearPeriods", e.ParamName);
    }

    [Fact]
    public void A_calendar_may_rest_for_exactly_the_longest_allowed_stretch_and_no_longer()
    {
        var start = new DateOnly(2030, 1, 1);
        WorkingCalendar Resting(int days) => new(Shanghai, [new(new(9, 0), new(17, 0))], new HashSet<DayOfWeek>(),
            Enumerable.Range(1, days).Select(d => start.AddDays(d)).ToHashSet(), new HashSet<DateOnly>());
        var evening = new DateTimeOffset(2030, 1, 1, 18, 0, 0, TimeSpan.FromHours(8));

        var longest = Resting(WorkingCalendar.MaxDaysWithoutWork);
        var next = start.AddDays(WorkingCalendar.MaxDaysWithoutWork + 1);
        Assert.Equal(new DateTimeOffset(next.Year, next.Month, next.Day, 10, 0, 0, TimeSpan.FromHours(8)),
            longest.AddWorkingTime(evening, TimeSpan.FromHours(1)));

        var e = Assert.Throws<ArgumentException>(() => Resting(WorkingCalendar.MaxDaysWithoutWork + 1).AddWorkingTime(evening, TimeSpan.FromHours(1)));
        Assert.Contains($"no working day within {WorkingCalendar.MaxDaysWithoutWork} days", e.Message);
    }

    // --- time limits ---

    [Fact]
    public void A_time_limit_refuses_a_unit_or_value_it_cannot_count_saying_what_it_takes()
    {
        Assert.Contains("use working_hours or working_days", Assert.Throws<ArgumentException>(() => LimitUnits.Parse("fortnights")).Message);
        Assert.Contains("at least 1", Assert.Throws<ArgumentOutOfRangeException>(() => new TimeLimit(0, LimitUnit.WorkingHours)).Message);
    }
}
