using Grid.Domain.Escalation;
using Grid.Domain.Incidents;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

/// <summary>The ladder counts working time on the working calendar (08:30-12:00, 13:30-18:00, weekends off).</summary>
public sealed class EscalationLadderTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly WorkingCalendar Standard = WorkingCalendar.Standard(Shanghai);

    // 2026 National Day: Thursday 1 to Wednesday 7 October off; Saturday 10 October worked instead (调休).
    private static readonly WorkingCalendar NationalDay = new(
        Shanghai,
        Standard.Periods,
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d)).ToHashSet(),
        new HashSet<DateOnly> { new(2026, 10, 10) });

    /// <summary>The seeded default: warning at 80 %, overdue at the deadline, then 2, 4 and 8 working hours.</summary>
    private static readonly EscalationLadder Ladder = new(0.8, [TimeSpan.Zero, TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8)]);

    private static readonly HashSet<EscalationLevel> None = [];

    private static DateTimeOffset At(string local) => WorkingCalendarTests.At(local);

    /// <summary>Dispatched Monday 2 November 09:00 with 10 working hours: due Tuesday 11:00.</summary>
    private static readonly RunningClock Monday = new(At("2026-11-02 09:00"), At("2026-11-03 11:00"), At("2026-11-03 11:00"));

    [Fact]
    public void The_deadline_of_the_example_is_ten_working_hours_after_dispatch()
    {
        Assert.Equal(Monday.Deadline, Standard.AddWorkingTime(Monday.DispatchedAt, TimeSpan.FromHours(10)));
    }

    [Fact]
    public void Each_rung_is_its_delay_in_working_time_after_the_previous_one()
    {
        var steps = Ladder.Steps(Standard, Monday);
        Assert.Equal(EscalationLevels.Automatic, steps.Select(s => s.Level));
        Assert.Equal(
            [
                At("2026-11-03 09:00"), // 2 working hours (20 % of 10) before the deadline
                At("2026-11-03 11:00"), // the deadline
                At("2026-11-03 14:30"), // 2 working hours later, across the lunch break
                At("2026-11-04 09:00"), // half a working day later, across the night
                At("2026-11-05 09:00"), // one working day later
            ],
            steps.Select(s => s.DueAt));
    }

    [Fact]
    public void A_rung_after_a_friday_deadline_skips_the_weekend()
    {
        var friday = new RunningClock(At("2026-11-06 08:30"), At("2026-11-06 17:00"), At("2026-11-06 17:00"));
        var steps = Ladder.Steps(Standard, friday);
        Assert.Equal(At("2026-11-09 09:30"), steps.Single(s => s.Level == EscalationLevel.GridHead).DueAt);
        // Wall-clock time would have put it on Friday at 19:00.
        Assert.NotEqual(friday.Deadline.AddHours(2), steps.Single(s => s.Level == EscalationLevel.GridHead).DueAt);
    }

    [Fact]
    public void A_rung_skips_a_public_holiday()
    {
        var eve = new RunningClock(At("2026-09-30 08:30"), At("2026-09-30 17:00"), At("2026-09-30 17:00"));
        var steps = Ladder.Steps(NationalDay, eve);
        // One working hour on 30 September, then the whole National Day week off.
        Assert.Equal(At("2026-10-08 09:30"), steps.Single(s => s.Level == EscalationLevel.GridHead).DueAt);
    }

    [Fact]
    public void A_rung_lands_on_a_make_up_working_day()
    {
        var friday = new RunningClock(At("2026-10-09 08:30"), At("2026-10-09 17:00"), At("2026-10-09 17:00"));
        var steps = Ladder.Steps(NationalDay, friday);
        // Saturday 10 October is worked (调休): the grid head hears of it that morning, not on Monday.
        Assert.Equal(At("2026-10-10 09:30"), steps.Single(s => s.Level == EscalationLevel.GridHead).DueAt);
        Assert.Equal(At("2026-10-10 15:00"), steps.Single(s => s.Level == EscalationLevel.StreetLeader).DueAt);
    }

    [Fact]
    public void A_warning_before_the_deadline_walks_back_over_the_weekend()
    {
        // 4 working hours from Friday 16:00: due Monday 10:30; 20 % = 48 minutes before it is Monday 09:42.
        var clock = new RunningClock(At("2026-11-06 16:00"), At("2026-11-09 10:30"), At("2026-11-09 10:30"));
        Assert.Equal(At("2026-11-09 09:42"), Ladder.Steps(Standard, clock)[0].DueAt);
    }

    [Fact]
    public void A_hold_pauses_the_ladder_and_the_resumed_deadline_starts_its_own()
    {
        var actor = new Actor(Guid.NewGuid(), [global::Grid.Domain.People.Role.ShiftLead], false, null);
        var c = Case.Restore(1, "320213001001012", "E0102", CaseState.Dispatched, 3, false, null, "sanitation", null, Monday.Deadline, null, 0, 0,
            Monday.DispatchedAt, Monday.DispatchedAt, null, null, null);
        // Held Monday 15:00 with 5.5 working hours left; resumed Thursday 09:00.
        Assert.True(c.Hold(actor, "Road works", Standard, At("2026-11-02 15:00")).Succeeded);
        Assert.False(c.State.ClockRuns());
        Assert.True(c.Resume(actor, Standard, At("2026-11-05 09:00")).Succeeded);
        Assert.Equal(At("2026-11-05 16:00"), c.Deadline);

        var resumed = Monday with { Deadline = c.Deadline!.Value };
        var steps = Ladder.Steps(Standard, resumed);
        // The warning keeps its place: 2 working hours (of the 10 given at dispatch) before the new deadline.
        Assert.Equal(
            [At("2026-11-05 14:00"), At("2026-11-05 16:00"), At("2026-11-05 18:00"), At("2026-11-06 14:00"), At("2026-11-09 14:00")],
            steps.Select(s => s.DueAt));
        // Nothing of the new ladder falls inside the hold.
        Assert.All(steps, s => Assert.True(s.DueAt >= At("2026-11-05 09:00")));
    }

    [Fact]
    public void After_an_extension_the_warning_comes_a_fifth_of_the_limit_before_the_new_deadline()
    {
        // Extended on Tuesday 10:30 to Wednesday 17:00.
        var extended = Monday with { Deadline = At("2026-11-04 17:00") };
        var steps = Ladder.Steps(Standard, extended);
        Assert.Equal((EscalationLevel.Warning, At("2026-11-04 15:00")), (steps[0].Level, steps[0].DueAt));
        Assert.Empty(Ladder.Due(Standard, extended, At("2026-11-03 11:30"), None));
        Assert.Equal(extended.Deadline, steps[1].DueAt);
    }

    [Fact]
    public void No_limit_no_warning()
    {
        var instant = new RunningClock(Monday.Deadline, Monday.Deadline, Monday.Deadline);
        Assert.Equal(EscalationLevel.Assignee, Ladder.Steps(Standard, instant)[0].Level);
    }

    [Fact]
    public void A_warning_fraction_of_zero_means_no_warning()
    {
        // Administrators switch the warning off with warningFraction 0 (the ladders API allows 0 to below 1).
        var noWarning = Ladder with { WarningFraction = 0 };
        var steps = noWarning.Steps(Standard, Monday);
        Assert.Equal(EscalationLevels.Automatic.Skip(1), steps.Select(s => s.Level));
        Assert.Equal(Monday.Deadline, steps[0].DueAt);
        Assert.Equal((EscalationLevel.Assignee, Monday.Deadline), (noWarning.Next(Standard, Monday, None)!.Level, noWarning.Next(Standard, Monday, None)!.DueAt));
    }

    [Fact]
    public void Due_rungs_are_those_whose_time_came_and_that_have_not_fired()
    {
        var done = new HashSet<EscalationLevel> { EscalationLevel.Warning };
        var due = Ladder.Due(Standard, Monday, At("2026-11-03 15:00"), done);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], due.Select(s => s.Level));
    }

    [Fact]
    public void Next_is_the_earliest_rung_not_fired_even_when_it_is_already_late()
    {
        var late = Ladder.Next(Standard, Monday, new HashSet<EscalationLevel> { EscalationLevel.Warning });
        Assert.Equal((EscalationLevel.Assignee, Monday.Deadline), (late!.Level, late.DueAt));
        Assert.Null(Ladder.Next(Standard, Monday, EscalationLevels.Automatic.ToHashSet()));
    }

    [Fact]
    public void A_shorter_ladder_without_warning_stops_at_its_last_delay()
    {
        var ladder = new EscalationLadder(null, [TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)]);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], ladder.Steps(Standard, Monday).Select(s => s.Level));
    }

    [Fact]
    public void The_most_specific_ladder_rule_wins_for_a_category_and_priority()
    {
        EscalationLadder L(params int[] delays) => new(0.8, delays.Select(d => TimeSpan.FromSeconds(d)).ToList());
        var rules = new List<LadderRule>
        {
            new(null, null, L(0, 100, 200, 300)),
            new("E01", null, L(0, 60)),
            new("E0102", "urgent", L(0, 30, 30, 30)),
            new(null, "urgent", L(0, 10)),
        };
        Assert.Equal([0, 30, 30, 30], LadderRule.Pick(rules, "E0102", "urgent").Delays.Select(d => d.TotalSeconds));
        Assert.Equal([0, 60], LadderRule.Pick(rules, "E0102", "normal").Delays.Select(d => d.TotalSeconds));
        Assert.Equal([0, 10], LadderRule.Pick(rules, "C0101", "urgent").Delays.Select(d => d.TotalSeconds));
        Assert.Equal([0, 100, 200, 300], LadderRule.Pick(rules, "C0101", "normal").Delays.Select(d => d.TotalSeconds));
        Assert.Empty(LadderRule.Pick([], "C0101", "normal").Steps(Standard, Monday));
    }

    [Theory]
    [InlineData(EscalationLevel.Warning, "warning")]
    [InlineData(EscalationLevel.StreetLeader, "street_leader")]
    [InlineData(EscalationLevel.Supervise, "supervise")]
    public void Levels_have_stable_codes(EscalationLevel level, string code)
    {
        Assert.Equal(code, level.ToCode());
        Assert.Equal(level, EscalationLevels.Parse(code));
        Assert.False(EscalationLevels.TryParse("bogus", out _));
    }
}
