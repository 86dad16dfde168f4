using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages;
using static Grid.Server.Tests.Citizens.CitizenHelpers;

namespace Grid.Server.Tests.Citizens;

public sealed class FollowUpTests
{
    [Fact]
    public async Task Not_solved_on_the_tracking_page_reopens_the_case_with_the_citizens_comment()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(0);
        var filed = await ReportAsync(server, citizen, key, lat, lon);
        Assert.False((await TrackAsync(citizen, filed.Code)).GetProperty("followUp").GetProperty("asked").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = true, satisfaction = "satisfied" })).StatusCode);

        await CloseAsync(world, filed.CaseId, publicNote: "垃圾已清运。");
        var closed = await TrackAsync(citizen, filed.Code);
        Assert.Equal("closed", closed.GetProperty("state").GetString());
        Assert.True(closed.GetProperty("followUp").GetProperty("asked").GetBoolean());
        Assert.Contains(closed.GetProperty("notes").EnumerateArray(), n => n.GetProperty("note").GetString() == "垃圾已清运。");

        Assert.Equal(HttpStatusCode.BadRequest, (await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = false, satisfaction = "meh" })).StatusCode);
        var answered = await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = false, satisfaction = "unsatisfied", comment = "Still a pile behind the kiosk" });
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.True((await answered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reopened").GetBoolean());

        var op = await world.PersonAsync([Role.Operator], []);
        var view = await op.GetCaseAsync(filed.CaseId);
        Assert.Equal("registered", view.State);
        var reopen = view.History!.Last();
        Assert.Equal("reopen", reopen.Action);
        Assert.Contains("Still a pile behind the kiosk", reopen.Reason);
        Assert.Contains(view.History!, h => h.Action == "followup");
        var after = await TrackAsync(citizen, filed.Code);
        Assert.Equal("registered", after.GetProperty("state").GetString());
        Assert.False(after.GetProperty("followUp").GetProperty("asked").GetBoolean());
        // The reopened case goes back to the same unit through the ordinary dispatch.
        var suggestion = JsonDocument.Parse(await op.Client.GetStringAsync($"/api/cases/{filed.CaseId}/dispatch-suggestion")).RootElement;
        Assert.Equal(TestCatalogue.Unit, suggestion.GetProperty("unitId").GetString());
    }

    [Fact]
    public async Task A_call_taker_records_a_callers_answer_from_the_follow_up_list_and_the_hotline_feed_carries_it()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var hotlineKey = await Intake.IntakeHelpers.IssueKeyAsync(world);
        var hotline = server.Anonymous();
        hotline.DefaultRequestHeaders.Add("X-Api-Key", hotlineKey);
        var (lat, lon) = world.Inside(1);
        var ticketId = "T-" + Guid.NewGuid().ToString("N")[..8];
        var receipt = await TestWorld.ReadAsync<global::Grid.Server.Hotline.TicketReceipt>(await hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId, callerName = "赵六", callerPhone = "13700004444", lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Trash",
        }), HttpStatusCode.Created);
        await CloseAsync(world, receipt.CaseId, cell: 1);

        var op = await world.PersonAsync([Role.Operator], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync("/api/followups")).StatusCode);
        var due = JsonDocument.Parse(await op.Client.GetStringAsync("/api/followups")).RootElement;
        var item = due.EnumerateArray().Single(f => f.GetProperty("caseId").GetInt64() == receipt.CaseId);
        Assert.Equal("13700004444", item.GetProperty("reporterPhone").GetString());
        Assert.Equal(ticketId, item.GetProperty("ticketId").GetString());
        Assert.False(item.GetProperty("noAnswer").GetBoolean());

        var recorded = await op.Client.PostAsJsonAsync($"/api/followups/{receipt.CaseId}", new { solved = true, satisfaction = "basic", comment = "OK now" });
        Assert.Equal(HttpStatusCode.OK, recorded.StatusCode);
        Assert.False((await recorded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reopened").GetBoolean());
        Assert.Equal(HttpStatusCode.Conflict, (await op.Client.PostAsJsonAsync($"/api/followups/{receipt.CaseId}", new { solved = true, satisfaction = "basic" })).StatusCode);
        // The follow-up page says the same refusal in its reader's language.
        var ui = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("zh-CN");
        try
        {
            await using var desk = await DeskScope.ForAsync(server, op);
            var again = await desk.Get<IFollowUpSource>().RecordAsync(receipt.CaseId, true, "basic", null);
            Assert.False(again.Recorded);
            Assert.StartsWith("案件 ", again.Error);
            Assert.Contains("的回访已经有答复了", again.Error);
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = ui;
        }
        Assert.DoesNotContain(JsonDocument.Parse(await op.Client.GetStringAsync("/api/followups")).RootElement.EnumerateArray(),
            f => f.GetProperty("caseId").GetInt64() == receipt.CaseId);
        Assert.Equal("closed", (await op.GetCaseAsync(receipt.CaseId)).State);

        var feed = new List<global::Grid.Server.Hotline.FeedItem>();
        long after = 0;
        while (true)
        {
            var page = await TestWorld.ReadAsync<global::Grid.Server.Hotline.FeedPage>(await hotline.GetAsync($"/api/hotline/feed?after={after}&limit=1000"));
            feed.AddRange(page.Items.Where(x => x.TicketId == ticketId));
            if (page.Items.Count == 0) break;
            after = page.Cursor;
        }
        var followUp = feed.Single(f => f.Action == "followup");
        Assert.Equal("OK now", followUp.Note);
        Assert.Equal("closed", followUp.Status);

        // The hotline system reports an answer its own call taker collected, for another closed ticket.
        var ticket2 = "T-" + Guid.NewGuid().ToString("N")[..8];
        var receipt2 = await TestWorld.ReadAsync<global::Grid.Server.Hotline.TicketReceipt>(await hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId = ticket2, callerName = "孙八", callerPhone = "13700006666", lat, lon, categoryCode = TestCatalogue.LightEvent, description = "More trash",
        }), HttpStatusCode.Created);
        await CloseAsync(world, receipt2.CaseId, cell: 1);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Anonymous().PostAsJsonAsync($"/api/hotline/tickets/{ticket2}/followup",
            new { solved = false, satisfaction = "unsatisfied" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await hotline.PostAsJsonAsync("/api/hotline/tickets/T-none/followup",
            new { solved = false, satisfaction = "unsatisfied" })).StatusCode);
        var pushed = await hotline.PostAsJsonAsync($"/api/hotline/tickets/{ticket2}/followup", new { solved = false, satisfaction = "unsatisfied", comment = "Caller says the bin is still broken" });
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        var reopened = await op.GetCaseAsync(receipt2.CaseId);
        Assert.Equal("registered", reopened.State);
        Assert.Contains("Caller says the bin is still broken", reopened.History!.Last().Reason);
    }

    /// <summary>
    /// An Open311 app may send a reporter's email and no phone: the call takers still have someone to ask, so the case
    /// is on their list with the address (shown only to them, like a phone) and counts as due in 回访率. A reporter who
    /// left neither is not.
    /// </summary>
    [Fact]
    public async Task An_open311_reporter_who_left_only_an_email_is_on_the_follow_up_list_with_it_and_counts_as_due()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var closedAt = DateTimeOffset.UtcNow.AddHours(-2);
        var createdAt = closedAt.AddHours(-5);
        var ids = new Dictionary<string, long>();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var email in new[] { "li.si@example.com", null })
                ids[email ?? "none"] = await InsertClosedAsync(conn, world, cell: 2, createdAt, closedAt, phone: null, email);
        }

        var op = await world.PersonAsync([Role.Operator], []);
        var due = JsonDocument.Parse(await op.Client.GetStringAsync("/api/followups")).RootElement.EnumerateArray().ToList();
        var item = due.Single(f => f.GetProperty("caseId").GetInt64() == ids["li.si@example.com"]);
        Assert.Equal("li.si@example.com", item.GetProperty("reporterEmail").GetString());
        Assert.Equal(JsonValueKind.Null, item.GetProperty("reporterPhone").ValueKind);
        Assert.DoesNotContain(due, f => f.GetProperty("caseId").GetInt64() == ids["none"]);

        // The figures count the cases reported in the period: the day the case was reported, in the city's time (which is
        // not the day it was closed when the closing falls past midnight there).
        var day = createdAt.ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd");
        var table = await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync($"/api/stats/indicators?from={day}&to={day}&group=cell"));
        Assert.Equal(1L, table.Rows.Single(r => r.Key == world.Cells[2]).FollowUpDue);
        var behind = await TestWorld.ReadAsync<FigureCasePage>(await supervisor.Client.GetAsync(
            $"/api/stats/cases?from={day}&to={day}&group=cell&key={world.Cells[2]}&measure={Measures.FollowUpDue}"));
        Assert.Equal([ids["li.si@example.com"]], behind.Items.Select(i => i.Id));
    }

    /// <summary>
    /// The never-answered closings only pile up, so the list puts first the calls that can still be made in time (the
    /// one whose follow-up period ends first at the top), then those past it, the latest first; it pages through the
    /// whole backlog and says how many there are. The old list, the 500 oldest closings, hid every newer one behind
    /// a backlog of 500.
    /// </summary>
    [Fact]
    public async Task The_follow_up_list_puts_the_calls_still_in_time_first_and_pages_through_the_whole_backlog()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("followpage"), settings: new Dictionary<string, string?>
        {
            ["Grid:Citizens:FollowUpDays"] = "7", ["Grid:Escalation:Enabled"] = "false",
        });
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var now = DateTimeOffset.UtcNow;
        var ids = new Dictionary<string, long>();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var (name, closed) in new[]
                     {
                         ("past-30d", now.AddDays(-30)), ("fresh-1h", now.AddHours(-1)), ("past-8d", now.AddDays(-8)), ("ending-6d", now.AddDays(-6)),
                     })
            {
                ids[name] = await InsertClosedAsync(conn, world, cell: 0, closed.AddDays(-1), closed, phone: "13800000077");
            }
        }

        async Task<(long[] Ids, bool[] NoAnswer, string? Total)> ListAsync(string query)
        {
            var response = await op.Client.GetAsync("/api/followups" + query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var rows = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().ToList();
            var total = response.Headers.TryGetValues("X-Total-Count", out var values) ? values.Single() : null;
            return (rows.Select(r => r.GetProperty("caseId").GetInt64()).ToArray(), rows.Select(r => r.GetProperty("noAnswer").GetBoolean()).ToArray(), total);
        }

        var all = await ListAsync("");
        Assert.Equal(new[] { ids["ending-6d"], ids["fresh-1h"], ids["past-8d"], ids["past-30d"] }, all.Ids);
        Assert.Equal(new[] { false, false, true, true }, all.NoAnswer);
        Assert.Equal("4", all.Total);

        var first = await ListAsync("?page=1&pageSize=3");
        Assert.Equal(new[] { ids["ending-6d"], ids["fresh-1h"], ids["past-8d"] }, first.Ids);
        Assert.Equal("4", first.Total);
        var second = await ListAsync("?page=2&pageSize=3");
        Assert.Equal(new[] { ids["past-30d"] }, second.Ids);
        Assert.Equal("4", second.Total);
        var beyond = await ListAsync("?page=3&pageSize=3");
        Assert.Empty(beyond.Ids);
        Assert.Equal("4", beyond.Total);

        foreach (var bad in new[] { "?page=0", "?pageSize=0", "?pageSize=501", "?page=x" })
        {
            var refused = await op.Client.GetAsync("/api/followups" + bad);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("page", await refused.Content.ReadAsStringAsync());
        }
    }

    // Grid:Citizens:FollowUpDays is 3 here (7 by default): a closing 4 days old without an answer is "no answer"
    // on the tracking page, the call takers' list and the figures; one 2 days old is still waiting.
    [Fact]
    public async Task A_follow_up_left_unanswered_for_the_configured_number_of_days_counts_as_no_answer()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("noanswer"), settings: new Dictionary<string, string?>
        {
            ["Grid:Citizens:FollowUpDays"] = "3", ["Grid:Escalation:Enabled"] = "false",
        });
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var now = DateTimeOffset.UtcNow;
        var created = now.AddDays(-10);
        var codes = new Dictionary<int, string>();
        var ids = new Dictionary<int, long>();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var daysClosed in new[] { 2, 4 })
            {
                ids[daysClosed] = await InsertClosedAsync(conn, world, cell: 0, created, now.AddDays(-daysClosed), phone: "13800000099");
                codes[daysClosed] = global::Grid.Server.Citizens.CitizenRepository.NewCode();
                await conn.ExecuteAsync("insert into citizen_tracking (code_hash, case_id, kind, created_at) values (@H, @Id, 'report', @Created)",
                    new { H = global::Grid.Server.Citizens.CitizenRepository.HashCode(codes[daysClosed]), Id = ids[daysClosed], Created = created });
            }
        }

        var citizen = server.Anonymous();
        Assert.False((await TrackAsync(citizen, codes[2])).GetProperty("followUp").GetProperty("noAnswer").GetBoolean());
        var late = (await TrackAsync(citizen, codes[4])).GetProperty("followUp");
        Assert.True(late.GetProperty("asked").GetBoolean());
        Assert.True(late.GetProperty("noAnswer").GetBoolean());

        var due = JsonDocument.Parse(await op.Client.GetStringAsync("/api/followups")).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("caseId").GetInt64(), f => f.GetProperty("noAnswer").GetBoolean());
        Assert.False(due[ids[2]]);
        Assert.True(due[ids[4]]);

        var period = $"from={created:yyyy-MM-dd}&to={now:yyyy-MM-dd}";
        var cell = (await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync($"/api/stats/indicators?{period}&group=cell")))
            .Rows.Single(r => r.Key == world.Cells[0]);
        Assert.Equal((2L, 0L, 1L), (cell.FollowUpDue, cell.FollowedUp, cell.NoAnswer));
        var noAnswer = await TestWorld.ReadAsync<FigureCasePage>(await supervisor.Client.GetAsync(
            $"/api/stats/cases?{period}&group=cell&key={world.Cells[0]}&measure={Measures.NoAnswer}"));
        Assert.Equal(new[] { ids[4] }, noAnswer.Items.Select(i => i.Id).ToArray());

        // A late answer is still taken; the case is then answered, no longer "no answer".
        Assert.Equal(HttpStatusCode.OK, (await citizen.PostAsJsonAsync($"/api/citizen/track/{codes[4]}/followup",
            new { solved = true, satisfaction = "basic" })).StatusCode);
        var answered = (await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync($"/api/stats/indicators?{period}&group=cell")))
            .Rows.Single(r => r.Key == world.Cells[0]);
        Assert.Equal((2L, 1L, 1L, 0L), (answered.FollowUpDue, answered.FollowedUp, answered.Satisfied, answered.NoAnswer));
    }

    private const string Period = "from=2025-04-01&to=2025-04-30";
    private static readonly DateTimeOffset Day0 = new(2025, 4, 2, 0, 0, 0, TimeSpan.Zero);

    // cell, source, phone, state, closed day, page report (tracking code), answer (solved, satisfaction) or null.
    private sealed record Row(int No, int Cell, string Source, string? Phone, string State, int? ClosedDay, bool Page, (bool, string)? Answer);

    private static readonly Row[] Rows =
    [
        new(1, 0, "hotline", "13800000001", "closed", 3, false, (true, "satisfied")),
        new(2, 0, "open311", "13800000002", "closed", 4, false, (true, "basic")),
        new(3, 0, "open311", null, "closed", 5, true, (true, "unsatisfied")),
        new(4, 0, "hotline", "13800000004", "closed", 5, false, null),              // no answer: closed long ago
        new(5, 0, "field", null, "closed", 5, false, null),                         // no citizen reporter
        new(6, 1, "hotline", "13800000006", "in_progress", null, false, null),      // not closed
        new(7, 1, "open311", "13800000007", "registered", null, false, (false, "unsatisfied")), // reopened after "not solved"
        new(8, 1, "open311", null, "closed", 6, true, (true, "satisfied")),
        new(9, 1, "open311", null, "closed", 6, false, null),                       // no phone, no page: nobody to ask
    ];

    [Fact]
    public async Task Follow_up_and_satisfaction_rates_match_the_hand_count_and_lead_to_their_cases()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        // Every fixture case was handled by one person, so the person's row is the whole hand count.
        var handler = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var ids = new Dictionary<int, long>();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var r in Rows)
            {
                var created = Day0.AddDays(r.No % 3);
                var closed = r.ClosedDay is { } d ? Day0.AddDays(d) : (DateTimeOffset?)null;
                var (lat, lon) = world.Inside(r.Cell);
                var id = await conn.ExecuteScalarAsync<long>("""
                    insert into cases (case_no, location, category_code, source, description, reporter_phone, state, cell_code, assigned_unit_id,
                                       assignee_id, created_at, registered_at, dispatched_at, closed_at, deadline, updated_at)
                    values (@CaseNo, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), 'E9901', @Source, 'fixture', @Phone, @State, @Cell, @Unit,
                            @Handler, @Created, @Created, @Created, @Closed, @Deadline, @Created)
                    returning id
                    """, new { CaseNo = $"U{Guid.NewGuid():N}"[..20], Lon = lon, Lat = lat, r.Source, r.Phone, r.State, Cell = world.Cells[r.Cell],
                        Unit = TestCatalogue.Unit, Handler = handler.Id, Created = created, Closed = closed, Deadline = created.AddDays(10) });
                ids[r.No] = id;
                if (r.Page)
                    await conn.ExecuteAsync("insert into citizen_tracking (code_hash, case_id, kind, created_at) values (@H, @Id, 'report', @Created)",
                        new { H = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Guid.NewGuid().ToByteArray())), Id = id, Created = created });
                if (r.Answer is { } a)
                    await conn.ExecuteAsync("""
                        insert into followups (case_id, closed_at, channel, solved, satisfaction, answered_at)
                        values (@Id, @ClosedAt, 'phone', @Solved, @Satisfaction, @At)
                        """, new { Id = id, ClosedAt = closed ?? Day0.AddDays(4), Solved = a.Item1, Satisfaction = a.Item2, At = Day0.AddDays(8) });
            }
        }

        var table = await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=cell"));
        var c0 = table.Rows.Single(r => r.Key == world.Cells[0]);
        var c1 = table.Rows.Single(r => r.Key == world.Cells[1]);
        // Hand count: cell 0 has 1-4 to follow up, 1-3 answered, 1-2 satisfied, 4 without answer;
        // cell 1 has 7 and 8, both answered, 8 satisfied.
        Assert.Equal((4L, 3L, 2L, 1L), (c0.FollowUpDue, c0.FollowedUp, c0.Satisfied, c0.NoAnswer));
        Assert.Equal((2L, 2L, 1L, 0L), (c1.FollowUpDue, c1.FollowedUp, c1.Satisfied, c1.NoAnswer));
        Assert.Equal((6L, 5L, 3L, 1L), (table.Total.FollowUpDue, table.Total.FollowedUp, table.Total.Satisfied, table.Total.NoAnswer));
        // The same cases grouped by street, community, unit and person: one group each, the whole count.
        foreach (var (group, key) in new[] { ("street", world.Street), ("community", world.Community), ("unit", TestCatalogue.Unit), ("person", handler.Id.ToString()) })
        {
            var grouped = await TestWorld.ReadAsync<IndicatorTable>(await supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group={group}"));
            var row = grouped.Rows.Single(r => r.Key == key);
            Assert.True((6L, 5L, 3L, 1L) == (row.FollowUpDue, row.FollowedUp, row.Satisfied, row.NoAnswer), $"{group}: {row.FollowUpDue}, {row.FollowedUp}, {row.Satisfied}, {row.NoAnswer}");
        }
        Assert.Equal(new[] { ids[1], ids[2], ids[8] }.Order(), (await TestWorld.ReadAsync<FigureCasePage>(await supervisor.Client.GetAsync(
            $"/api/stats/cases?{Period}&group=person&key={handler.Id}&measure={Measures.Satisfied}"))).Items.Select(i => i.Id).Order());

        async Task<long[]> CasesOf(string measure, string? cell = null) =>
            (await TestWorld.ReadAsync<FigureCasePage>(await supervisor.Client.GetAsync(
                $"/api/stats/cases?{Period}&group=cell{(cell is null ? "" : "&key=" + cell)}&measure={measure}"))).Items.Select(i => i.Id).Order().ToArray();
        Assert.Equal(new[] { ids[1], ids[2], ids[8] }.Order(), await CasesOf(Measures.Satisfied));
        Assert.Equal(new[] { ids[1], ids[2], ids[3], ids[4] }.Order(), await CasesOf(Measures.FollowUpDue, world.Cells[0]));
        Assert.Equal(new[] { ids[4] }, await CasesOf(Measures.NoAnswer));
        Assert.Equal(new[] { ids[7], ids[8] }.Order(), await CasesOf(Measures.FollowedUp, world.Cells[1]));

        // The live figures page shows 回访率 and 满意率 as numerator / denominator, each a link to its cases.
        var page = await supervisor.Client.GetStringAsync($"/figures?{Period}&group=cell");
        foreach (var measure in new[] { Measures.FollowUpDue, Measures.FollowedUp, Measures.Satisfied, Measures.NoAnswer })
            Assert.Contains($"/figures/cases?{Period.Replace("&", "&amp;")}&amp;group=cell&amp;measure={measure}&amp;key={world.Cells[0]}", page);
        var satisfiedList = await supervisor.Client.GetStringAsync($"/figures/cases?{Period}&group=cell&measure={Measures.Satisfied}&key={world.Cells[0]}");
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            var caseNo = (await conn.QueryAsync<(long Id, string CaseNo)>("select id, case_no from cases where id = any(@Ids)", new { Ids = ids.Values.ToArray() }))
                .ToDictionary(r => r.Id, r => r.CaseNo);
            Assert.Contains(caseNo[ids[1]], satisfiedList);
            Assert.Contains(caseNo[ids[2]], satisfiedList);
            Assert.DoesNotContain(caseNo[ids[3]], satisfiedList);
            Assert.DoesNotContain(caseNo[ids[4]], satisfiedList);
        }

        var csv = await supervisor.Client.GetStringAsync($"/api/stats/indicators.csv?{Period}&group=cell");
        Assert.Contains("followup_rate", csv.Split('\n')[0]);
        Assert.Contains(",6,5,0.8333", csv.Split('\n').Single(l => l.StartsWith("cell,,total") || l.Contains(",total,")));
    }

    // A closed Open311 case in one of the world's cells, written as it is stored, with the reporter's phone or email.
    private static Task<long> InsertClosedAsync(System.Data.Common.DbConnection conn, TestWorld world, int cell, DateTimeOffset created,
        DateTimeOffset closed, string? phone, string? email = null)
    {
        var (lat, lon) = world.Inside(cell);
        return conn.ExecuteScalarAsync<long>("""
            insert into cases (case_no, location, category_code, source, description, reporter_phone, reporter_email, state, cell_code,
                               assigned_unit_id, created_at, registered_at, dispatched_at, closed_at, deadline, updated_at)
            values (@CaseNo, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), 'E9901', 'open311', 'fixture', @Phone, @Email, 'closed', @Cell,
                    @Unit, @Created, @Created, @Created, @Closed, @Deadline, @Closed)
            returning id
            """, new { CaseNo = $"N{Guid.NewGuid():N}"[..20], Lon = lon, Lat = lat, Phone = phone, Email = email, Cell = world.Cells[cell],
                Unit = TestCatalogue.Unit, Created = created, Closed = closed, Deadline = created.AddDays(20) });
    }
}
