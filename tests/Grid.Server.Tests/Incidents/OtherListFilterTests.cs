using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// The filters of the other list routes (duplicates, inbox, escalation figures, cells, Open311,
/// nearby), one test per filter: what the filter must return is listed, what it must leave out is
/// not, and both are listed without the filter.
/// </summary>
public sealed class OtherListFilterTests
{
    private static async Task<JsonElement> GetAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Without the filter both are listed; with it the kept one is and the excluded one is not (case ids, or people's).</summary>
    private static void AssertSplit<T>(IEnumerable<T> unfiltered, IEnumerable<T> filtered, T kept, T excluded, string filter)
    {
        var all = unfiltered.ToList();
        var some = filtered.ToList();
        Assert.True(all.Contains(kept) && all.Contains(excluded), $"without {filter} both {kept} and {excluded} must be listed: [{string.Join(",", all)}]");
        Assert.True(some.Contains(kept), $"{filter} left out {kept}, which it must return");
        Assert.False(some.Contains(excluded), $"{filter} returned {excluded}, which it must leave out");
    }

    [Fact]
    public async Task Duplicates_filter_by_status_and_by_case()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var a1 = await world.ReportAsync(worker, 0);
        var a2 = await world.ReportAsync(worker, 0);
        var b1 = await world.ReportAsync(worker, 3);
        var b2 = await world.ReportAsync(worker, 3);
        long FlagOf(JsonElement flags, long caseId) =>
            flags.EnumerateArray().Single(f => f.GetProperty("report").GetProperty("id").GetInt64() == caseId).GetProperty("id").GetInt64();
        var flagA = FlagOf(await GetAsync(op.Client, $"/api/duplicates?caseId={a2.Id}"), a2.Id);
        var flagB = FlagOf(await GetAsync(op.Client, $"/api/duplicates?caseId={b2.Id}"), b2.Id);
        var kept = await op.Client.PostAsJsonAsync($"/api/duplicates/{flagB}/keep-apart", new { reason = "Different bins" });
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);

