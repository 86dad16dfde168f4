using System.Globalization;
using Grid.Domain.Time;

namespace Grid.Domain.Tests;

public class WorkingCalendarTests
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

    /// <summary>A wall-clock time in Shanghai.</summary>
    internal static DateTimeOffset At(string local)
    {
        var dt = DateTime.ParseExact(local, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
        return new DateTimeOffset(dt, Shanghai.GetUtcOffset(dt));
    }

    private static TimeSpan H(double hours) => TimeSpan.FromHours(hours);

    [Fact]
    public void The_standard_day_has_eight_working_hours()
    {
        Assert.Equal(H(8), Standard.WorkingHoursPerDay);
    }

    [Theory]
    [InlineData("2026-03-04 10:00", 1, "2026-03-04 11:00")] // Wednesday morning
    [InlineData("2026-03-04 17:00", 1, "2026-03-04 18:00")] // exactly to the end of the day, not next morning
    [InlineData("2026-03-04 11:00", 1, "2026-03-04 12:00")] // exactly to lunch, not after it
    [InlineData("2026-03-04 10:00", 3, "2026-03-04 14:30")] // across lunch
    [InlineData("2026-03-04 17:00", 2, "2026-03-05 09:30")] // across the night
    [InlineData("2026-03-04 08:30", 8, "2026-03-04 18:00")] // one full day
    [InlineData("2026-03-04 08:30", 8.5, "2026-03-05 09:00")]
    [InlineData("2026-03-06 17:00", 2, "2026-03-09 09:30")] // Friday across the weekend
    [InlineData("2026-03-04 07:00", 1, "2026-03-04 09:30")] // before work
    [InlineData("2026-03-04 12:30", 1, "2026-03-04 14:30")] // during lunch
    [InlineData("2026-03-04 12:00", 1, "2026-03-04 14:30")] // at the start of lunch
    [InlineData("2026-03-04 20:00", 1, "2026-03-05 09:30")] // in the evening
    [InlineData("2026-03-07 10:00", 1, "2026-03-09 09:30")] // on Saturday
    public void Adding_working_hours_walks_the_working_periods(string start, double hours, string expected)
    {
        Assert.Equal(At(expected), Standard.AddWorkingTime(At(start), H(hours)));
    }

    [Theory]
    [InlineData("2026-03-05 09:30", 2, "2026-03-04 17:00")] // back across the night
    [InlineData("2026-03-04 14:30", 1, "2026-03-04 13:30")] // exactly back to the afternoon start
    [InlineData("2026-03-04 14:30", 3, "2026-03-04 10:00")] // back across lunch
    [InlineData("2026-03-09 09:30", 2, "2026-03-06 17:00")] // back across the weekend
    [InlineData("2026-03-04 20:00", 1, "2026-03-04 17:00")] // from the evening
    [InlineData("2026-03-08 10:00", 1, "2026-03-06 17:00")] // from Sunday
    public void Negative_working_time_walks_backwards(string start, double hours, string expected)
    {
        Assert.Equal(At(expected), Standard.AddWorkingTime(At(start), -H(hours)));
    }

    [Fact]
    public void Adding_nothing_returns_the_start()
    {
        Assert.Equal(At("2026-03-04 20:00"), Standard.AddWorkingTime(At("2026-03-04 20:00"), TimeSpan.Zero));
    }

    [Fact]
    public void Holidays_are_skipped()
    {
        Assert.Equal(At("2026-10-08 09:30"), NationalDay.AddWorkingTime(At("2026-09-30 17:00"), H(2)));
        Assert.Equal(At("2026-09-30 17:00"), NationalDay.AddWorkingTime(At("2026-10-08 09:30"), -H(2)));
    }

    [Fact]
    public void A_make_up_saturday_is_worked()
    {
        Assert.Equal(At("2026-10-10 09:30"), NationalDay.AddWorkingTime(At("2026-10-09 17:00"), H(2)));
        Assert.Equal(At("2026-10-12 09:30"), NationalDay.AddWorkingTime(At("2026-10-10 17:00"), H(2)));
    }

    [Theory]
    [InlineData("2026-10-01", false)] // holiday on a Thursday
    [InlineData("2026-10-08", true)]
    [InlineData("2026-10-10", true)]  // make-up Saturday
    [InlineData("2026-10-11", false)] // ordinary Sunday
    [InlineData("2026-10-17", false)] // ordinary Saturday
    public void Working_days_honour_holidays_and_make_up_days(string day, bool working)
    {
        Assert.Equal(working, NationalDay.IsWorkingDay(DateOnly.Parse(day, CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_holiday_that_is_also_marked_make_up_stays_off()
    {
        var day = new DateOnly(2026, 10, 3);
        var calendar = new WorkingCalendar(Shanghai, Standard.Periods, new HashSet<DayOfWeek>(),
            new HashSet<DateOnly> { day }, new HashSet<DateOnly> { day });

        Assert.False(calendar.IsWorkingDay(day));
    }

    [Theory]
    [InlineData(5, LimitUnit.WorkingHours, "2026-03-04 10:00", "2026-03-04 16:30")] // 道路不洁
    [InlineData(1, LimitUnit.WorkingDays, "2026-03-04 10:00", "2026-03-05 10:00")]  // 暴露垃圾
    [InlineData(4, LimitUnit.WorkingDays, "2026-03-05 10:00", "2026-03-11 10:00")]  // 积存垃圾渣土, over a weekend
    [InlineData(1, LimitUnit.WorkingDays, "2026-03-04 08:30", "2026-03-04 18:00")]
    [InlineData(1, LimitUnit.WorkingDays, "2026-03-06 20:00", "2026-03-09 18:00")]
    public void Deadlines_count_working_hours_and_working_days(int value, LimitUnit unit, string start, string expected)
    {
        Assert.Equal(At(expected), Standard.Deadline(At(start), new TimeLimit(value, unit)));
    }

    [Fact]
    public void One_working_day_lasts_as_long_as_a_working_day()
    {
        Assert.Equal(H(8), Standard.Duration(new TimeLimit(1, LimitUnit.WorkingDays)));
        Assert.Equal(H(120), Standard.Duration(new TimeLimit(15, LimitUnit.WorkingDays)));
        Assert.Equal(H(5), Standard.Duration(new TimeLimit(5, LimitUnit.WorkingHours)));
    }

    [Theory]
    [InlineData("2026-03-04 10:00", "2026-03-04 14:30", 3)]   // lunch does not count
    [InlineData("2026-03-06 17:00", "2026-03-09 09:30", 2)]   // the weekend does not count
    [InlineData("2026-03-04 18:00", "2026-03-05 08:30", 0)]
    [InlineData("2026-03-04 07:00", "2026-03-04 20:00", 8)]
    [InlineData("2026-03-04 14:30", "2026-03-04 10:00", -3)]  // reversed
    [InlineData("2026-03-02 00:00", "2026-03-09 00:00", 40)]  // a week
    public void Working_time_between_two_moments_counts_only_working_periods(string from, string to, double hours)
    {
        Assert.Equal(H(hours), Standard.WorkingTimeBetween(At(from), At(to)));
    }

    [Fact]
    public void Working_time_between_is_the_inverse_of_adding_it_from_any_start()
    {
        TimeSpan[] durations = [TimeSpan.FromMinutes(10), H(1), H(3.5), H(4.5), H(8), H(17), H(40), H(100)];
        for (var start = At("2026-09-25 00:05"); start < At("2026-10-14 00:00"); start += TimeSpan.FromMinutes(20))
        {
            foreach (var d in durations)
            {
                var end = NationalDay.AddWorkingTime(start, d);
                Assert.True(d == NationalDay.WorkingTimeBetween(start, end), $"{start:u} + {d}");
                Assert.Equal(-d, NationalDay.WorkingTimeBetween(end, start));

                var back = NationalDay.AddWorkingTime(end, -d);
                Assert.True(d == NationalDay.WorkingTimeBetween(back, end), $"{end:u} - {d}");
                Assert.Equal(TimeSpan.Zero, NationalDay.WorkingTimeBetween(start, back));
            }
        }
    }

    [Fact]
    public void Adding_in_two_steps_lands_where_adding_at_once_does()
    {
        for (var start = At("2026-03-05 00:05"); start < At("2026-03-10 00:00"); start += TimeSpan.FromMinutes(25))
        {
            foreach (var (a, b) in new[] { (H(1), H(2.5)), (H(3.5), H(4.5)), (H(8), H(0.5)), (H(2), H(30)) })
            {
                Assert.Equal(Standard.AddWorkingTime(start, a + b), Standard.AddWorkingTime(Standard.AddWorkingTime(start, a), b));
            }
        }
    }

    [Fact]
    public void Times_are_read_in_the_calendar_zone_and_returned_in_utc()
    {
        var startUtc = new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero); // 17:00 in Shanghai

        var end = Standard.AddWorkingTime(startUtc, H(2));

        Assert.Equal(new DateTimeOffset(2026, 3, 5, 1, 30, 0, TimeSpan.Zero), end); // 09:30 next day in Shanghai
        Assert.Equal(TimeSpan.Zero, end.Offset);
    }

    [Fact]
    public void The_same_instant_on_a_utc_calendar_gives_a_different_deadline()
    {
        var utc = WorkingCalendar.Standard(TimeZoneInfo.Utc);
        var start = new DateTimeOffset(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);

        Assert.Equal(new DateTimeOffset(2026, 3, 4, 11, 0, 0, TimeSpan.Zero), utc.AddWorkingTime(start, H(2)));
    }

    // 2027 works 09:00-12:00 and 13:00-17:00 (7 hours); 2026 keeps the default 8-hour day.
    private static readonly WorkingCalendar ShorterDaysFrom2027 = new(
        Shanghai,
        Standard.Periods,
        new HashSet<DayOfWeek> { DayOfWeek.Saturday, DayOfWeek.Sunday },
        new HashSet<DateOnly>(),
        new HashSet<DateOnly>(),
        new Dictionary<int, IReadOnlyList<WorkingPeriod>>
        {
            [2027] = [new(new(13, 0), new(17, 0)), new(new(9, 0), new(12, 0))],
        });

    [Fact]
    public void A_year_with_periods_of_its_own_works_them_and_other_years_work_the_default()
    {
        Assert.Equal(H(7), ShorterDaysFrom2027.WorkingHoursPerDayIn(2027));
        Assert.Equal(H(8), ShorterDaysFrom2027.WorkingHoursPerDayIn(2026));
        Assert.Equal([new(new(9, 0), new(12, 0)), new(new(13, 0), new(17, 0))], ShorterDaysFrom2027.PeriodsIn(2027));
        // Wednesday 2027-03-03: 3 hours from 11:00 crosses the 2027 lunch (12:00-13:00), not the default one.
        Assert.Equal(At("2027-03-03 15:00"), ShorterDaysFrom2027.AddWorkingTime(At("2027-03-03 11:00"), H(3)));
        Assert.Equal(At("2026-03-04 14:30"), ShorterDaysFrom2027.AddWorkingTime(At("2026-03-04 10:00"), H(3)));
        Assert.Equal(H(7), ShorterDaysFrom2027.WorkingTimeBetween(At("2027-03-03 00:00"), At("2027-03-04 00:00")));
    }

    [Fact]
    public void A_deadline_walks_each_day_on_the_periods_of_its_year_and_counts_days_of_the_year_it_starts_in()
    {
        // Thursday 2026-12-31 17:00: one hour of 2026 is left (to 18:00); the rest is walked on 2027's periods
        // (Friday 1 January 2027 is a working day on this calendar): 08:30 would be the default's start, 09:00 is 2027's.
        Assert.Equal(At("2027-01-01 10:00"), ShorterDaysFrom2027.Deadline(At("2026-12-31 17:00"), new TimeLimit(2, LimitUnit.WorkingHours)));
        // A working day started in 2027 is a 2027 day (7 h), whole: Wednesday 09:00 + 1 day = Wednesday 17:00.
        Assert.Equal(At("2027-03-03 17:00"), ShorterDaysFrom2027.Deadline(At("2027-03-03 09:00"), new TimeLimit(1, LimitUnit.WorkingDays)));
        Assert.Equal(H(7), ShorterDaysFrom2027.Duration(new TimeLimit(1, LimitUnit.WorkingDays), At("2027-03-03 09:00")));
        Assert.Equal(H(8), ShorterDaysFrom2027.Duration(new TimeLimit(1, LimitUnit.WorkingDays), At("2026-03-04 09:00")));
    }

    [Fact]
    public void A_year_whose_own_periods_overlap_is_refused_like_the_default_periods()
    {
        var ex = Assert.Throws<ArgumentException>(() => new WorkingCalendar(Shanghai, Standard.Periods, new HashSet<DayOfWeek>(),
            new HashSet<DateOnly>(), new HashSet<DateOnly>(),
            new Dictionary<int, IReadOnlyList<WorkingPeriod>> { [2027] = [new(new(8, 0), new(12, 0)), new(new(11, 30), new(14, 0))] }));
        Assert.Contains("08:00-12:00 and 11:30-14:00 overlap", ex.Message);
        Assert.Contains("at most 6", WorkingCalendar.Problem([.. Enumerable.Range(1, 7).Select(h => new WorkingPeriod(new(h, 0), new(h, 30)))]));
        Assert.Null(WorkingCalendar.Problem([new(new(8, 0), new(12, 0)), new(new(12, 0), new(13, 0))]));
    }

    [Fact]
    public void Periods_may_be_given_in_any_order()
    {
        var calendar = new WorkingCalendar(Shanghai, [.. Standard.Periods.Reverse()], new HashSet<DayOfWeek>(),
            new HashSet<DateOnly>(), new HashSet<DateOnly>());

        Assert.Equal(At("2026-03-04 14:30"), calendar.AddWorkingTime(At("2026-03-04 10:00"), H(3)));
    }

    [Fact]
    public void Overlapping_periods_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => new WorkingCalendar(Shanghai,
            [new(new(8, 0), new(12, 0)), new(new(11, 0), new(17, 0))],
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>()));
        Assert.Contains("overlap", ex.Message);
    }

    [Theory]
    [InlineData(12, 0, 12, 0)]
    [InlineData(12, 0, 8, 0)]
    public void A_period_that_does_not_end_after_it_starts_is_refused(int startHour, int startMinute, int endHour, int endMinute)
    {
        Assert.Throws<ArgumentException>(() => new WorkingCalendar(Shanghai,
            [new(new(startHour, startMinute), new(endHour, endMinute))],
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>()));
    }

    [Fact]
    public void A_calendar_without_periods_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new WorkingCalendar(Shanghai, [],
            new HashSet<DayOfWeek>(), new HashSet<DateOnly>(), new HashSet<DateOnly>()));
    }

    [Fact]
    public void A_calendar_without_working_days_gives_up_instead_of_looping()
    {
        var calendar = new WorkingCalendar(Shanghai, Standard.Periods, Enum.GetValues<DayOfWeek>().ToHashSet(),
            new HashSet<DateOnly>(), new HashSet<DateOnly>());

        var ex = Assert.Throws<ArgumentException>(() => calendar.AddWorkingTime(At("2026-03-04 10:00"), H(1)));
        Assert.Contains("no working day", ex.Message);
        Assert.Throws<ArgumentException>(() => calendar.AddWorkingTime(At("2026-03-04 10:00"), -H(1)));
    }

    [Theory]
    [InlineData(LimitUnit.WorkingHours, "working_hours")]
    [InlineData(LimitUnit.WorkingDays, "working_days")]
    public void Limit_units_round_trip_through_their_codes(LimitUnit unit, string code)
    {
        Assert.Equal(code, unit.ToCode());
        Assert.Equal(unit, LimitUnits.Parse(code));
    }

    [Fact]
    public void An_unknown_limit_unit_code_is_refused()
    {
        Assert.False(LimitUnits.TryParse("hours", out _));
        Assert.Throws<ArgumentException>(() => LimitUnits.Parse("hours"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void A_time_limit_below_one_is_refused(int value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TimeLimit(value, LimitUnit.WorkingHours));
    }
}
