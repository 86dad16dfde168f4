using System.Text.Json;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Domain.Time;
using Grid.Server.Catalogue;
using Grid.Server.Escalation;
using Grid.Server.Evaluation;
using Grid.Server.Incidents;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages;
using Grid.Web.Pages.Command;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// A server on a database of its own whose working calendar (08:30-12:00 and 13:30-18:00, weekends off) has today
/// and the next two days as holidays, so a deadline counted from now must skip them (and any weekend after them).
/// </summary>
public sealed class HolidayServer : IAsyncLifetime
{
    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public TestServer Server { get; private set; } = null!;
    /// <summary>The first working day after the holidays (the day the test began, in Shanghai, and the two after it).</summary>
    public DateOnly FirstWorkingDay { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(TestServer.DatabaseName("rework"));
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).DateTime);
        var day = today.AddDays(3);
        while (day.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday) day = day.AddDays(1);
        FirstWorkingDay = day;
        await using (var conn = await Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                delete from calendar_days;
                delete from calendar_year_periods;
                delete from working_periods;
                insert into working_periods (starts_at, ends_at) values ('08:30', '12:00'), ('13:30', '18:00');
                update calendar_settings set rest_weekdays = '{0,6}', time_zone = 'Asia/Shanghai';
                insert into calendar_days (day, kind) select d::date, 'holiday' from generate_series(@Today::date, @Today::date + 2, '1 day') d;
                """, new { Today = today.ToDateTime(TimeOnly.MinValue) });
        }
        Server.App.Services.GetRequiredService<CatalogueRepository>().InvalidateCalendar();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A local time (Asia/Shanghai) on a day.</summary>
    public static DateTimeOffset Local(DateOnly day, int hour, int minute) => new(day.ToDateTime(new TimeOnly(hour, minute)), TimeSpan.FromHours(8));
}

/// <summary>
/// 返工 starts a new handling deadline: the category's limit (the urgent one for urgent cases) counted from the
/// rework on the city's working calendar, as at dispatch; the supervision ladder starts again for it, each rung once.
/// </summary>
public sealed class ReworkDeadlineTests(HolidayServer fixture) : IClassFixture<HolidayServer>
{
    private static readonly string[] Ladder = ["warning", "assignee", "grid_head", "street_leader", "district"];
    // The first limit, long passed: dispatched Monday 2 November 2026 09:00, due a working day later.
    private static readonly DateTimeOffset FirstDispatch = new(2026, 11, 2, 9, 0, 0, TimeSpan.FromHours(8));
    private static readonly DateTimeOffset FirstDeadline = new(2026, 11, 3, 9, 0, 0, TimeSpan.FromHours(8));

    private sealed record Team(TestWorld World, TestUser Worker, TestUser Inspector, TestUser Op, TestUser Supervisor);

    private async Task<Team> TeamAsync()
    {
        var world = await TestWorld.CreateAsync(fixture.Server);
        return new Team(world, await world.PersonAsync(Role.GridWorker, world.Cells[0]), await world.PersonAsync(Role.Inspector, world.Cells[0]),
            await world.PersonAsync([Role.Operator, Role.Dispatcher, Role.ShiftLead], []), await world.PersonAsync([Role.Supervisor], []));
    }

    /// <summary>A case dispatched and accepted, its first deadline long past (moved in SQL as a data fix would).</summary>
    private static async Task<long> OverdueAsync(Team t, string category = TestCatalogue.LightEvent, string priority = "normal")
    {
        var c = await t.World.ReportAsync(t.Worker, 0, category, priority);
        await t.Op.StepOkAsync(c.Id, "register");
        await t.Op.StepOkAsync(c.Id, "dispatch");
        await t.Worker.StepOkAsync(c.Id, "accept");
        await using (var conn = await t.World.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set dispatched_at = @At, deadline = @Deadline where id = @Id",
                new { Id = c.Id, At = FirstDispatch.ToUniversalTime(), Deadline = FirstDeadline.ToUniversalTime() });
        }
        var overdue = await t.Op.GetCaseAsync(c.Id);
        Assert.True(overdue.Clock.Overdue, "The case should be overdue on its first deadline before the rework.");
        return c.Id;
    }

    /// <summary>An overdue case fixed and reported back: the inspector's turn.</summary>
    private static async Task<long> FixedLateAsync(Team t, string category = TestCatalogue.LightEvent, string priority = "normal")
    {
        var id = await OverdueAsync(t, category, priority);
        await t.Worker.StepOkAsync(id, "feedback", new { note = "Swept" });
        return id;
    }

    private async Task<List<EscalationCluster.Rung>> RungsAsync(long id) => await EscalationCluster.RungsAsync(fixture.Server, id);

    private async Task<ClaimOutcome> ClaimAsync(DateTimeOffset now) =>
        await fixture.Server.App.Services.GetRequiredService<RungClaims>().ClaimDueAsync(now, 100);

    [Fact]
    public async Task A_case_reworked_after_its_limit_passed_gets_a_working_day_from_the_rework_past_the_holidays_and_is_not_overdue()
    {
        var t = await TeamAsync();
        var id = await FixedLateAsync(t);

        var reworked = await t.Inspector.StepOkAsync(id, "rework", new { reason = "Still dirty" });

        // Reworked on a holiday: the working day (8 h) runs from 08:30 to 18:00 of the first working day after them.
        var deadline = HolidayServer.Local(fixture.FirstWorkingDay, 18, 0);
        Assert.Equal("in_progress", reworked.State);
        Assert.Equal(deadline, reworked.Deadline);
        Assert.False(reworked.Clock.Overdue);
        Assert.Equal(8 * 3600.0, reworked.Clock.RemainingSeconds);
        // The same function as at dispatch, on the city's calendar, from the moment of the rework.
        var step = reworked.History!.Last();
        Assert.Equal("rework", step.Action);
        var calendar = await fixture.Server.App.Services.GetRequiredService<CatalogueRepository>().CalendarAsync();
        Assert.Equal(calendar.Deadline(step.At, new TimeLimit(1, LimitUnit.WorkingDays)), reworked.Deadline);
        // Its history row names the new deadline beside the one it replaces, as an extension's does.
        Assert.Equal(deadline, step.Details.GetProperty("deadline").GetDateTimeOffset());
        Assert.Equal(FirstDeadline, step.Details.GetProperty("previousDeadline").GetDateTimeOffset());
        Assert.Equal("Still dirty", step.Reason);
        Assert.Equal(t.Inspector.Id, step.ActorId);

        // The command center's drawer reads the same deadline and remaining working time.
        await using var desk = await DeskScope.ForAsync(fixture.Server, t.Op);
        var (detail, error) = await desk.Get<ICommandSource>().FindAsync(id);
        Assert.Null(error);
        Assert.Equal((deadline, 8 * 3600.0, false), (detail!.Deadline, detail.RemainingSeconds, detail.Overdue));
        Assert.Equal(("rework", deadline), (detail.History[^1].Action, detail.History[^1].Deadline));
        // And the case no longer counts as overdue in the list.
        var overdue = await TestWorld.ReadAsync<CasePage>(await t.Op.Client.GetAsync($"/api/cases?cell={t.World.Cells[0]}&overdue=true"));
        Assert.DoesNotContain(overdue.Items, c => c.Id == id);
    }

    [Fact]
    public async Task An_urgent_case_reworked_gets_the_urgent_limit_from_the_rework()
    {
        var t = await TeamAsync();
        var id = await FixedLateAsync(t, TestCatalogue.LightEvent, "urgent");
        var reworked = await t.Inspector.StepOkAsync(id, "rework", new { reason = "Still dirty" });
        // The urgent limit of the category is 2 working hours: 08:30 to 10:30 of the first working day after the holidays.
        Assert.Equal(HolidayServer.Local(fixture.FirstWorkingDay, 10, 30), reworked.Deadline);
        Assert.Equal(2 * 3600.0, reworked.Clock.RemainingSeconds);
    }

    [Fact]
    public async Task The_ladder_of_the_new_deadline_fires_each_rung_once_after_the_old_deadlines_ladder()
    {
        var t = await TeamAsync();
        var id = await OverdueAsync(t);
        // The old deadline's whole ladder fell due long ago: it fires (by this claim, or by the claim job first).
        await EscalationCluster.PollAsync(async () => { await ClaimAsync(DateTimeOffset.UtcNow); return await RungsAsync(id); },
            r => r.Count >= 5, TimeSpan.FromSeconds(20));
        Assert.Equal(Ladder, (await RungsAsync(id)).Select(r => r.Level));
        await t.Worker.StepOkAsync(id, "feedback", new { note = "Swept" });

        var reworked = await t.Inspector.StepOkAsync(id, "rework", new { reason = "Still dirty" });
        var deadline = reworked.Deadline!.Value;

        // Written by the rework itself: the new deadline's warning, 20 % of the 8-hour limit (1 h 36 min) before it.
        Assert.Equal(HolidayServer.Local(fixture.FirstWorkingDay, 16, 24), await EscalationCluster.NextRungAsync(fixture.Server, id));
        // Nothing of the new ladder is due now.
        await ClaimAsync(DateTimeOffset.UtcNow);
        Assert.Equal(5, (await RungsAsync(id)).Count);

        // Long after the new deadline every rung of it fires, once, in order, on the working calendar.
        var later = deadline.AddDays(30);
        await ClaimAsync(later);
        var rungs = await RungsAsync(id);
        var fresh = rungs.Where(r => r.Deadline == deadline).ToList();
        Assert.Equal(Ladder, fresh.Select(r => r.Level));
        Assert.Equal(HolidayServer.Local(fixture.FirstWorkingDay, 16, 24), fresh[0].DueAt);
        Assert.Equal(deadline, fresh[1].DueAt);
        Assert.Equal(Ladder, rungs.Where(r => r.Deadline == FirstDeadline).Select(r => r.Level));

        // A rung is still once per deadline: claimed again, nothing of either ladder repeats.
        Assert.Null(await EscalationCluster.NextRungAsync(fixture.Server, id));
        await using (var conn = await fixture.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set next_rung_at = now() where id = @Id", new { Id = id });
        }
        await ClaimAsync(later.AddDays(1));
        Assert.Equal(10, (await RungsAsync(id)).Count);
        Assert.Equal(10, (await t.Op.GetCaseAsync(id)).History!.Count(h => h.Action == "escalate"));
    }

    /// <summary>
    /// 按期结案 counts a case closed within the deadline in force when it was closed: a case reworked after its first
    /// limit and closed within the rework's limit is on time; one closed after the rework's deadline is late. The
    /// live number and its list of cases agree.
    /// </summary>
    [Fact]
    public async Task A_reworked_case_closed_within_the_reworks_deadline_is_closed_on_time_and_listed_so()
    {
        var t = await TeamAsync();
        var onTime = await FixedLateAsync(t);
        await t.Inspector.StepOkAsync(onTime, "rework", new { reason = "Still dirty" });
        await t.Worker.StepOkAsync(onTime, "feedback", new { note = "Swept again" });
        await t.Inspector.StepOkAsync(onTime, "verify", new { note = "Clean now" });

        var late = await FixedLateAsync(t);
        await t.Inspector.StepOkAsync(late, "rework", new { reason = "Still dirty" });
        await t.Worker.StepOkAsync(late, "feedback", new { note = "Swept again" });
        // The rework's deadline passed too before the inspector came back (moved in SQL, as time would).
        await using (var conn = await fixture.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set deadline = now() - interval '1 hour' where id = @Id", new { Id = late });
        }
        await t.Inspector.StepOkAsync(late, "verify", new { note = "Clean at last" });

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var period = $"from={today.AddDays(-2):yyyy-MM-dd}&to={today.AddDays(2):yyyy-MM-dd}&group=cell";
        var cell = t.World.Cells[0];
        var table = await TestWorld.ReadAsync<IndicatorTable>(await t.Supervisor.Client.GetAsync($"/api/stats/indicators?{period}"));
        var row = Assert.Single(table.Rows, r => r.Key == cell);
        Assert.Equal((2L, 2L, 1L, 2L, 2L, 0L), (row.Due, row.Closed, row.ClosedOnTime, row.Reworks, row.Reworked, row.Overdue));
        async Task<long[]> ListAsync(string measure) => (await TestWorld.ReadAsync<FigureCasePage>(await t.Supervisor.Client.GetAsync(
            $"/api/stats/cases?{period}&key={cell}&measure={measure}"))).Items.Select(c => c.Id).Order().ToArray();
        Assert.Equal([onTime], await ListAsync("closed_on_time"));
        Assert.Equal(new[] { onTime, late }.Order(), await ListAsync("closed"));
        Assert.Equal(new[] { onTime, late }.Order(), await ListAsync("reworked"));
    }

    /// <summary>
    /// Published months stay frozen: a case of a published month reworked (and then closed within the rework's deadline)
    /// moves the live figures of its month, while the published month and the cases behind its numbers stay as published.
    /// </summary>
    [Fact]
    public async Task A_rework_after_its_month_was_published_moves_the_live_figures_not_the_published_ones()
    {
        const string month = "2025-05";
        var t = await TeamAsync();
        var cell = t.World.Cells[0];
        var id = await FixedLateAsync(t);
        // Reported on Monday 12 May 2025, due a day later, fixed but not yet checked when May was published.
        var reported = new DateTimeOffset(2025, 5, 12, 9, 0, 0, TimeSpan.FromHours(8)).ToUniversalTime();
        await using (var conn = await fixture.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                update cases set created_at = @T, registered_at = @T + interval '1 hour', dispatched_at = @T + interval '2 hours',
                       accepted_at = @T + interval '3 hours', deadline = @T + interval '1 day', resolved_at = @T + interval '2 days'
                where id = @Id
                """, new { T = reported, Id = id });
        }
        await TestWorld.ReadAsync<Publication>(await t.Supervisor.Client.PostAsJsonAsync($"/api/evaluation/{month}/publish", new { }));
        async Task<IndicatorRow> FrozenAsync() => Assert.Single((await TestWorld.ReadAsync<PublishedIndicators>(
            await t.Supervisor.Client.GetAsync($"/api/evaluation/{month}/indicators?group=cell"))).Table.Rows, r => r.Key == cell);
        async Task<IndicatorRow?> LiveAsync() => (await TestWorld.ReadAsync<IndicatorTable>(
            await t.Supervisor.Client.GetAsync("/api/stats/indicators?from=2025-05-01&to=2025-05-31&group=cell"))).Rows.SingleOrDefault(r => r.Key == cell);
        var published = await FrozenAsync();
        Assert.Equal((1L, 0L, 0L, 0L), (published.Due, published.Closed, published.ClosedOnTime, published.Reworks));

        // Sent back: the live month no longer counts it due (its new deadline lies ahead), the published one still does.
        await t.Inspector.StepOkAsync(id, "rework", new { reason = "Still dirty" });
        Assert.Equal(0L, (await LiveAsync())?.Due ?? 0L);
        Assert.Equal((1L, 0L), ((await FrozenAsync()).Due, (await FrozenAsync()).Reworks));

        // Closed within the rework's deadline: on time in the live figures and in the list behind them; the month as published.
        await t.Worker.StepOkAsync(id, "feedback", new { note = "Swept again" });
        await t.Inspector.StepOkAsync(id, "verify", new { note = "Clean now" });
        var live = (await LiveAsync())!;
        Assert.Equal((1L, 1L, 1L, 1L), (live.Due, live.Closed, live.ClosedOnTime, live.Reworks));
        var liveOnTime = await TestWorld.ReadAsync<FigureCasePage>(await t.Supervisor.Client.GetAsync(
            $"/api/stats/cases?from=2025-05-01&to=2025-05-31&group=cell&key={cell}&measure=closed_on_time"));
        Assert.Equal([id], liveOnTime.Items.Select(c => c.Id));
        var frozen = await FrozenAsync();
        Assert.Equal((published.Due, published.Closed, published.ClosedOnTime, published.Reworks, published.Overdue),
            (frozen.Due, frozen.Closed, frozen.ClosedOnTime, frozen.Reworks, frozen.Overdue));
        async Task<long[]> FrozenCasesAsync(string measure) => (await TestWorld.ReadAsync<FigureCasePage>(await t.Supervisor.Client.GetAsync(
            $"/api/evaluation/{month}/cases?group=cell&key={cell}&measure={measure}"))).Items.Select(c => c.Id).ToArray();
        Assert.Equal([id], await FrozenCasesAsync("due"));
        Assert.Empty(await FrozenCasesAsync("closed_on_time"));
    }
}
