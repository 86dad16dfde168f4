using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Hotline;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;

namespace Grid.Server.Tests.Hotline;

public sealed class HotlineTests
{
    private static HttpClient System(TestServer server, string key)
    {
        var client = server.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task A_resent_ticket_with_the_same_id_makes_one_case_and_the_feed_tells_its_status_after_a_cursor()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var hotline = System(server, await IntakeHelpers.IssueKeyAsync(world));
        var (lat, lon) = world.Inside(2);
        var ticketId = "12345-" + Guid.NewGuid().ToString("N")[..10];
        var ticket = new { ticketId, callerName = "李四", callerPhone = "13800001111", lat, lon, categoryCode = TestCatalogue.LightEvent,
            description = "Caller says garbage piles up by the school" };

        var start = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync("/api/hotline/feed?after=0&limit=1000"));
        var cursor = long.MaxValue;
        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => hotline.PostAsJsonAsync("/api/hotline/tickets", ticket)));
        var receipts = new List<TicketReceipt>();
        foreach (var r in responses)
        {
            Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await r.Content.ReadAsStringAsync());
            receipts.Add((await r.Content.ReadFromJsonAsync<TicketReceipt>(TestWorld.Json))!);
        }
        Assert.Single(receipts.Select(r => r.CaseId).Distinct());
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        var caseId = receipts[0].CaseId;

        var changed = await hotline.PostAsJsonAsync("/api/hotline/tickets", ticket with { description = "Something else" });
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);

        var op = await world.PersonAsync([Role.Operator], []);
        await op.StepOkAsync(caseId, "register");
        // Read the feed from the beginning of this test's era; this ticket's rows appear in order.
        _ = cursor;
        var feed = new List<FeedItem>();
        var after = start.Cursor;
        for (var page = 0; page < 50; page++)
        {
            var p = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync($"/api/hotline/feed?after={after}&limit=500"));
            feed.AddRange(p.Items.Where(i => i.TicketId == ticketId));
            if (p.Items.Count == 0) break;
            after = p.Cursor;
        }
        Assert.Equal(["report", "register"], feed.Select(f => f.Action));
        Assert.Equal("registered", feed[^1].State);
        Assert.Equal("open", feed[^1].Status);
        Assert.True(feed[0].Seq < feed[1].Seq);

        // The cursor moves on: nothing is told twice.
        var rest = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync($"/api/hotline/feed?after={after}"));
        Assert.DoesNotContain(rest.Items, i => i.TicketId == ticketId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Anonymous().GetAsync("/api/hotline/feed")).StatusCode);
    }

    [Fact]
    public async Task A_change_of_a_case_two_tickets_were_merged_into_comes_for_both_tickets_on_one_page_even_with_limit_one()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var hotline = System(server, await IntakeHelpers.IssueKeyAsync(world));
        var start = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync("/api/hotline/feed?after=0&limit=1000"));
        var (lat, lon) = world.Inside(0);
        var tickets = new[] { "12345-a-" + Guid.NewGuid().ToString("N")[..8], "12345-b-" + Guid.NewGuid().ToString("N")[..8] };
        var cases = new List<long>();
        foreach (var id in tickets)
        {
            var r = await hotline.PostAsJsonAsync("/api/hotline/tickets", new { ticketId = id, callerName = "王五", callerPhone = "13800002222",
                lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Garbage piles up by the gate" });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            cases.Add((await r.Content.ReadFromJsonAsync<TicketReceipt>(TestWorld.Json))!.CaseId);
        }
        // The second ticket's case is flagged as a duplicate of the first and merged into it.
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var flags = await TestWorld.ReadAsync<System.Text.Json.JsonElement>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={cases[1]}"));
        var flag = flags.EnumerateArray().Single(f => f.GetProperty("candidate").GetProperty("id").GetInt64() == cases[0]);
        var merged = await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.GetProperty("id").GetInt64()}/merge", new { reason = "Same pile" });
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        await op.StepOkAsync(cases[0], "register");

        // Walk the feed one change per page: the registration of the surviving case comes for both tickets.
        var seen = new List<FeedItem>();
        var after = start.Cursor;
        for (var page = 0; page < 2000; page++)
        {
            var p = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync($"/api/hotline/feed?after={after}&limit=1"));
            seen.AddRange(p.Items.Where(i => tickets.Contains(i.TicketId)));
            if (p.Items.Count == 0) break;
            Assert.Single(p.Items.Select(i => i.Seq).Distinct());
            after = p.Cursor;
        }
        var register = seen.Where(i => i.Action == "register").ToList();
        Assert.Equal(tickets.Order(), register.Select(i => i.TicketId).Order());
        Assert.Single(register.Select(i => i.Seq).Distinct());
        // Each ticket's item names the ticket's own case; the change is the surviving case's.
        Assert.Equal(cases.Order(), register.Select(i => i.CaseId).Order());
        // Every (change, ticket) item exactly once.
        Assert.Equal(seen.Count, seen.Select(i => (i.Seq, i.TicketId)).Distinct().Count());
    }

    [Fact]
    public async Task An_operator_sees_the_caller_and_a_grid_worker_sees_them_masked()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var hotline = System(server, await IntakeHelpers.IssueKeyAsync(world));
        var (lat, lon) = world.Inside(0);
        var receipt = await TestWorld.ReadAsync<TicketReceipt>(await hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId = "T-" + Guid.NewGuid().ToString("N")[..8], callerName = "张三丰", callerPhone = "13912341234", lat, lon,
            categoryCode = TestCatalogue.Component, description = "Cover missing",
        }), HttpStatusCode.Created);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var unit = await world.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.OtherUnit);

        var masked = await worker.GetCaseAsync(receipt.CaseId);
        Assert.Equal("张**", masked.ReporterName);
        Assert.Equal("139****1234", masked.ReporterPhone);
        var listed = await TestWorld.ReadAsync<global::Grid.Server.Incidents.CasePage>(await worker.Client.GetAsync($"/api/cases?cell={world.Cells[0]}"));
        Assert.Equal("139****1234", Assert.Single(listed.Items, i => i.Id == receipt.CaseId).ReporterPhone);
        var clear = await op.GetCaseAsync(receipt.CaseId);
        Assert.Equal("张三丰", clear.ReporterName);
        Assert.Equal("13912341234", clear.ReporterPhone);

        // A grid worker may not reveal; a grid head may, with a reason, and that is audited.
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/cases/{receipt.CaseId}/reveal-reporter", new { reason = "curious" })).StatusCode);
        _ = unit;
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        Assert.Equal(HttpStatusCode.BadRequest, (await head.Client.PostAsJsonAsync($"/api/cases/{receipt.CaseId}/reveal-reporter", new { })).StatusCode);
        var revealed = await TestWorld.ReadAsync<global::Grid.Server.Intake.RevealView>(
            await head.Client.PostAsJsonAsync($"/api/cases/{receipt.CaseId}/reveal-reporter", new { reason = "Need to ask where exactly" }));
        Assert.Equal("13912341234", revealed.Phone);
        await using var conn = await server.Db.OpenConnectionAsync();
        var audited = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn,
            "select count(*) from audit_log where action = 'reporter_revealed' and subject = @S and actor_id = @A", new { S = $"case:{receipt.CaseId}", A = head.Id });
        Assert.Equal(1, audited);
    }

    [Fact]
    public async Task The_call_taker_form_without_its_antiforgery_token_is_refused()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var (lat, lon) = world.Inside(0);
        var response = await op.Client.PostAsync("/hotline/intake", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["lat"] = IntakeHelpers.F(lat), ["lon"] = IntakeHelpers.F(lon), ["categoryCode"] = TestCatalogue.LightEvent, ["description"] = "Forged",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "select count(*) from cases where cell_code = @C", new { C = world.Cells[0] }));
    }

    [Fact]
    public async Task A_key_is_usable_only_on_the_channels_of_its_scope_and_a_scope_change_is_audited()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var (lat, lon) = world.Inside(3);
        HttpContent O311(string key) => new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key, ["service_code"] = TestCatalogue.LightEvent, ["lat"] = IntakeHelpers.F(lat), ["long"] = IntakeHelpers.F(lon),
            ["description"] = "Scope check",
        });
        object Ticket() => new { ticketId = "S-" + Guid.NewGuid().ToString("N")[..10], callerName = "周", callerPhone = "13800003333", lat, lon,
            categoryCode = TestCatalogue.LightEvent, description = "Scope check" };

        // A citizen app's key cannot push hotline tickets or read the hotline feed.
        var citizenKey = await IntakeHelpers.IssueKeyAsync(world, scope: "open311");
        var citizen = System(server, citizenKey);
        var pushed = await citizen.PostAsJsonAsync("/api/hotline/tickets", Ticket());
        Assert.Equal(HttpStatusCode.Forbidden, pushed.StatusCode);
        Assert.Contains("scope hotline", await pushed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await citizen.GetAsync("/api/hotline/feed?after=0&limit=1")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Anonymous().PostAsync("/open311/v2/requests.json", O311(citizenKey))).StatusCode);

        // The hotline system's key cannot post Open311 requests.
        var hotlineKey = await IntakeHelpers.IssueKeyAsync(world, scope: "hotline");
        var refused = await server.Anonymous().PostAsync("/open311/v2/requests.json", O311(hotlineKey));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("hotline", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Created, (await System(server, hotlineKey).PostAsJsonAsync("/api/hotline/tickets", Ticket())).StatusCode);

        // Issued without a scope, a key is an Open311 key; an unknown scope is refused.
        var admin = await world.PersonAsync([Role.Admin], []);
        var plain = await TestWorld.ReadAsync<global::Grid.Server.Open311.IssuedKey>(
            await admin.Client.PostAsJsonAsync("/api/open311/keys", new { name = "Plain" }), HttpStatusCode.Created);
        Assert.Equal("open311", plain.Scope);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsJsonAsync("/api/open311/keys", new { name = "X", scope = "all" })).StatusCode);

        // The administrator widens the key; the list shows it, the hotline accepts it, the audit log has it.
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/open311/keys/{plain.Id}/scope", new { scope = "both" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync($"/api/open311/keys/{plain.Id}/scope", new { scope = "both" })).StatusCode);
        var listed = await TestWorld.ReadAsync<List<global::Grid.Server.Open311.ApiKeyView>>(await admin.Client.GetAsync("/api/open311/keys"));
        Assert.Equal("both", listed.Single(k => k.Id == plain.Id).Scope);
        Assert.Equal(HttpStatusCode.Created, (await System(server, plain.Key).PostAsJsonAsync("/api/hotline/tickets", Ticket())).StatusCode);
        await using var conn = await server.Db.OpenConnectionAsync();
        var audited = await Dapper.SqlMapper.ExecuteScalarAsync<string>(conn,
            "select details->>'from' || '>' || (details->>'to') from audit_log where action = 'open311_key_scope_changed' and subject = @S",
            new { S = $"open311_key:{plain.Id}" });
        Assert.Equal("open311>both", audited);
    }
}
