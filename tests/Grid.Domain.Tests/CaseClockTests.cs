using Grid.Domain.Incidents;
using Grid.Domain.Time;
using static Grid.Domain.Tests.WorkingCalendarTests;

namespace Grid.Domain.Tests;

public class CaseClockTests
{
    private static readonly WorkingCalendar Calendar =
        WorkingCalendar.Standard(TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));

    private static TimeSpan H(double hours) => TimeSpan.FromHours(hours);

    [Theory]
    [InlineData(CaseState.Dispatched)]
    [InlineData(CaseState.InProgress)]
    public void A_running_clock_shows_the_working_time_left(CaseState state)
    {
        var reading = CaseClock.Read(Calendar, state, At("2026-03-05 09:30"), null, At("2026-03-04 17:00"));

        Assert.Equal(new ClockReading(H(2), false, false), reading);
    }

    [Fact]
    public void A_case_past_its_deadline_is_overdue_with_negative_time_left()
    {
        var reading = CaseClock.Read(Calendar, CaseState.InProgress, At("2026-03-05 09:30"), null, At("2026-03-05 10:30"));

        Assert.Equal(new ClockReading(H(-1), true, false), reading);
    }

    [Fact]
    public void Overdue_after_hours_shows_no_working_time_lost_yet()
    {
        var reading = CaseClock.Read(Calendar, CaseState.Dispatched, At("2026-03-04 18:00"), null, At("2026-03-04 20:00"));

        Assert.Equal(new ClockReading(TimeSpan.Zero, true, false), reading);
    }

    [Fact]
    public void At_the_deadline_itself_the_case_is_not_yet_overdue()
    {
        var reading = CaseClock.Read(Calendar, CaseState.Dispatched, At("2026-03-04 15:00"), null, At("2026-03-04 15:00"));

        Assert.False(reading.Overdue);
    }

    [Fact]
    public void An_extended_deadline_is_no_longer_overdue()
    {
        var now = At("2026-03-05 10:30");
        Assert.True(CaseClock.Read(Calendar, CaseState.InProgress, At("2026-03-05 09:30"), null, now).Overdue);

        var extended = CaseClock.Read(Calendar, CaseState.InProgress, At("2026-03-09 09:30"), null, now);

        Assert.Equal(new ClockReading(H(15), false, false), extended);
    }

    [Theory]
    [InlineData(CaseState.Reported)]
    [InlineData(CaseState.Registered)]
    [InlineData(CaseState.Returned)]
    [InlineData(CaseState.Resolved)]
    [InlineData(CaseState.Closed)]
    [InlineData(CaseState.Cancelled)]
    public void States_without_a_running_clock_show_nothing(CaseState state)
    {
        var reading = CaseClock.Read(Calendar, state, At("2026-03-04 09:00"), H(2), At("2026-03-05 10:00"));

        Assert.Equal(new ClockReading(null, false, false), reading);
    }

    [Fact]
    public void A_dispatched_case_without_a_deadline_shows_nothing()
    {
        Assert.Equal(new ClockReading(null, false, false), CaseClock.Read(Calendar, CaseState.Dispatched, null, null, At("2026-03-04 10:00")));
    }

    [Fact]
    public void A_held_case_shows_the_frozen_time_whatever_now_is()
    {
        foreach (var now in new[] { At("2026-03-04 10:00"), At("2026-06-01 10:00"), At("2027-01-01 00:00") })
        {
            Assert.Equal(new ClockReading(H(3), false, true), CaseClock.Read(Calendar, CaseState.OnHold, At("2026-03-01 10:00"), H(3), now));
        }
    }

    [Fact]
    public void A_case_held_when_overdue_stays_overdue_while_paused()
    {
        Assert.Equal(new ClockReading(H(-2), true, true), CaseClock.Read(Calendar, CaseState.OnHold, null, H(-2), At("2026-03-04 10:00")));
    }

    [Fact]
    public void Holding_freezes_the_working_time_left()
    {
        Assert.Equal(H(3.5), CaseClock.RemainingAtHold(Calendar, At("2026-03-05 10:00"), At("2026-03-04 16:00")));
        Assert.Equal(H(-1), CaseClock.RemainingAtHold(Calendar, At("2026-03-04 14:30"), At("2026-03-04 15:30")));
    }

    [Theory]
    [InlineData("2026-03-04 16:00")]
    [InlineData("2026-03-04 20:00")] // resumed after hours
    [InlineData("2026-03-07 11:00")] // on a Saturday
    [InlineData("2026-04-20 12:15")] // weeks later, during lunch
    [InlineData("2027-02-01 08:30")]
    public void Resuming_gives_back_exactly_the_frozen_working_time(string resumeAt)
    {
        var deadline = At("2026-03-05 10:00");
        var held = CaseClock.RemainingAtHold(Calendar, deadline, At("2026-03-04 16:00"));
        var now = At(resumeAt);

        var newDeadline = CaseClock.DeadlineOnResume(Calendar, held, now);

        Assert.Equal(new ClockReading(held, false, false), CaseClock.Read(Calendar, CaseState.InProgress, newDeadline, null, now));
    }

    [Fact]
    public void Resuming_after_hours_starts_counting_at_the_next_working_period()
    {
        Assert.Equal(At("2026-03-05 11:30"), CaseClock.DeadlineOnResume(Calendar, H(3), At("2026-03-04 20:00")));
    }

    [Fact]
    public void Resuming_a_case_held_while_overdue_keeps_it_overdue_by_the_same_amount()
    {
        var now = At("2026-05-06 10:00");

        var newDeadline = CaseClock.DeadlineOnResume(Calendar, H(-1), now);

        Assert.Equal(At("2026-05-06 09:00"), newDeadline);
        Assert.Equal(new ClockReading(H(-1), true, false), CaseClock.Read(Calendar, CaseState.InProgress, newDeadline, null, now));
    }
}
