using Grid.Domain.Escalation;

namespace Grid.Domain.Tests;

public sealed class EscalationLadderTests
{
    private static readonly DateTimeOffset Dispatched = new(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateTimeOffset Deadline = Dispatched.AddHours(10);
    private static readonly TimeSpan Limit = Deadline - Dispatched;
    private static readonly EscalationLadder Ladder = new(0.8, [TimeSpan.Zero, TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8)]);

    [Fact]
    public void The_warning_comes_at_80_percent_and_each_rung_after_its_further_delay()
    {
        var steps = Ladder.Steps(Deadline, Limit);
        Assert.Equal(EscalationLevels.Automatic, steps.Select(s => s.Level));
        Assert.Equal([Dispatched.AddHours(8), Deadline, Deadline.AddHours(2), Deadline.AddHours(6), Deadline.AddHours(14)], steps.Select(s => s.DueAt));
    }

    [Fact]
    public void After_an_extension_the_warning_comes_a_fifth_of_the_limit_before_the_new_deadline()
    {
        // Dispatched at 9:00 with 10 h; at 18:30 (warned, overdue soon) extended by 3 h to 22:00.
        var extended = Deadline.AddHours(3);
        var steps = Ladder.Steps(extended, Limit);
        Assert.Equal((EscalationLevel.Warning, extended.AddHours(-2)), (steps[0].Level, steps[0].DueAt));
        Assert.Empty(Ladder.Due(extended, Limit, Dispatched.AddHours(9.5), new HashSet<EscalationLevel>()));
        Assert.Equal(extended, steps[1].DueAt);
    }

    [Fact]
    public void After_a_resume_the_warning_keeps_its_place_before_the_new_deadline()
    {
        // Held at 11:00 with 8 h left, resumed two days later at 9:00: due 17:00, warned at 15:00.
        var resumedDeadline = Dispatched.AddDays(2).AddHours(8);
        var next = Ladder.Next(resumedDeadline, Limit, new HashSet<EscalationLevel>());
        Assert.Equal((EscalationLevel.Warning, resumedDeadline.AddHours(-2)), (next!.Level, next.DueAt));
    }

    [Fact]
    public void No_limit_no_warning()
    {
        Assert.Equal(EscalationLevel.Assignee, Ladder.Steps(Deadline, TimeSpan.Zero)[0].Level);
    }

    [Fact]
    public void Due_rungs_are_those_whose_time_came_and_that_have_not_fired()
    {
        var done = new HashSet<EscalationLevel> { EscalationLevel.Warning };
        var due = Ladder.Due(Deadline, Limit, Deadline.AddHours(3), done);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], due.Select(s => s.Level));
    }

    [Fact]
    public void Next_is_the_earliest_rung_not_fired_even_when_it_is_already_late()
    {
        var late = Ladder.Next(Deadline, Limit, new HashSet<EscalationLevel> { EscalationLevel.Warning });
        Assert.Equal((EscalationLevel.Assignee, Deadline), (late!.Level, late.DueAt));
        var all = EscalationLevels.Automatic.ToHashSet();
        Assert.Null(Ladder.Next(Deadline, Limit, all));
    }

    [Fact]
    public void A_shorter_ladder_without_warning_stops_at_its_last_delay()
    {
        var ladder = new EscalationLadder(null, [TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)]);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], ladder.Steps(Deadline, Limit).Select(s => s.Level));
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
