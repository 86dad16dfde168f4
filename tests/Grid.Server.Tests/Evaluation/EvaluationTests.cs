using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Evaluation;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Evaluation;

/// <summary>
/// Published months (综合评价) are frozen: a change to an old case moves the live figures of its month,
/// not the published ones, nor the cases behind a published number; a re-publication needs a reason
/// and is audited. A database of its own: publications are per month for the whole city.
/// </summary>
public sealed class EvaluationTests
{
    private const string Month = "2025-03";
    private static readonly DateTimeOffset InMonth = new(2025, 3, 10, 9, 0, 0, TimeSpan.FromHours(8));

    private static IndicatorRow Row(PublishedIndicators p, string cell) => Assert.Single(p.Table.Rows, r => r.Key == cell);

    [Fact]
    public async Task A_published_month_does_not_change_when_an_old_case_changes_and_a_republication_needs_a_reason()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("evaluation"), settings: EscalationCluster.Settings);
        var world = await TestWorld.CreateAsync(server);
        var cell = world.Cells[0];
        var worker = await world.PersonAsync(Role.GridWorker, cell);
        var inspector = await world.PersonAsync(Role.Inspector, cell);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var c = await world.ReportAsync(worker, 0);
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
            ids.Add(c.Id);
        }
        await worker.StepOkAsync(ids[0], "accept");
        await worker.StepOkAsync(ids[0], "feedback", new { note = "Cleared" });
        await inspector.StepOkAsync(ids[0], "verify", new { note = "Checked" });
        // Reported in March 2025, due a day later; the first closed on time.
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                update cases set created_at = @T, registered_at = @T + interval '1 hour', dispatched_at = @T + interval '2 hours',
                       deadline = @T + interval '1 day', closed_at = case when closed_at is not null then @T + interval '10 hours' end
                where id = any(@Ids)
                """, new { T = InMonth.ToUniversalTime(), Ids = ids.ToArray() });
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/evaluation/{Month}/publish", new { })).StatusCode);
        var v1 = await TestWorld.ReadAsync<Publication>(await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{Month}/publish", new { }));
        Assert.Equal((1, true, (string?)null), (v1.Version, v1.IsCurrent, v1.Reason));

        var frozen = await TestWorld.ReadAsync<PublishedIndicators>(await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators?group=cell"));
        Assert.Equal((3L, 3L, 3L, 1L, 1L), (Row(frozen, cell).Reports, Row(frozen, cell).Dispatched, Row(frozen, cell).Due, Row(frozen, cell).Closed,
            Row(frozen, cell).ClosedOnTime));

        // An old case changes: closed now, long after its month.
        await worker.StepOkAsync(ids[1], "accept");
        await worker.StepOkAsync(ids[1], "feedback", new { note = "Cleared late" });
        await inspector.StepOkAsync(ids[1], "verify", new { note = "Checked" });

        var live = await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync("/api/stats/indicators?from=2025-03-01&to=2025-03-31&group=cell"));
        Assert.Equal(2, Assert.Single(live.Rows, r => r.Key == cell).Closed);
        frozen = await TestWorld.ReadAsync<PublishedIndicators>(await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators?group=cell"));
        Assert.Equal(1, Row(frozen, cell).Closed);
        var closedCases = await TestWorld.ReadAsync<FigureCasePage>(
            await supervisor.Client.GetAsync($"/api/evaluation/{Month}/cases?group=cell&measure=closed&key={cell}"));
        Assert.Equal([ids[0]], closedCases.Items.Select(c => c.Id));
        var dueCases = await TestWorld.ReadAsync<FigureCasePage>(
            await supervisor.Client.GetAsync($"/api/evaluation/{Month}/cases?group=cell&measure=due&key={cell}"));
        Assert.Equal(ids.Order(), dueCases.Items.Select(c => c.Id).Order());

        // Publishing it again needs a reason; with one it is a new, audited version.
        var noReason = await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{Month}/publish", new { reason = " " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("reason", await noReason.Content.ReadAsStringAsync());
        var v2 = await TestWorld.ReadAsync<Publication>(
            await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{Month}/publish", new { reason = "Case closed late was missed in the count" }));
        Assert.Equal((2, "Case closed late was missed in the count"), (v2.Version, v2.Reason));
        frozen = await TestWorld.ReadAsync<PublishedIndicators>(await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators?group=cell"));
        Assert.Equal((2, 2L), (frozen.Publication.Version, Row(frozen, cell).Closed));
        var first = await TestWorld.ReadAsync<PublishedIndicators>(await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators?group=cell&version=1"));
        Assert.Equal((1, false, 1L), (first.Publication.Version, first.Publication.IsCurrent, Row(first, cell).Closed));
        var months = await TestWorld.ReadAsync<List<Publication>>(await supervisor.Client.GetAsync("/api/evaluation/months"));
        Assert.Equal([2, 1], months.Where(p => p.Month == new DateOnly(2025, 3, 1)).Select(p => p.Version));

        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            var audit = await conn.QuerySingleAsync<(string Details, Guid Actor)>(
                "select details::text, actor_id from audit_log where action = 'evaluation_republished' and subject = @S", new { S = $"evaluation:{Month}" });
            Assert.Equal(supervisor.Id, audit.Actor);
            Assert.Contains("Case closed late was missed in the count", audit.Details);
        }

        // The published-months page lists both versions and leads from each frozen number to its cases.
        var page = await supervisor.Client.GetStringAsync($"/figures/published?month={Month}&group=cell");
        Assert.Contains("Case closed late was missed in the count", page);
        Assert.Contains($"/api/evaluation/{Month}/cases?group=cell&amp;measure=closed&amp;key={cell}", page);

        // A month not over yet is not published; a bad month is named.
        var thisMonth = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM");
        Assert.Equal(HttpStatusCode.Conflict, (await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{thisMonth}/publish", new { })).StatusCode);
        var bad = await supervisor.Client.GetAsync("/api/evaluation/2025-13/indicators");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("2025-13", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync($"/api/evaluation/{Month}/indicators")).StatusCode);
    }

    [Fact]
    public async Task The_monthly_job_publishes_the_previous_month_once()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("evaljob"), settings: EscalationCluster.Settings);
        // Run by hand, twice, as a retried or doubled delivery would.
        for (var i = 0; i < 2; i++)
        {
            using var scope = server.App.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<MonthlyEvaluationJob>().RunAsync();
        }
        // The test database has the standard calendar (Monday to Friday): the previous month is
        // published once a working day of this month has come.
        var zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, zone).DateTime);
        var first = new DateOnly(today.Year, today.Month, 1);
        var workedYet = Enumerable.Range(0, today.Day).Select(d => first.AddDays(d)).Any(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday));
        await using var conn = await server.Db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(DateOnly Month, int Version, Guid? By)>(
            "select month, version, published_by from evaluation_publications")).ToList();
        if (!workedYet)
        {
            Assert.Empty(rows);
            return;
        }
        var row = Assert.Single(rows);
        Assert.Equal((first.AddMonths(-1), 1, (Guid?)null), (row.Month, row.Version, row.By));
    }
}
