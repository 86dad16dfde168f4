using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// Every filter of GET /api/cases, one test each: a case the filter must return and one it must
/// leave out, both visible to the viewer without the filter (so a filter that is ignored fails).
/// The viewer is a grid head serving only this test's cells, so no other test's rows interfere.
/// </summary>
public sealed class CaseListFilterTests
{
    private sealed record Setup(TestServer Server, TestWorld World, TestUser Head, TestUser Worker, TestUser Op);

    private static async Task<Setup> SetupAsync()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var head = await world.PersonAsync(Role.GridHead, world.Cells);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead, Role.Dispatcher], []);
        return new Setup(server, world, head, worker, op);
    }

    private static async Task<List<long>> IdsAsync(TestUser user, string query)
    {
        var response = await user.Client.GetAsync("/api/cases?" + (query.Contains("pageSize") ? query : "pageSize=200&" + query));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/api/cases?{query}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).ToList();
    }

    /// <summary>Without the filter both are listed; with it, only <paramref name="kept"/>.</summary>
    private static async Task AssertFiltersAsync(TestUser user, string filter, long kept, long excluded, string scopeQuery = "")
    {
        var all = await IdsAsync(user, scopeQuery);
        Assert.Contains(kept, all);
        Assert.Contains(excluded, all);
        var filtered = await IdsAsync(user, filter + (scopeQuery == "" ? "" : "&" + scopeQuery));
        Assert.True(filtered.Contains(kept), $"{filter} left out case {kept}, which it must return");
        Assert.False(filtered.Contains(excluded), $"{filter} returned case {excluded}, which it must leave out");
    }

    [Fact]
    public async Task State_filter_returns_only_cases_in_the_named_states()
    {
        var s = await SetupAsync();
        var registered = await s.World.ReportAsync(s.Worker, 0);
        await s.Op.StepOkAsync(registered.Id, "register");
        var reported = await s.World.ReportAsync(s.Worker, 1);
        await AssertFiltersAsync(s.Head, "state=registered", registered.Id, reported.Id);
        await AssertFiltersAsync(s.Head, "state=reported", reported.Id, registered.Id);
        var both = await IdsAsync(s.Head, "state=reported,registered");
        Assert.Contains(registered.Id, both);
        Assert.Contains(reported.Id, both);
    }

    [Fact]
    public async Task Category_filter_returns_only_that_category()
    {
        var s = await SetupAsync();
        var light = await s.World.ReportAsync(s.Worker, 0, TestCatalogue.LightEvent);
        var component = await s.World.ReportAsync(s.Worker, 1, TestCatalogue.Component);
        await AssertFiltersAsync(s.Head, $"category={TestCatalogue.Component}", component.Id, light.Id);
    }

    [Fact]
    public async Task Cell_filter_returns_only_that_cell()
    {
        var s = await SetupAsync();
        var first = await s.World.ReportAsync(s.Worker, 0);
        var second = await s.World.ReportAsync(s.Worker, 1);
        await AssertFiltersAsync(s.Head, $"cell={s.World.Cells[1]}", second.Id, first.Id);
    }

    [Fact]
    public async Task Source_filter_returns_only_that_source()
    {
        var s = await SetupAsync();
        var field = await s.World.ReportAsync(s.Worker, 0);
        var (lat, lon) = s.World.Inside(1);
        var call = await TestWorld.ReadAsync<CaseView>(await s.Op.Client.PostAsJsonAsync("/api/cases",
            new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Caller says", source = "hotline" }), HttpStatusCode.Created);
        await AssertFiltersAsync(s.Head, "source=hotline", call.Id, field.Id);
        await AssertFiltersAsync(s.Head, "source=field", field.Id, call.Id);
    }

    [Fact]
    public async Task Street_filter_returns_only_that_street()
    {
        var s = await SetupAsync();
        var other = await TestWorld.CreateAsync(s.Server);
        // One worker and head serving cells in both streets.
        var head = await s.World.PersonAsync(Role.GridHead, [s.World.Cells[0], other.Cells[0]]);
        var worker = await s.World.PersonAsync(Role.GridWorker, [s.World.Cells[0], other.Cells[0]]);
        var here = await s.World.ReportAsync(worker, 0);
        var there = await other.ReportAsync(worker, 0);
        await AssertFiltersAsync(head, $"street={other.Street}", there.Id, here.Id);
    }

    [Fact]
    public async Task Assignee_filter_returns_only_that_persons_cases_for_me_and_for_an_id()
    {
        var s = await SetupAsync();
        var mine = await s.World.ReportAsync(s.Worker, 0);
        var theirs = await s.World.ReportAsync(s.Worker, 1);
        foreach (var (c, to) in new[] { (mine, s.Head), (theirs, s.Worker) })
        {
            await s.Op.StepOkAsync(c.Id, "register");
            await s.Op.StepOkAsync(c.Id, "dispatch", new { assigneeId = to.Id });
        }
        await AssertFiltersAsync(s.Head, "assignee=me", mine.Id, theirs.Id);
        await AssertFiltersAsync(s.Head, $"assignee={s.Worker.Id}", theirs.Id, mine.Id);
    }

    [Fact]
    public async Task Overdue_filter_splits_open_cases_past_their_deadline_from_the_rest()
    {
        var s = await SetupAsync();
        var late = await s.World.ReportAsync(s.Worker, 0);
        var onTime = await s.World.ReportAsync(s.Worker, 1);
        var closedLate = await s.World.ReportAsync(s.Worker, 2);
        foreach (var c in new[] { late, onTime, closedLate })
        {
            await s.Op.StepOkAsync(c.Id, "register");
            await s.Op.StepOkAsync(c.Id, "dispatch", new { assigneeId = s.Worker.Id });
        }
        var inspector = await s.World.PersonAsync(Role.Inspector, s.World.Cells[2]);
        await s.Worker.StepOkAsync(closedLate.Id, "accept");
        await s.Worker.StepOkAsync(closedLate.Id, "feedback", new { note = "Done" });
        await inspector.StepOkAsync(closedLate.Id, "verify", new { note = "Fixed" });
        // Deadlines moved into the past as a data fix would: one open case, one closed case.
        await using (var conn = await s.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set deadline = now() - interval '1 hour' where id = any(@Ids)",
                new { Ids = new[] { late.Id, closedLate.Id } });
        }
        await AssertFiltersAsync(s.Head, "overdue=true", late.Id, onTime.Id);
        await AssertFiltersAsync(s.Head, "overdue=false", onTime.Id, late.Id);
        Assert.DoesNotContain(closedLate.Id, await IdsAsync(s.Head, "overdue=true"));
        Assert.Contains(closedLate.Id, await IdsAsync(s.Head, "overdue=false"));
    }

    [Fact]
    public async Task Bbox_filter_returns_only_cases_inside_the_box()
    {
        var s = await SetupAsync();
        var inside = await s.World.ReportAsync(s.Worker, 0);
        var outside = await s.World.ReportAsync(s.Worker, 5);
        var w = s.World.West(0);
        var n = s.World.North(0);
        var box = string.Join(",", new[] { w, n - TestWorld.CellDeg, w + TestWorld.CellDeg, n }.Select(IntakeHelpers.F));
        await AssertFiltersAsync(s.Head, $"bbox={box}", inside.Id, outside.Id);
    }

    [Fact]
    public async Task Text_filter_matches_case_number_description_and_address_and_nothing_else()
    {
        var s = await SetupAsync();
        var plain = await s.World.ReportAsync(s.Worker, 0);
        var marker = "zq" + Guid.NewGuid().ToString("N")[..8];
        var (lat, lon) = s.World.Inside(1);
        var described = await TestWorld.ReadAsync<CaseView>(await s.Worker.Client.PostAsJsonAsync(
            "/api/cases", new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = $"Pile {marker} at the gate" }),
            HttpStatusCode.Created);
        var addressed = await TestWorld.ReadAsync<CaseView>(await s.Worker.Client.PostAsJsonAsync(
            "/api/cases", new { lat, lon, categoryCode = TestCatalogue.Component, description = "Cover", address = $"No. 5 {marker} Road" }),
            HttpStatusCode.Created);
        await AssertFiltersAsync(s.Head, $"q={marker}", described.Id, plain.Id);
        Assert.Contains(addressed.Id, await IdsAsync(s.Head, $"q={marker}"));
        await AssertFiltersAsync(s.Head, $"q={plain.CaseNo}", plain.Id, described.Id);
        // Wildcards are text: a % matches only a literal %.
        Assert.Empty(await IdsAsync(s.Head, "q=%25"));
    }

    [Fact]
    public async Task From_and_to_filter_on_the_report_time_with_to_exclusive()
    {
        var s = await SetupAsync();
        var earlier = await s.World.ReportAsync(s.Worker, 0);
        await using (var conn = await s.Server.Db.OpenConnectionAsync())
        {
            // A whole minute apart, so the bounds do not depend on how fast the reports were filed.
            await conn.ExecuteAsync("update cases set created_at = created_at - interval '1 minute' where id = @Id", new { earlier.Id });
        }
        var later = await s.World.ReportAsync(s.Worker, 1);
        var at = Uri.EscapeDataString(later.CreatedAt.ToString("O"));
        await AssertFiltersAsync(s.Head, $"from={at}", later.Id, earlier.Id);
        await AssertFiltersAsync(s.Head, $"to={at}", earlier.Id, later.Id);
    }

    [Fact]
    public async Task Paging_returns_the_requested_slice_newest_first_with_the_total()
    {
        var s = await SetupAsync();
        var ids = new List<long>();
        for (var i = 0; i < 3; i++) ids.Add((await s.World.ReportAsync(s.Worker, i)).Id);
        var response = await s.Head.Client.GetAsync("/api/cases?pageSize=2&page=2");
        var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, page.GetProperty("total").GetInt64());
        Assert.Equal([ids[0]], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()));
        var first = await IdsAsync(s.Head, "pageSize=2&page=1");
        Assert.True(first.Count == 2 && first[0] == ids[2] && first[1] == ids[1], $"page 1: {string.Join(",", first)}");
    }
}