        static IEnumerable<long> Ids(JsonElement flags) => flags.EnumerateArray().Select(f => f.GetProperty("id").GetInt64());
        // The operator is limited to this test's street, so the lists hold only this test's flags.
        var all = Ids(await GetAsync(op.Client, "/api/duplicates"));
        AssertSplit(all, Ids(await GetAsync(op.Client, "/api/duplicates?status=open")), flagA, flagB, "status=open");
        AssertSplit(all, Ids(await GetAsync(op.Client, "/api/duplicates?status=kept_apart")), flagB, flagA, "status=kept_apart");
        AssertSplit(all, Ids(await GetAsync(op.Client, $"/api/duplicates?caseId={b1.Id}")), flagB, flagA, "caseId (as the candidate)");
        _ = a1;
    }

    [Fact]
    public async Task Inbox_unread_filter_leaves_out_what_was_read()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await op.Client.PostAsJsonAsync($"/api/cases/{c.Id}/supervise", new { note = $"Order {i}" })).StatusCode);
        }
        static IEnumerable<long> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64());
        var all = Ids(await GetAsync(worker.Client, "/api/inbox")).ToList();
        Assert.Equal(2, all.Count);
        Assert.Equal(HttpStatusCode.NoContent, (await worker.Client.PostAsync($"/api/inbox/{all[1]}/read", null)).StatusCode);
        AssertSplit(all, Ids(await GetAsync(worker.Client, "/api/inbox?unread=true")), all[0], all[1], "unread=true");
    }

    [Fact]
    public async Task Escalation_figures_filter_by_level()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        Assert.Equal(HttpStatusCode.Created, (await supervisor.Client.PostAsJsonAsync($"/api/cases/{c.Id}/supervise", new { note = "Now" })).StatusCode);
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            // A warning rung as the ladder would have stored it.
            await conn.ExecuteAsync("""
                insert into escalations (case_id, level, deadline, due_at, at, cell_code)
                select id, 'warning', deadline, now(), now(), cell_code from cases where id = @Id
                """, new { c.Id });
        }
        static IEnumerable<long> Ids(JsonElement f) => f.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("id").GetInt64());
        var all = (await GetAsync(supervisor.Client, "/api/stats/escalations")).GetProperty("rows").EnumerateArray().ToList();
        var warning = all.Single(r => r.GetProperty("level").GetString() == "warning").GetProperty("id").GetInt64();
        var supervise = all.Single(r => r.GetProperty("level").GetString() == "supervise").GetProperty("id").GetInt64();
        AssertSplit(all.Select(r => r.GetProperty("id").GetInt64()), Ids(await GetAsync(supervisor.Client, "/api/stats/escalations?level=warning")),
            warning, supervise, "level=warning");
    }

    [Fact]
    public async Task Cells_filter_by_street_and_by_bbox()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var op = await here.PersonAsync([Role.Operator], []);
        static List<string> Codes(JsonElement fc) => fc.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("id").GetString()!).ToList();
        var boxHere = string.Join(",", new[] { here.West(0), here.North(5) - 0.001, here.West(2) + 0.001, here.North(0) }.Select(IntakeHelpers.F));
        Assert.Contains(here.Cells[0], Codes(await GetAsync(op.Client, $"/api/cells?bbox={boxHere}")));
        Assert.Contains(here.Cells[0], Codes(await GetAsync(op.Client, $"/api/cells?bbox={boxHere}&street={here.Street}")));
        Assert.DoesNotContain(here.Cells[0], Codes(await GetAsync(op.Client, $"/api/cells?bbox={boxHere}&street={there.Street}")));
        var theirs = Codes(await GetAsync(op.Client, $"/api/cells?street={there.Street}"));
        Assert.Equal(there.Cells.Order(), theirs.Order());

        var w = here.West(0);
        var n = here.North(0);
        var tight = string.Join(",", new[] { w + 0.0002, n - 0.0008, w + 0.0008, n - 0.0002 }.Select(IntakeHelpers.F));
        var inBox = Codes(await GetAsync(op.Client, $"/api/cells?bbox={tight}"));
        Assert.Contains(here.Cells[0], inBox);
        Assert.DoesNotContain(here.Cells[5], inBox);
        Assert.Contains(here.Cells[5], Codes(await GetAsync(op.Client, $"/api/cells?bbox={boxHere}")));
    }

    [Fact]
    public async Task Open311_requests_filter_by_service_code_status_and_dates()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var light = await world.ReportAsync(worker, 0, TestCatalogue.LightEvent);
        var component = await world.ReportAsync(worker, 1, TestCatalogue.Component);
        var old = await world.ReportAsync(worker, 2, TestCatalogue.Component);
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set state = 'cancelled' where id = @Id", new { light.Id });
            await conn.ExecuteAsync("update cases set created_at = created_at - interval '3 days' where id = @Id", new { old.Id });
        }
        var client = server.Anonymous();
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(1).ToString("O"));
        var window = $"start_date={from}&end_date={to}";
        async Task<List<string>> NosAsync(string query) =>
            (await GetAsync(client, $"/open311/v2/requests.json?{query}")).EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()!).ToList();
        var nos = new Dictionary<string, long> { [light.CaseNo] = light.Id, [component.CaseNo] = component.Id, [old.CaseNo] = old.Id };
        IEnumerable<long> Ours(List<string> list) => list.Where(nos.ContainsKey).Select(n => nos[n]);

        var inWindow = await NosAsync(window);
        AssertSplit(Ours(inWindow), Ours(await NosAsync($"{window}&service_code={TestCatalogue.Component}")), component.Id, light.Id, "service_code");
        AssertSplit(Ours(inWindow), Ours(await NosAsync($"{window}&status=open")), component.Id, light.Id, "status=open");
        AssertSplit(Ours(inWindow), Ours(await NosAsync($"{window}&status=closed")), light.Id, component.Id, "status=closed");

        // Complementary windows: each returns one of the two cases and leaves out the other.
        var fiveDaysAgo = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-5).ToString("O"));
        var twoDaysAgo = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(-2).ToString("O"));
        var recent = Ours(await NosAsync($"start_date={twoDaysAgo}&end_date={to}")).ToList();
        var earlier = Ours(await NosAsync($"start_date={fiveDaysAgo}&end_date={twoDaysAgo}")).ToList();
        Assert.True(recent.Contains(component.Id) && !recent.Contains(old.Id), $"start_date: [{string.Join(",", recent)}]");
        Assert.True(earlier.Contains(old.Id) && !earlier.Contains(component.Id), $"end_date: [{string.Join(",", earlier)}]");
    }

    [Fact]
    public async Task Nearby_filters_by_category_and_radius()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var here = await world.ReportAsync(worker, 0, TestCatalogue.LightEvent);
        var otherKind = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        var farther = await world.ReportAsync(worker, 2, TestCatalogue.LightEvent);   // two cells (~200 m) east
        var (lat, lon) = world.Inside(0);
        async Task<List<long>> IdsAsync(string category, int radius) =>
            (await GetAsync(worker.Client, $"/api/cases/nearby?lat={IntakeHelpers.F(lat)}&lon={IntakeHelpers.F(lon)}&category={category}&radius={radius}"))
                .EnumerateArray().Select(c => c.GetProperty("id").GetInt64()).ToList();
        var light = await IdsAsync(TestCatalogue.LightEvent, 500);
        Assert.Contains(here.Id, light);
        Assert.Contains(farther.Id, light);
        Assert.DoesNotContain(otherKind.Id, light);
        Assert.Contains(otherKind.Id, await IdsAsync(TestCatalogue.Component, 500));
        AssertSplit(light, await IdsAsync(TestCatalogue.LightEvent, 50), here.Id, farther.Id, "radius=50");
    }

    [Fact]
    public async Task People_list_filters_by_role_and_shows_deactivated_people_only_when_asked()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var gone = await world.PersonAsync(Role.Patroller, world.Cells[1]);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{gone.Id}/deactivate", null)).StatusCode);
        // The world's usernames share its prefix: the text filter keeps the lists to this test's people.
        var prefix = worker.Username[..10];
        async Task<List<Guid>> IdsAsync(string filter) =>
            (await GetAsync(admin.Client, $"/api/admin/people?size=200&q={prefix}{filter}")).GetProperty("rows").EnumerateArray()
                .Select(r => r.GetProperty("id").GetGuid()).ToList();

        var everyone = await IdsAsync("&inactive=true");
        AssertSplit(everyone, await IdsAsync($"&inactive=true&role={Role.GridWorker.ToCode()}"), worker.Id, inspector.Id, "role=grid_worker");
        AssertSplit(everyone, await IdsAsync(""), worker.Id, gone.Id, "inactive left out");
    }

    [Fact]
    public async Task Staff_positions_filter_by_street_and_by_how_far_back()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var op = await here.PersonAsync([Role.Operator], []);
        var nearWorker = await here.PersonAsync(Role.GridWorker, here.Cells[0]);
        var earlyWorker = await here.PersonAsync(Role.GridWorker, here.Cells[1]);
        var farWorker = await there.PersonAsync(Role.GridWorker, there.Cells[0]);
        foreach (var (who, world, cell) in new[] { (nearWorker, here, 0), (earlyWorker, here, 1), (farWorker, there, 0) })
        {
            var (lat, lon) = world.Inside(cell);
            Assert.Equal(HttpStatusCode.Accepted, (await who.Client.PostAsJsonAsync("/api/staff/position", new { lat, lon, accuracy = 5 })).StatusCode);
        }
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update case_events set at = now() - interval '30 minutes' where kind = 'staff_position' and person_id = @P",
                new { P = earlyWorker.Id });
        }
        async Task<List<Guid>> IdsAsync(string query) =>
            (await GetAsync(op.Client, "/api/staff/positions?" + query)).EnumerateArray().Select(p => p.GetProperty("personId").GetGuid()).ToList();

        AssertSplit(await IdsAsync("minutes=120"), await IdsAsync($"minutes=120&street={there.Street}"), farWorker.Id, nearWorker.Id, $"street={there.Street}");
        AssertSplit(await IdsAsync("minutes=120"), await IdsAsync("minutes=10"), nearWorker.Id, earlyWorker.Id, "minutes=10");
    }
}
