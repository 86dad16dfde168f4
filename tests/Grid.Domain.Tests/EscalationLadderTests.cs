using Grid.Domain.Escalation;

namespace Grid.Domain.Tests;

public sealed class EscalationLadderTests
{
    private static readonly DateTimeOffset Dispatched = new(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateTimeOffset Deadline = Dispatched.AddHours(10);
    private static readonly EscalationLadder Ladder = new(0.8, [TimeSpan.Zero, TimeSpan.FromHours(2), TimeSpan.FromHours(4), TimeSpan.FromHours(8)]);

    [Fact]
    public void The_warning_comes_at_80_percent_and_each_rung_after_its_further_delay()
    {
        var steps = Ladder.Steps(Dispatched, Deadline);
        Assert.Equal(EscalationLevels.Automatic, steps.Select(s => s.Level));
        Assert.Equal([Dispatched.AddHours(8), Deadline, Deadline.AddHours(2), Deadline.AddHours(6), Deadline.AddHours(14)], steps.Select(s => s.DueAt));
    }

    [Fact]
    public void Due_rungs_are_those_whose_time_came_and_that_have_not_fired()
    {
        var done = new HashSet<EscalationLevel> { EscalationLevel.Warning };
        var due = Ladder.Due(Dispatched, Deadline, Deadline.AddHours(3), done);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], due.Select(s => s.Level));
    }

    [Fact]
    public void Next_is_the_earliest_rung_not_fired_even_when_it_is_already_late()
    {
        var late = Ladder.Next(Dispatched, Deadline, new HashSet<EscalationLevel> { EscalationLevel.Warning });
        Assert.Equal((EscalationLevel.Assignee, Deadline), (late!.Level, late.DueAt));
        var all = EscalationLevels.Automatic.ToHashSet();
        Assert.Null(Ladder.Next(Dispatched, Deadline, all));
    }

    [Fact]
    public void A_shorter_ladder_without_warning_stops_at_its_last_delay()
    {
        var ladder = new EscalationLadder(null, [TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(30)]);
        Assert.Equal([EscalationLevel.Assignee, EscalationLevel.GridHead], ladder.Steps(Dispatched, Deadline).Select(s => s.Level));
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
