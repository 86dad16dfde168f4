namespace Grid.Domain.Time;

/// <summary>One stretch of working time within a day, in the calendar's local time.</summary>
public sealed record WorkingPeriod(TimeOnly Start, TimeOnly End);

/// <summary>
/// The working calendar time limits are counted on: working periods of a day, weekly rest days,
/// public holidays and make-up working days (调休). All arithmetic happens in the calendar's local time.
/// </summary>
public sealed class WorkingCalendar
{
    /// <summary>How many consecutive days without working time a walk tolerates before it gives up.</summary>
    public const int MaxDaysWithoutWork = 3660;

    private readonly WorkingPeriod[] _periods;
    private readonly HashSet<DayOfWeek> _restDays;
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _makeUpWorkdays;

    public WorkingCalendar(TimeZoneInfo zone, IReadOnlyList<WorkingPeriod> periods, IReadOnlySet<DayOfWeek> restDays,
                           IReadOnlySet<DateOnly> holidays, IReadOnlySet<DateOnly> makeUpWorkdays)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(periods);
        if (periods.Count == 0)
            throw new ArgumentException("A working calendar needs at least one working period.", nameof(periods));
        _periods = [.. periods.OrderBy(p => p.Start)];
        for (var i = 0; i < _periods.Length; i++)
        {
            var p = _periods[i];
            if (p.End <= p.Start)
                throw new ArgumentException($"Working period {p.Start:HH\\:mm}-{p.End:HH\\:mm} must end after it starts.", nameof(periods));
            if (i > 0 && p.Start < _periods[i - 1].End)
                throw new ArgumentException(
                    $"Working periods {_periods[i - 1].Start:HH\\:mm}-{_periods[i - 1].End:HH\\:mm} and {p.Start:HH\\:mm}-{p.End:HH\\:mm} overlap.", nameof(periods));
        }
        Zone = zone;
        _restDays = [.. restDays];
        _holidays = [.. holidays];
        _makeUpWorkdays = [.. makeUpWorkdays];
        WorkingHoursPerDay = _periods.Aggregate(TimeSpan.Zero, (sum, p) => sum + (p.End - p.Start));
    }

    /// <summary>08:30-12:00 and 13:30-18:00 (8 hours), Saturday and Sunday off, no holidays.</summary>
    public static WorkingCalendar Standard(TimeZoneInfo zone) => new(
        zone,
        [new(new(8, 30), new(12, 0)), new(new(13, 30), new(18, 0))],
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        new HashSet<DateOnly>(),
        new HashSet<DateOnly>());

    public TimeZoneInfo Zone { get; }
    public TimeSpan WorkingHoursPerDay { get; }
    public IReadOnlyList<WorkingPeriod> Periods => _periods;

    public bool IsWorkingDay(DateOnly day) =>
        !_holidays.Contains(day) && (_makeUpWorkdays.Contains(day) || !_restDays.Contains(day.DayOfWeek));

    public TimeSpan Duration(TimeLimit limit) => limit.Unit switch
    {
        LimitUnit.WorkingHours => TimeSpan.FromHours(limit.Value),
        LimitUnit.WorkingDays => limit.Value * WorkingHoursPerDay,
        _ => throw new ArgumentOutOfRangeException(nameof(limit)),
    };

    public DateTimeOffset Deadline(DateTimeOffset start, TimeLimit limit) => AddWorkingTime(start, Duration(limit));

    /// <summary>
    /// Walks <paramref name="working"/> through the working periods. A walk that uses up exactly the
    /// rest of a period ends at that period's boundary (17:00 + 1h = 18:00), in both directions.
    /// </summary>
    public DateTimeOffset AddWorkingTime(DateTimeOffset start, TimeSpan working)
    {
        if (working == TimeSpan.Zero) return start.ToUniversalTime();
        var local = TimeZoneInfo.ConvertTime(start, Zone).DateTime;
        var day = DateOnly.FromDateTime(local);
        var cursor = local.TimeOfDay;
        var left = working.Duration();
        var forward = working > TimeSpan.Zero;
        var idle = 0;
        while (true)
        {
            if (IsWorkingDay(day))
            {
                idle = 0;
                foreach (var p in forward ? _periods : Enumerable.Reverse(_periods))
                {
                    var (from, to) = (p.Start.ToTimeSpan(), p.End.ToTimeSpan());
                    if (forward ? cursor >= to : cursor <= from) continue;
                    var available = forward ? to - Max(from, cursor) : Min(to, cursor) - from;
                    if (left <= available)
                        return ToUtc(day.ToDateTime(TimeOnly.MinValue) + (forward ? Max(from, cursor) + left : Min(to, cursor) - left));
                    left -= available;
                }
            }
            else if (++idle > MaxDaysWithoutWork)
            {
                throw new ArgumentException(
                    $"The working calendar has no working day within {MaxDaysWithoutWork} days of {DateOnly.FromDateTime(local):yyyy-MM-dd}; check its rest days and holidays.",
                    nameof(working));
            }
            day = day.AddDays(forward ? 1 : -1);
            cursor = forward ? TimeSpan.Zero : TimeSpan.FromDays(1);
        }
    }

    /// <summary>Working time inside [from, to); negative when <paramref name="to"/> is before <paramref name="from"/>.</summary>
    public TimeSpan WorkingTimeBetween(DateTimeOffset from, DateTimeOffset to)
    {
        if (to < from) return -WorkingTimeBetween(to, from);
        var a = TimeZoneInfo.ConvertTime(from, Zone).DateTime;
        var b = TimeZoneInfo.ConvertTime(to, Zone).DateTime;
        var total = TimeSpan.Zero;
        for (var day = DateOnly.FromDateTime(a); day <= DateOnly.FromDateTime(b); day = day.AddDays(1))
        {
            if (!IsWorkingDay(day)) continue;
            foreach (var p in _periods)
            {
                var s = Max(day.ToDateTime(p.Start), a);
                var e = Min(day.ToDateTime(p.End), b);
                if (e > s) total += e - s;
            }
        }
        return total;
    }

    // GetUtcOffset does not throw on a skipped or repeated local time, unlike ConvertTimeToUtc.
    private DateTimeOffset ToUtc(DateTime local) => new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();

    private static T Max<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) >= 0 ? a : b;
    private static T Min<T>(T a, T b) where T : IComparable<T> => a.CompareTo(b) <= 0 ? a : b;
}
