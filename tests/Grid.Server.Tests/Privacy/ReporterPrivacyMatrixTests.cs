using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;
using Grid.Server.Tests.Realtime;
using Grid.Web.Pages;
using Grid.Web.Pages.Command;

namespace Grid.Server.Tests.Privacy;

/// <summary>
/// One hotline case with a caller's name and phone, and one person of every kind who can see it:
/// each role of the cell team, the command center, district and street-scoped leadership, unit
/// staff and the administrator. Built once for the matrix; each viewer is its own person, so the
/// audit rows of one viewer's reveal never count for another.
/// </summary>
public sealed class PrivacyWorld : IAsyncLifetime
{
    public const string Name = "欧阳明月";
    public const string Phone = "13987654321";
    public const string MaskedName = "欧***";
    public const string MaskedPhone = "139****4321";

    public TestServer Server { get; private set; } = null!;
    public TestWorld World { get; private set; } = null!;
    public long CaseId { get; private set; }
    public string CaseNo { get; private set; } = "";
    public long DuplicateId { get; private set; }
    /// <summary>A closed hotline case of the same caller (cell 1): due for a follow-up call.</summary>
    public long ClosedId { get; private set; }
    public long SeqBefore { get; private set; }
    public HttpClient Hotline { get; private set; } = null!;
    public Dictionary<string, TestUser> Viewers { get; } = new();

    /// <summary>label → (sees the reporter in clear, may reveal, may read figures, may read duplicates).</summary>
    public static readonly Dictionary<string, (bool Clear, bool Reveal, bool Figures, bool Duplicates)> Expected = new()
    {
        ["operator"] = (true, true, true, true),
        ["operator_of_the_street"] = (true, true, true, true),
        ["shift_lead"] = (true, true, true, true),
        ["dispatcher"] = (false, true, false, true),
        ["supervisor"] = (false, true, true, true),
        ["supervisor_of_the_street"] = (false, true, true, true),
        ["admin"] = (false, false, true, false),
        ["grid_head"] = (false, true, false, false),
        ["grid_worker"] = (false, false, false, false),
        ["patroller"] = (false, false, false, false),
        ["informant"] = (false, false, false, false),
        ["inspector"] = (false, false, false, false),
        ["liaison"] = (false, true, false, false),
        ["unit_staff"] = (false, false, false, false),
    };

    public static IEnumerable<object[]> Labels => Expected.Keys.Select(k => new object[] { k });

    public async Task InitializeAsync()
    {
        Server = await TestServer.SharedAsync();
        World = await TestWorld.CreateAsync(Server);
        var cell = World.Cells[0];
        Viewers["operator"] = await World.PersonAsync([Role.Operator], []);
        Viewers["operator_of_the_street"] = await World.PersonAsync([Role.Operator], [], street: World.Street);
        Viewers["shift_lead"] = await World.PersonAsync([Role.ShiftLead], []);
        Viewers["dispatcher"] = await World.PersonAsync([Role.Dispatcher], []);
        Viewers["supervisor"] = await World.PersonAsync([Role.Supervisor], []);
        Viewers["supervisor_of_the_street"] = await World.PersonAsync([Role.Supervisor], [], street: World.Street);
        Viewers["admin"] = await World.PersonAsync([Role.Admin], []);
        Viewers["grid_head"] = await World.PersonAsync(Role.GridHead, cell);
        Viewers["grid_worker"] = await World.PersonAsync(Role.GridWorker, cell);
        Viewers["patroller"] = await World.PersonAsync(Role.Patroller, cell);
        Viewers["informant"] = await World.PersonAsync(Role.Informant, cell);
        Viewers["inspector"] = await World.PersonAsync(Role.Inspector, cell);
        Viewers["liaison"] = await World.PersonAsync(Role.Liaison, cell);
        Viewers["unit_staff"] = await World.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.Unit);

        await using (var conn = await Server.Db.OpenConnectionAsync())
        {
            SeqBefore = await conn.ExecuteScalarAsync<long>("select coalesce(max(seq), 0) from case_events");
        }
        Hotline = Server.Anonymous();
        Hotline.DefaultRequestHeaders.Add("X-Api-Key", await IntakeHelpers.IssueKeyAsync(World));
        var (lat, lon) = World.Inside(0);
        var receipt = await PushTicketAsync(lat, lon, Name, Phone, "Garbage piled at the gate");
        CaseId = receipt.GetProperty("caseId").GetInt64();
        CaseNo = receipt.GetProperty("caseNo").GetString()!;

