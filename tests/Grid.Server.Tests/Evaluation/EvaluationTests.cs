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

        // The published-months page lists both versions and leads from each frozen number to its cases;
        // version 1's drill-down still lists only the case closed by then.
        var page = await supervisor.Client.GetStringAsync($"/figures/published?month={Month}&group=cell");
        Assert.Contains("Case closed late was missed in the count", page);
        Assert.Contains($"/figures/cases?published={Month}&amp;group=cell&amp;measure=closed&amp;key={cell}", page);
        var v1Page = await supervisor.Client.GetStringAsync($"/figures/published?month={Month}&version=1&group=cell");
        Assert.Contains($"/figures/cases?published={Month}&amp;version=1&amp;group=cell&amp;measure=closed&amp;key={cell}", v1Page);
        var v1Closed = await supervisor.Client.GetStringAsync($"/figures/cases?published={Month}&version=1&group=cell&measure=closed&key={cell}");
        var caseNos = await CaseNosAsync(server, ids);
        Assert.Contains(caseNos[ids[0]], v1Closed);
        Assert.DoesNotContain(caseNos[ids[1]], v1Closed);
        // The live figures of that month say it was published, and link to the frozen table.
        var livePage = await supervisor.Client.GetStringAsync("/figures?from=2025-03-01&to=2025-03-31&group=cell");
        Assert.Contains($"/figures/published?month={Month}&amp;group=cell", livePage);

        // Each published version exports as CSV and xlsx as it was frozen, and so do the cases behind a frozen number;
        // the pages link to the version they show.
        Assert.Contains($"/api/evaluation/{Month}/indicators.xlsx?group=cell&amp;version=2", page);
        Assert.Contains($"/api/evaluation/{Month}/indicators.csv?group=cell&amp;version=1", v1Page);
        Assert.Contains($"/api/evaluation/{Month}/cases.csv?group=cell&amp;version=1&amp;measure=closed&amp;key={cell}", v1Closed);
        async Task<List<string[]>> CsvAsync(string url)
        {
            var response = await supervisor.Client.GetAsync(url);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{url}: {(int)response.StatusCode} {text}");
            Assert.StartsWith("text/csv", response.Content.Headers.ContentType!.ToString());
            return text.TrimStart('\uFEFF').Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r').Split(',')).ToList();
        }
        string ClosedOf(List<string[]> csv, string key) => csv.Single(r => r[1] == key)[Array.IndexOf(csv[0], "closed")];
        Assert.Equal("1", ClosedOf(await CsvAsync($"/api/evaluation/{Month}/indicators.csv?group=cell&version=1"), cell));
        Assert.Equal("2", ClosedOf(await CsvAsync($"/api/evaluation/{Month}/indicators.csv?group=cell"), cell));
        Assert.Equal([ids[0].ToString()], (await CsvAsync($"/api/evaluation/{Month}/cases.csv?group=cell&version=1&measure=closed&key={cell}")).Skip(1).Select(r => r[0]));
        Assert.Equal(ids.Order().Select(i => i.ToString()),
            (await CsvAsync($"/api/evaluation/{Month}/cases.csv?group=cell&measure=due&key={cell}")).Skip(1).Select(r => r[0]).Order());
        var xlsx = await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators.xlsx?group=cell&version=1");
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        var sheet = MiniExcelLibs.MiniExcel.Query(new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync()), useHeaderRow: true,
            excelType: MiniExcelLibs.ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(1.0, Convert.ToDouble(sheet.Single(r => (string?)r["key"] == cell)["closed"]));
        Assert.Equal(HttpStatusCode.BadRequest, (await supervisor.Client.GetAsync($"/api/evaluation/{Month}/cases.xlsx?group=cell")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await supervisor.Client.GetAsync($"/api/evaluation/{Month}/indicators.csv?group=cell&version=9")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync($"/api/evaluation/{Month}/cases.csv?group=cell&measure=due")).StatusCode);

        // A month not over yet is not published; a bad month is named.
        var thisMonth = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM");
        Assert.Equal(HttpStatusCode.Conflict, (await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{thisMonth}/publish", new { })).StatusCode);
        var bad = await supervisor.Client.GetAsync("/api/evaluation/2025-13/indicators");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("2025-13", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync($"/api/evaluation/{Month}/indicators")).StatusCode);
    }

    private static async Task<Dictionary<long, string>> CaseNosAsync(TestServer server, IEnumerable<long> ids)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<(long Id, string CaseNo)>("select id, case_no from cases where id = any(@Ids)", new { Ids = ids.ToArray() }))
            .ToDictionary(r => r.Id, r => r.CaseNo);
    }

    // 回访率 and 满意率 of a published month: who was asked, who answered, who was satisfied, and who
    // gave no answer are frozen with the month, whatever later answers or reopenings say.
    [Fact]
    public async Task A_published_months_follow_up_figures_do_not_change_when_an_old_case_or_its_follow_up_changes()
    {
        const string may = "2025-05";
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("evalfollow"), settings: EscalationCluster.Settings);
        var world = await TestWorld.CreateAsync(server);
        var cell = world.Cells[0];
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var day = new DateTimeOffset(2025, 5, 6, 2, 0, 0, TimeSpan.Zero);
        // source, reporter phone, answer (satisfaction) or none: A satisfied, B not satisfied, C never answered, D a staff report.
        var fixture = new (string Name, string Source, string? Phone, string? Answer)[]
        {
            ("A", "hotline", "13800000011", "satisfied"), ("B", "open311", "13800000012", "unsatisfied"),
            ("C", "hotline", "13800000013", null), ("D", "field", null, null),
        };
        var id = new Dictionary<string, long>();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var (name, source, phone, answer) in fixture)
            {
                var (lat, lon) = world.Inside(0);
                id[name] = await conn.ExecuteScalarAsync<long>("""
                    insert into cases (case_no, location, category_code, source, description, reporter_phone, state, cell_code, assigned_unit_id,
                                       created_at, registered_at, dispatched_at, closed_at, deadline, updated_at)
                    values (@CaseNo, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), 'E9901', @Source, 'fixture', @Phone, 'closed', @Cell, @Unit,
                            @Day, @Day, @Day, @Day + interval '2 days', @Day + interval '5 days', @Day)
                    returning id
                    """, new { CaseNo = $"F{Guid.NewGuid():N}"[..20], Lon = lon, Lat = lat, Source = source, Phone = phone, Cell = cell,
                        Unit = TestCatalogue.Unit, Day = day });
                if (answer is not null)
                    await conn.ExecuteAsync("""
                        insert into followups (case_id, closed_at, channel, solved, satisfaction, answered_at)
                        values (@Id, @Day + interval '2 days', 'phone', true, @Answer, @Day + interval '4 days')
                        """, new { Id = id[name], Day = day, Answer = answer });
            }
        }
        Assert.Equal(HttpStatusCode.OK, (await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{may}/publish", new { })).StatusCode);

        async Task<IndicatorRow> FrozenAsync() =>
            Assert.Single((await TestWorld.ReadAsync<PublishedIndicators>(await supervisor.Client.GetAsync($"/api/evaluation/{may}/indicators?group=cell"))).Table.Rows,
                r => r.Key == cell);
        async Task<long[]> FrozenCasesAsync(string measure) =>
            (await TestWorld.ReadAsync<FigureCasePage>(await supervisor.Client.GetAsync($"/api/evaluation/{may}/cases?group=cell&key={cell}&measure={measure}")))
                .Items.Select(c => c.Id).Order().ToArray();
        async Task<IndicatorRow> LiveAsync() =>
            Assert.Single((await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync("/api/stats/indicators?from=2025-05-01&to=2025-05-31&group=cell"))).Rows,
                r => r.Key == cell);

        // Hand count: A, B, C to follow up (D has no citizen reporter); A and B answered; A satisfied; C no answer.
        var before = await FrozenAsync();
        Assert.Equal((3L, 2L, 1L, 1L), (before.FollowUpDue, before.FollowedUp, before.Satisfied, before.NoAnswer));
        var liveBefore = await LiveAsync();
        Assert.Equal((3L, 2L, 1L, 1L), (liveBefore.FollowUpDue, liveBefore.FollowedUp, liveBefore.Satisfied, liveBefore.NoAnswer));

        // Later: C's reporter finally answers (satisfied), B is asked again and now satisfied, and D
        // turns out to have a citizen reporter after all.
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                insert into followups (case_id, closed_at, channel, solved, satisfaction, answered_at)
                values (@C, @Closed, 'phone', true, 'satisfied', now()), (@B, @Closed + interval '1 second', 'phone', true, 'satisfied', now());
                update cases set closed_at = closed_at + interval '1 second' where id = @B;
                update cases set source = 'hotline', reporter_phone = '13800000014' where id = @D;
                """, new { C = id["C"], B = id["B"], D = id["D"], Closed = day.AddDays(2) });
        }
        var live = await LiveAsync();
        Assert.Equal((4L, 3L, 3L, 1L), (live.FollowUpDue, live.FollowedUp, live.Satisfied, live.NoAnswer));

        var after = await FrozenAsync();
        Assert.Equal((3L, 2L, 1L, 1L), (after.FollowUpDue, after.FollowedUp, after.Satisfied, after.NoAnswer));
        Assert.Equal([id["A"]], await FrozenCasesAsync(Measures.Satisfied));
        Assert.Equal(new[] { id["A"], id["B"] }.Order(), await FrozenCasesAsync(Measures.FollowedUp));
        Assert.Equal(new[] { id["A"], id["B"], id["C"] }.Order(), await FrozenCasesAsync(Measures.FollowUpDue));
        Assert.Equal([id["C"]], await FrozenCasesAsync(Measures.NoAnswer));

        // The page shows 回访率 and 满意率 as numerator / denominator, each leading to its frozen cases.
        var page = await supervisor.Client.GetStringAsync($"/figures/published?month={may}&group=cell");
        foreach (var measure in new[] { Measures.FollowUpDue, Measures.FollowedUp, Measures.Satisfied, Measures.NoAnswer })
            Assert.Contains($"/figures/cases?published={may}&amp;group=cell&amp;measure={measure}&amp;key={cell}", page);
        var satisfied = await supervisor.Client.GetStringAsync($"/figures/cases?published={may}&group=cell&measure=satisfied&key={cell}");
        var caseNos = await CaseNosAsync(server, id.Values);
        Assert.Contains(caseNos[id["A"]], satisfied);
        Assert.DoesNotContain(caseNos[id["B"]], satisfied);
        Assert.DoesNotContain(caseNos[id["C"]], satisfied);
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
