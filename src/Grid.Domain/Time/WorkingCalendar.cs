namespace Grid.Domain.Time;

/// <summary>One stretch of working time within a day, in the calendar's local time.</summary>
public sealed record WorkingPeriod(TimeOnly Start, TimeOnly End);

/// <summary>
/// The working calendar time limits are counted on: working periods of a day, weekly rest days,
/// public holidays and make-up working days (调休). All arithmetic happens in the calendar's local time.
/// A year may have working periods of its own (a city moves its office hours from one year to the next);
/// a day of a year without them works the default periods.
/// </summary>
public sealed class WorkingCalendar
{
    /// <summary>How many consecutive days without working time a walk tolerates before it gives up.</summary>
    public const int MaxDaysWithoutWork = 3660;

    /// <summary>At most this many working periods in a day (a split shift has two or three).</summary>
    public const int MaxPeriods = 6;

    private readonly WorkingPeriod[] _periods;
    private readonly Dictionary<int, WorkingPeriod[]> _yearPeriods;
    private readonly HashSet<DayOfWeek> _restDays;
    private readonly HashSet<DateOnly> _holidays;
    private readonly HashSet<DateOnly> _makeUpWorkdays;

    public WorkingCalendar(TimeZoneInfo zone, IReadOnlyList<WorkingPeriod> periods, IReadOnlySet<DayOfWeek> restDays,
                           IReadOnlySet<DateOnly> holidays, IReadOnlySet<DateOnly> makeUpWorkdays,
                           IReadOnlyDictionary<int, IReadOnlyList<WorkingPeriod>>? yearPeriods = null)
    {
        ArgumentNullException.ThrowIfNull(zone);
        ArgumentNullException.ThrowIfNull(periods);
        _periods = Checked(periods, nameof(periods));
        _yearPeriods = (yearPeriods ?? new Dictionary<int, IReadOnlyList<WorkingPeriod>>())
            .ToDictionary(y => y.Key, y => Checked(y.Value, nameof(yearPeriods)));
        Zone = zone;
        _restDays = [.. restDays];
        _holidays = [.. holidays];
        _makeUpWorkdays = [.. makeUpWorkdays];
        WorkingHoursPerDay = Length(_periods);
    }

    /// <summary>
    /// Why a day's working periods cannot be used, or null when they can: at least one, at most
    /// <see cref="MaxPeriods"/>, each ending after it starts on the same day, none overlapping another
    /// (they are taken in order of their start; touching periods are allowed).
    /// </summary>
    public static string? Problem(IReadOnlyList<WorkingPeriod>? periods)
    {
        if (periods is null || periods.Count == 0) return "A working day needs at least one working period, e.g. 08:30-12:00.";
        if (periods.Count > MaxPeriods) return $"A working day has at most {MaxPeriods} working periods; {periods.Count} were given.";
        var ordered = periods.OrderBy(p => p.Start).ToArray();
        for (var i = 0; i < ordered.Length; i++)
        {
            var p = ordered[i];
            if (p.End <= p.Start)
                return $"Working period {p.Start:HH\\:mm}-{p.End:HH\\:mm} must end after it starts, on the same day (a period cannot run past midnight).";
            if (i > 0 && p.Start < ordered[i - 1].End)
                return $"Working periods {ordered[i - 1].Start:HH\\:mm}-{ordered[i - 1].End:HH\\:mm} and {p.Start:HH\\:mm}-{p.End:HH\\:mm} overlap.";
        }
        return null;
    }

    private static WorkingPeriod[] Checked(IReadOnlyList<WorkingPeriod> periods, string parameter)
    {
        ArgumentNullException.ThrowIfNull(periods, parameter);
        if (Problem(periods) is { } problem) throw new ArgumentException(problem, parameter);
        return [.. periods.OrderBy(p => p.Start)];
    }

    private static TimeSpan Length(IEnumerable<WorkingPeriod> periods) => periods.Aggregate(TimeSpan.Zero, (sum, p) => sum + (p.End - p.Start));

    /// <summary>08:30-12:00 and 13:30-18:00 (8 hours), Saturday and Sunday off, no holidays.</summary>
    public static WorkingCalendar Standard(TimeZoneInfo zone) => new(
        zone,
        [new(new(8, 30), new(12, 0)), new(new(13, 30), new(18, 0))],
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        new HashSet<DateOnly>(),
        new HashSet<DateOnly>());

    public TimeZoneInfo Zone { get; }

    /// <summary>Length of a working day on the default periods.</summary>
    public TimeSpan WorkingHoursPerDay { get; }

    /// <summary>The default working periods (of a year without its own).</summary>
    public IReadOnlyList<WorkingPeriod> Periods => _periods;

    /// <summary>The working periods of the days of <paramref name="year"/>: its own, else the default.</summary>
    public IReadOnlyList<WorkingPeriod> PeriodsIn(int year) => PeriodsOf(year);

    /// <summary>Length of a working day in <paramref name="year"/>.</summary>
    public TimeSpan WorkingHoursPerDayIn(int year) => _yearPeriods.TryGetValue(year, out var own) ? Length(own) : WorkingHoursPerDay;

    private WorkingPeriod[] PeriodsOf(int year) => _yearPeriods.TryGetValue(year, out var own) ? own : _periods;

    public bool IsWorkingDay(DateOnly day) =>
        !_holidays.Contains(day) && (_makeUpWorkdays.Contains(day) || !_restDays.Contains(day.DayOfWeek));

    /// <summary>The working time of a limit, a working day being as long as one on the default periods.</summary>
    public TimeSpan Duration(TimeLimit limit) => Duration(limit, WorkingHoursPerDay);

    /// <summary>The working time of a limit counted from <paramref name="start"/>: a working day is as long as one of the year it starts in.</summary>
    public TimeSpan Duration(TimeLimit limit, DateTimeOffset start) =>
        Duration(limit, WorkingHoursPerDayIn(TimeZoneInfo.ConvertTime(start, Zone).Year));

    private static TimeSpan Duration(TimeLimit limit, TimeSpan day) => limit.Unit switch
    {
        LimitUnit.WorkingHours => TimeSpan.FromHours(limit.Value),
        LimitUnit.WorkingDays => limit.Value * day,
        _ => throw new ArgumentOutOfRangeException(nameof(limit)),
    };

    /// <summary>
    /// <paramref name="start"/> plus the limit in working time, walked through the working periods of each
    /// day's own year (a case dispatched in a year of shorter days runs on those days).
    /// </summary>
    public DateTimeOffset Deadline(DateTimeOffset start, TimeLimit limit) => AddWorkingTime(start, Duration(limit, start));

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
                var periods = PeriodsOf(day.Year);
                foreach (var p in forward ? periods : Enumerable.Reverse(periods))
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
            foreach (var p in PeriodsOf(day.Year))
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