        // Registered, dispatched to the test unit and the cell's grid worker: every viewer's scope reaches it.
        var op = Viewers["operator"];
        await op.StepOkAsync(CaseId, "register");
        await op.StepOkAsync(CaseId, "dispatch", new { unitId = TestCatalogue.Unit, assigneeId = Viewers["grid_worker"].Id });
        // A supervision order puts the case into the assignee's inbox.
        var supervise = await Viewers["supervisor"].Client.PostAsJsonAsync($"/api/cases/{CaseId}/supervise", new { note = "Fix it today" });
        Assert.Equal(HttpStatusCode.Created, supervise.StatusCode);

        // A second call at the same spot: flagged as a likely duplicate of the first.
        var second = await PushTicketAsync(lat, lon + 0.00002, "李四", "13700001111", "Same garbage");
        DuplicateId = second.GetProperty("caseId").GetInt64();
        Assert.Contains(CaseId, second.GetProperty("likelyDuplicates").EnumerateArray().Select(e => e.GetInt64()));

        // The same caller's earlier problem in cell 1, closed: the follow-up list names the caller to call back.
        var (lat1, lon1) = World.Inside(1);
        ClosedId = (await PushTicketAsync(lat1, lon1, Name, Phone, "Broken bench")).GetProperty("caseId").GetInt64();
        await Citizens.CitizenHelpers.CloseAsync(World, ClosedId, cell: 1);
    }

    private async Task<JsonElement> PushTicketAsync(double lat, double lon, string name, string phone, string description)
    {
        var response = await Hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId = "P-" + Guid.NewGuid().ToString("N")[..10], callerName = name, callerPhone = phone, lat, lon,
            categoryCode = TestCatalogue.LightEvent, description,
        });
        return await ReporterPrivacyMatrixTests.JsonAsync(response, HttpStatusCode.Created);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// Who sees a reporter's name and phone, on every route and page that shows a case, for every kind
