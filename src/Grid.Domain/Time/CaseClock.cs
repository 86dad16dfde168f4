using Grid.Domain.Incidents;

namespace Grid.Domain.Time;

/// <summary>What the handling clock of a case shows at a given moment.</summary>
/// <param name="Remaining">Working time left; negative when overdue; null when no clock applies.</param>
public sealed record ClockReading(TimeSpan? Remaining, bool Overdue, bool Paused)
{
    public static readonly ClockReading None = new(null, false, false);
}

/// <summary>
/// The handling clock of a case. It runs against the deadline while the case is dispatched or in
/// progress; on hold (挂账) it stands still at the working time that was left when the hold began.
/// </summary>
public static class CaseClock
{
    public static ClockReading Read(WorkingCalendar calendar, CaseState state, DateTimeOffset? deadline, TimeSpan? heldRemaining, DateTimeOffset now)
    {
        if (state == CaseState.OnHold)
            return new(heldRemaining, heldRemaining < TimeSpan.Zero, true);
        if (!state.ClockRuns() || deadline is not { } due)
            return ClockReading.None;
        return new(calendar.WorkingTimeBetween(now, due), now > due, false);
    }

    /// <summary>The working time left at <paramref name="now"/> (negative if overdue), which resume gives back.</summary>
    public static TimeSpan RemainingAtHold(WorkingCalendar calendar, DateTimeOffset deadline, DateTimeOffset now) =>
        calendar.WorkingTimeBetween(now, deadline);

    /// <summary>The deadline after resuming at <paramref name="now"/>; a negative remainder puts it in the past, so the case stays overdue.</summary>
    public static DateTimeOffset DeadlineOnResume(WorkingCalendar calendar, TimeSpan remaining, DateTimeOffset now) =>
        calendar.AddWorkingTime(now, remaining);
}
