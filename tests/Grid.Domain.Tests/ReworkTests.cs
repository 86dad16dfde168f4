using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

/// <summary>返工: a case sent back by the inspector gets a new handling deadline, counted from the rework like a dispatch.</summary>
public sealed class ReworkTests
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    private static readonly TimeSpan Cst = TimeSpan.FromHours(8);
    // 08:30-12:00 and 13:30-18:00, weekends off, the National Day week (1-7 October 2026) off.
    private static readonly WorkingCalendar Calendar = new(Shanghai,
        [new(new(8, 30), new(12, 0)), new(new(13, 30), new(18, 0))],
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        Enumerable.Range(1, 7).Select(d => new DateOnly(2026, 10, d)).ToHashSet(),
        new HashSet<DateOnly>());
    private static readonly TimeLimit OneDay = new(1, LimitUnit.WorkingDays);
    private static readonly Guid WorkerId = Guid.NewGuid();
    private static readonly Actor Operator = new(Guid.NewGuid(), [Role.Operator], false, null);
    private static readonly Actor Worker = new(WorkerId, [Role.GridWorker], true, null);
    private static readonly Actor Inspector = new(Guid.NewGuid(), [Role.Inspector], true, null);

    /// <summary>Dispatched Tuesday 29 September 09:00 with one working day (due Wednesday 09:00), fixed late on Wednesday.</summary>
    private static Case FixedLate()
    {
        var c = Case.Restore(1, "320213001001012", "E0102", CaseState.Registered, 1, false, null, null, null, null, null, 0, 0,
            null, null, null, null, null);
        Assert.True(c.Dispatch(Operator, "sanitation", WorkerId, OneDay, Calendar, new DateTimeOffset(2026, 9, 29, 9, 0, 0, Cst)).Succeeded);
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 9, 0, 0, Cst), c.Deadline);
        Assert.True(c.Accept(Worker, new DateTimeOffset(2026, 9, 29, 10, 0, 0, Cst)).Succeeded);
        Assert.True(c.Feedback(Worker, "Swept", [], new DateTimeOffset(2026, 9, 30, 17, 0, 0, Cst)).Succeeded);
        return c;
    }

    [Fact]
    public void Rework_after_the_limit_passed_gives_the_full_limit_again_from_the_rework_on_the_working_calendar()
    {
        var c = FixedLate();
        var reworkAt = new DateTimeOffset(2026, 9, 30, 17, 30, 0, Cst);
        var result = c.Rework(Inspector, "Still dirty", [], OneDay, Calendar, reworkAt);

        Assert.True(result.Succeeded);
        Assert.Equal(CaseState.InProgress, c.State);
        // Half an hour on Wednesday, then the National Day week off: 08:30 to 17:30 on Thursday 8 October.
        var deadline = new DateTimeOffset(2026, 10, 8, 17, 30, 0, Cst);
        Assert.Equal(deadline, c.Deadline);
        Assert.Equal(Calendar.Deadline(reworkAt, OneDay), c.Deadline);
        // Not overdue right after the rework: the whole working day is left.
        Assert.Equal(new ClockReading(TimeSpan.FromHours(8), false, false), CaseClock.Read(Calendar, c.State, c.Deadline, c.HeldRemaining, reworkAt));
        // The history row records the new deadline beside the one it replaces, as an extension does.
        Assert.Equal(new DateTimeOffset(2026, 9, 30, 9, 0, 0, Cst), result.Step!.Details["previousDeadline"]);
        Assert.Equal(deadline, result.Step.Details["deadline"]);
    }

    [Fact]
    public void A_second_rework_counts_from_its_own_moment()
    {
        var c = FixedLate();
        c.Rework(Inspector, "Still dirty", [], OneDay, Calendar, new DateTimeOffset(2026, 9, 30, 17, 30, 0, Cst));
        c.Feedback(Worker, "Swept again", [], new DateTimeOffset(2026, 10, 8, 10, 0, 0, Cst));
        // Thursday 8 October 11:00 + 8 working hours: 1 h before noon, 4.5 h in the afternoon, 2.5 h on Friday = 11:00.
        var second = c.Rework(Inspector, "Corner missed", [], new TimeLimit(8, LimitUnit.WorkingHours), Calendar,
            new DateTimeOffset(2026, 10, 8, 11, 0, 0, Cst));
        Assert.Equal(new DateTimeOffset(2026, 10, 8, 17, 30, 0, Cst), second.Step!.Details["previousDeadline"]);
        Assert.Equal(new DateTimeOffset(2026, 10, 9, 11, 0, 0, Cst), c.Deadline);
        Assert.Equal(2, c.ReworkCount);
    }

    [Fact]
    public void A_refused_rework_keeps_the_deadline()
    {
        var c = FixedLate();
        var before = c.Deadline;
        var refused = c.Rework(Worker, "Still dirty", [], OneDay, Calendar, new DateTimeOffset(2026, 9, 30, 17, 30, 0, Cst));
        Assert.Equal(RefusalKind.Forbidden, refused.Refusal!.Kind);
        var noReason = c.Rework(Inspector, " ", [], OneDay, Calendar, new DateTimeOffset(2026, 9, 30, 17, 30, 0, Cst));
        Assert.Equal(RefusalKind.Invalid, noReason.Refusal!.Kind);
        Assert.Equal(before, c.Deadline);
        Assert.Equal((CaseState.Resolved, 0), (c.State, c.ReworkCount));
    }
}