/// of viewer. Each list assertion first finds the case in the list (a missing case fails), then
/// checks its reporter fields and that the clear name and phone appear nowhere in the raw answer.
/// </summary>
public sealed class ReporterPrivacyMatrixTests(PrivacyWorld w) : IClassFixture<PrivacyWorld>
{
    internal static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<string> TextAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary>The text as a reader sees it: JSON \uXXXX escapes and HTML entities (Razor encodes CJK) decoded.</summary>
    internal static string Readable(string raw) =>
        WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Replace(raw, @"\\u([0-9a-fA-F]{4})",
            m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString()));

    /// <summary>The clear name or phone in any spelling the answer might use.</summary>
    private static void AssertNoClearDetails(string raw, string where)
    {
        var unescaped = Readable(raw);
        foreach (var secret in new[] { PrivacyWorld.Name, PrivacyWorld.Phone, "139-8765-4321", "139 8765 4321" })
        {
            Assert.False(unescaped.Contains(secret, StringComparison.Ordinal), $"{where} shows the reporter's '{secret}' in clear");
        }
    }

    private void AssertReporterFields(JsonElement view, string label, string where)
    {
        var clear = PrivacyWorld.Expected[label].Clear;
        Assert.True((clear ? PrivacyWorld.Name : PrivacyWorld.MaskedName) == view.GetProperty("reporterName").GetString(),
            $"{label} on {where}: reporterName {view.GetProperty("reporterName")}");
        Assert.True((clear ? PrivacyWorld.Phone : PrivacyWorld.MaskedPhone) == view.GetProperty("reporterPhone").GetString(),
            $"{label} on {where}: reporterPhone {view.GetProperty("reporterPhone")}");
    }

    private JsonElement Find(JsonElement items, string label, string where)
    {
        var found = items.EnumerateArray().Where(i => i.GetProperty("id").GetInt64() == w.CaseId).ToList();
        Assert.True(found.Count == 1, $"{label}: case {w.CaseId} is not (exactly once) in {where}");
        return found[0];
    }

    [Theory]
    [MemberData(nameof(PrivacyWorld.Labels), MemberType = typeof(PrivacyWorld))]
    public async Task Case_detail_and_every_case_list_show_the_reporter_as_the_role_allows(string label)
    {
        var user = w.Viewers[label];
        var clear = PrivacyWorld.Expected[label].Clear;

        var detailRaw = await TextAsync(await user.Client.GetAsync($"/api/cases/{w.CaseId}"));
        AssertReporterFields(JsonDocument.Parse(detailRaw).RootElement, label, "case detail");
        if (!clear) AssertNoClearDetails(detailRaw, $"{label}'s case detail");

        var (lat, lon) = w.World.Inside(0);
        foreach (var query in new[]
        {
            $"/api/cases?cell={w.World.Cells[0]}", $"/api/cases?q={w.CaseNo}", $"/api/cases?state=dispatched&street={w.World.Street}",
        })
        {
            var raw = await TextAsync(await user.Client.GetAsync(query));
            AssertReporterFields(Find(JsonDocument.Parse(raw).RootElement.GetProperty("items"), label, query), label, query);
            if (!clear) AssertNoClearDetails(raw, $"{label}'s {query}");
        }

        var nearbyQuery = $"/api/cases/nearby?lat={IntakeHelpers.F(lat)}&lon={IntakeHelpers.F(lon)}&category={TestCatalogue.LightEvent}&radius=50";
        var nearbyRaw = await TextAsync(await user.Client.GetAsync(nearbyQuery));
        AssertReporterFields(Find(JsonDocument.Parse(nearbyRaw).RootElement, label, "nearby"), label, "nearby");
        if (!clear) AssertNoClearDetails(nearbyRaw, $"{label}'s nearby list");

        // Masked stays masked: asking again (without a reveal) shows the same.
        AssertReporterFields(await JsonAsync(await user.Client.GetAsync($"/api/cases/{w.CaseId}")), label, "case detail, read again");
    }

    [Theory]
    [MemberData(nameof(PrivacyWorld.Labels), MemberType = typeof(PrivacyWorld))]
    public async Task Pages_inbox_escalations_duplicates_and_figures_never_show_a_masked_viewer_the_reporter(string label)
    {
        var user = w.Viewers[label];
        var (clear, _, figures, duplicates) = PrivacyWorld.Expected[label];

        var escalations = await TextAsync(await user.Client.GetAsync($"/api/cases/{w.CaseId}/escalations"));
        Assert.Contains("supervise", escalations);
        if (!clear) AssertNoClearDetails(escalations, $"{label}'s escalations of the case");

        if (label == "grid_worker")
        {
            var inbox = await JsonAsync(await user.Client.GetAsync("/api/inbox"));
            Assert.Contains(inbox.GetProperty("items").EnumerateArray(), i => i.GetProperty("caseId").GetInt64() == w.CaseId);
            AssertNoClearDetails(inbox.GetRawText(), "the assignee's inbox");
        }

        var dupResponse = await user.Client.GetAsync($"/api/duplicates?caseId={w.DuplicateId}");
        if (duplicates)
        {
            var raw = await TextAsync(dupResponse);
            var flags = JsonDocument.Parse(raw).RootElement.EnumerateArray().ToList();
            Assert.Contains(flags, f => f.GetProperty("candidate").GetProperty("id").GetInt64() == w.CaseId);
            if (!clear) AssertNoClearDetails(raw, $"{label}'s duplicate list");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, dupResponse.StatusCode);
        }

        var figureQuery = $"group=cell&key={w.World.Cells[0]}&measure=reports";
        foreach (var path in new[] { $"/api/stats/cases?{figureQuery}", $"/api/stats/cases.csv?{figureQuery}" })
        {
            var response = await user.Client.GetAsync(path);
            if (!figures)
            {
                Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                continue;
            }
            var raw = await TextAsync(response);
            Assert.Contains(w.CaseNo, raw);
            AssertNoClearDetails(raw, $"{label}'s {path}");
        }
        if (figures)
        {
            var page = await TextAsync(await user.Client.GetAsync($"/figures/cases?{figureQuery}"));
            Assert.Contains(w.CaseNo, page);
            AssertNoClearDetails(page, $"{label}'s figures case list page");
        }

        // The follow-up call list is the call takers' (who see reporters anyway); nobody else gets it.
        var followups = await user.Client.GetAsync("/api/followups");
        Assert.Equal(clear ? HttpStatusCode.OK : HttpStatusCode.Forbidden, followups.StatusCode);
        var followupsRaw = await followups.Content.ReadAsStringAsync();
        if (clear)
        {
            var due = JsonDocument.Parse(followupsRaw).RootElement.EnumerateArray().Where(f => f.GetProperty("caseId").GetInt64() == w.ClosedId).ToList();
            Assert.True(due.Count == 1, $"{label}: closed case {w.ClosedId} is not (exactly once) in the follow-up list: {followupsRaw}");
            Assert.Equal((PrivacyWorld.Name, PrivacyWorld.Phone), (due[0].GetProperty("reporterName").GetString(), due[0].GetProperty("reporterPhone").GetString()));
        }
        else
        {
            AssertNoClearDetails(followupsRaw, $"{label}'s follow-up list");
        }

        // What the pages send before they are interactive (the desk pages load their cases only in the circuit: see the
        // desk theory below; the phone pages fill themselves from the API checked above): never the reporter in clear.
        if (!clear)
        {
            foreach (var path in new[] { "/command", "/m", $"/m/cases/{w.CaseId}", "/inbox", "/duplicates", "/hotline" })
            {
                var response = await user.Client.GetAsync(path);
                AssertNoClearDetails(await response.Content.ReadAsStringAsync(), $"{label}'s page {path}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(PrivacyWorld.Labels), MemberType = typeof(PrivacyWorld))]
    public async Task Hub_events_of_the_case_never_carry_the_reporter(string label)
    {
        var user = w.Viewers[label];
        await using var hub = await HubClient.ConnectAsync(w.Server, user.Username, afterSeq: w.SeqBefore);
        var events = await hub.WaitForCaseAsync(w.CaseId, "dispatched");
        // Presence first: the events of this case that this viewer's audience covers (unit staff only from dispatch on).
        var ours = events.Where(e => e.CaseId == w.CaseId).ToList();
        Assert.Contains(ours, e => e.Payload.GetProperty("state").GetString() == "dispatched");
        foreach (var e in ours) AssertNoClearDetails(e.Payload.GetRawText(), $"{label}'s hub event {e.Seq} ({e.Kind})");
    }

    /// <summary>
    /// The interactive desk pages read through their sources inside the circuit, not over HTTP (a GET of /command renders
    /// no case): the command center's drawer (case detail), its grid rows and the follow-up page, asked as each viewer.
    /// </summary>
    [Theory]
    [MemberData(nameof(PrivacyWorld.Labels), MemberType = typeof(PrivacyWorld))]
    public async Task The_desk_pages_drawer_grid_and_follow_up_list_show_the_reporter_as_the_role_allows(string label)
    {
        var user = w.Viewers[label];
        var clear = PrivacyWorld.Expected[label].Clear;
        await using var desk = await DeskScope.ForAsync(w.Server, user);
        var command = desk.Get<ICommandSource>();

        var (detail, error) = await command.FindAsync(w.CaseId);
        Assert.True(detail is not null, $"{label}: the case drawer refused case {w.CaseId}: {error}");
        Assert.True((clear ? PrivacyWorld.Name : PrivacyWorld.MaskedName) == detail!.ReporterName, $"{label} in the case drawer: reporter name {detail.ReporterName}");
        Assert.True((clear ? PrivacyWorld.Phone : PrivacyWorld.MaskedPhone) == detail.ReporterPhone, $"{label} in the case drawer: reporter phone {detail.ReporterPhone}");
        if (!clear) AssertNoClearDetails(JsonSerializer.Serialize(detail), $"{label}'s case drawer");

        var slice = await command.ListAsync(new CaseQuery(Cell: w.World.Cells[0], Count: 200));
        Assert.True(slice.Items.Count(i => i.Id == w.CaseId) == 1, $"{label}: case {w.CaseId} is not (exactly once) in the command center's grid");
        if (!clear) AssertNoClearDetails(JsonSerializer.Serialize(slice), $"{label}'s command center grid");

        // The other desk pages' rows (duplicates, inbox, figures' case list) carry no reporter fields at all: presence of
        // the case first, then the clear name and phone nowhere in what the page is given.
        var (_, _, figures, duplicates) = PrivacyWorld.Expected[label];
        var flags = await desk.Get<global::Grid.Web.Pages.Intake.IDuplicatesSource>().ListOpenAsync();
        if (duplicates)
        {
            Assert.True(flags.Count(f => f.Report.Id == w.DuplicateId && f.Candidate.Id == w.CaseId) == 1,
                $"{label}: the flag of case {w.DuplicateId} against {w.CaseId} is not (exactly once) on the duplicates page");
        }
        else
        {
            Assert.True(flags.Count == 0, $"{label} got {flags.Count} duplicate flag(s)");
        }
        if (label == "grid_worker")
        {
            var inbox = await desk.Get<IInboxSource>().ListAsync(1, 100);
            Assert.True(inbox.Any(i => i.CaseId == w.CaseId), $"case {w.CaseId} is not in the assignee's inbox page");
            AssertNoClearDetails(JsonSerializer.Serialize(inbox), "the assignee's inbox page");
        }
        var figuresSource = desk.Get<IFiguresSource>();
        if ((await figuresSource.AccessAsync()).Allowed != figures) Assert.Fail($"{label}: the figures pages' access is not {figures}");
        if (figures)
        {
            var query = figuresSource.Parse(null, null, "cell", out var parseError) ?? throw new InvalidOperationException(parseError);
            var page = await figuresSource.CasesAsync(query, "reports", w.World.Cells[0], 1, 100);
            Assert.True(page.Items.Count(i => i.Id == w.CaseId) == 1, $"{label}: case {w.CaseId} is not (exactly once) on the figures' case list page");
            AssertNoClearDetails(JsonSerializer.Serialize(page), $"{label}'s figures case list page");
        }
        if (!clear) AssertNoClearDetails(JsonSerializer.Serialize(flags), $"{label}'s duplicates page");

        var due = (await desk.Get<IFollowUpSource>().DueAsync(1)).Items;
        if (clear)
        {
            var closed = due.Where(f => f.CaseId == w.ClosedId).ToList();
            Assert.True(closed.Count == 1, $"{label}: closed case {w.ClosedId} is not (exactly once) on the follow-up page");
            Assert.Equal((PrivacyWorld.Name, PrivacyWorld.Phone), (closed[0].ReporterName, closed[0].ReporterPhone));
        }
        else
        {
            Assert.True(due.Count == 0, $"{label} got a follow-up list of {due.Count} case(s)");
        }
    }

    [Theory]
    [MemberData(nameof(PrivacyWorld.Labels), MemberType = typeof(PrivacyWorld))]
    public async Task A_reveal_needs_a_reason_and_a_role_that_may_and_every_reveal_is_audited(string label)
    {
        var user = w.Viewers[label];
        var mayReveal = PrivacyWorld.Expected[label].Reveal;
        async Task<long> AuditedAsync()
        {
            await using var conn = await w.Server.Db.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<long>(
                "select count(*) from audit_log where action = 'reporter_revealed' and subject = @S and actor_id = @A",
                new { S = $"case:{w.CaseId}", A = user.Id });
        }
        Assert.Equal(0, await AuditedAsync());

        var noReason = await user.Client.PostAsJsonAsync($"/api/cases/{w.CaseId}/reveal-reporter", new { });
        Assert.Equal(mayReveal ? HttpStatusCode.BadRequest : HttpStatusCode.Forbidden, noReason.StatusCode);
        AssertNoClearDetails(await noReason.Content.ReadAsStringAsync(), $"{label}'s refused reveal");
        Assert.Equal(0, await AuditedAsync());

        var reason = $"Call back about the gate ({label})";
        var response = await user.Client.PostAsJsonAsync($"/api/cases/{w.CaseId}/reveal-reporter", new { reason });
        if (!mayReveal)
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            AssertNoClearDetails(await response.Content.ReadAsStringAsync(), $"{label}'s refused reveal");
            Assert.Equal(0, await AuditedAsync());
            return;
        }
        var revealed = await JsonAsync(response);
        Assert.Equal(PrivacyWorld.Name, revealed.GetProperty("name").GetString());
        Assert.Equal(PrivacyWorld.Phone, revealed.GetProperty("phone").GetString());
        Assert.Equal(1, await AuditedAsync());
        await using (var conn = await w.Server.Db.OpenConnectionAsync())
        {
            var details = await conn.ExecuteScalarAsync<string>(
                "select details::text from audit_log where action = 'reporter_revealed' and subject = @S and actor_id = @A",
                new { S = $"case:{w.CaseId}", A = user.Id });
            Assert.Contains(reason, Readable(details!));
        }

        // A reveal shows the details once; the case itself stays as the role sees it.
        AssertReporterFields(await JsonAsync(await user.Client.GetAsync($"/api/cases/{w.CaseId}")), label, "case detail after a reveal");
    }

    [Fact]
    public async Task Someone_who_may_reveal_but_does_not_serve_the_cell_is_refused_and_nothing_is_audited()
    {
        var otherHead = await w.World.PersonAsync(Role.GridHead, w.World.Cells[5]);
        var detail = await otherHead.Client.GetAsync($"/api/cases/{w.CaseId}");
        Assert.Equal(HttpStatusCode.Forbidden, detail.StatusCode);
        AssertNoClearDetails(await detail.Content.ReadAsStringAsync(), "an outsider's case detail");
        var response = await otherHead.Client.PostAsJsonAsync($"/api/cases/{w.CaseId}/reveal-reporter", new { reason = "Curious" });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        AssertNoClearDetails(await response.Content.ReadAsStringAsync(), "an outsider's reveal");
        await using var conn = await w.Server.Db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>(
            "select count(*) from audit_log where action = 'reporter_revealed' and actor_id = @A", new { A = otherHead.Id }));
        var listed = await JsonAsync(await otherHead.Client.GetAsync($"/api/cases?q={w.CaseNo}"));
        Assert.DoesNotContain(listed.GetProperty("items").EnumerateArray(), i => i.GetProperty("id").GetInt64() == w.CaseId);
    }

    [Fact]
    public async Task A_step_answers_with_the_case_as_the_actor_may_see_it()
    {
        // The same case view comes back from a step: an assignee accepting sees the reporter masked.
        var raw = await TextAsync(await w.Viewers["grid_worker"].StepAsync(w.DuplicateId, "accept"), HttpStatusCode.Conflict);
        AssertNoClearDetails(raw, "a refused step");
        var op = w.Viewers["operator"];
        var registered = await JsonAsync(await op.StepAsync(w.DuplicateId, "register"));
        Assert.Equal("13700001111", registered.GetProperty("reporterPhone").GetString());
        var dispatched = await JsonAsync(await w.Viewers["dispatcher"].StepAsync(w.DuplicateId, "dispatch",
            new { unitId = TestCatalogue.Unit, assigneeId = w.Viewers["grid_worker"].Id }));
        Assert.Equal("137****1111", dispatched.GetProperty("reporterPhone").GetString());
        var accepted = await JsonAsync(await w.Viewers["grid_worker"].StepAsync(w.DuplicateId, "accept"));
        Assert.Equal("137****1111", accepted.GetProperty("reporterPhone").GetString());
        Assert.Equal("李*", accepted.GetProperty("reporterName").GetString());
    }

    [Fact]
    public async Task Open311_and_the_hotline_feed_never_carry_the_reporter()
    {
        var anonymous = w.Server.Anonymous();
        foreach (var path in new[]
        {
            $"/open311/v2/requests/{w.CaseNo}.json", $"/open311/v2/requests/{w.CaseNo}.xml",
            $"/open311/v2/requests.json?service_request_id={w.CaseNo}", $"/open311/v2/requests.xml?service_request_id={w.CaseNo}",
        })
        {
            var raw = await TextAsync(await anonymous.GetAsync(path));
            Assert.Contains(w.CaseNo, raw);
            AssertNoClearDetails(raw, path);
        }

        // The citizens' page asks "is this already reported?" anonymously.
        var (lat, lon) = w.World.Inside(0);
        var citizenNearby = await TextAsync(await anonymous.GetAsync(
            $"/api/citizen/nearby?lat={IntakeHelpers.F(lat)}&lon={IntakeHelpers.F(lon)}&category={TestCatalogue.LightEvent}"));
        Assert.Contains(w.CaseNo, citizenNearby);
        AssertNoClearDetails(citizenNearby, "the citizens' nearby list");

        // The feed is shared by every hotline case of the run: page until ours shows up (bounded).
        long after = 0;
        var seen = false;
        for (var i = 0; i < 100 && !seen; i++)
        {
            var raw = await TextAsync(await w.Hotline.GetAsync($"/api/hotline/feed?after={after}&limit=1000"));
            var page = JsonDocument.Parse(raw).RootElement;
            AssertNoClearDetails(raw, "the hotline feed");
            seen = page.GetProperty("items").EnumerateArray().Any(it => it.GetProperty("caseId").GetInt64() == w.CaseId);
            var next = page.GetProperty("cursor").GetInt64();
            if (next == after) break;
            after = next;
        }
        Assert.True(seen, $"case {w.CaseId} never appeared in the hotline feed");
    }
}
