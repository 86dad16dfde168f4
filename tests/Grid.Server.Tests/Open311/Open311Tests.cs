using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;
using static Grid.Server.Tests.Intake.IntakeHelpers;

namespace Grid.Server.Tests.Open311;

public sealed class Open311Tests
{
    private static FormUrlEncodedContent Form(params (string, string)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));

    [Fact]
    public async Task Discovery_and_service_list_answer_in_xml_and_json_without_a_key()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var client = server.Anonymous();

        var discovery = await client.GetAsync("/open311/v2/discovery.json");
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        var d = JsonDocument.Parse(await discovery.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("http://wiki.open311.org/GeoReport_v2", d.GetProperty("endpoints")[0].GetProperty("specification").GetString());
        Assert.Contains("text/xml", d.GetProperty("endpoints")[0].GetProperty("formats").EnumerateArray().Select(f => f.GetString()));

        var xml = await client.GetAsync("/open311/v2/services.xml");
        Assert.StartsWith("text/xml", xml.Content.Headers.ContentType!.ToString());
        var services = XDocument.Parse(await xml.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("services", services.Name.LocalName);
        var component = services.Elements("service").Single(s => s.Element("service_code")!.Value == "C9901");
        Assert.Equal("true", component.Element("metadata")!.Value);
        Assert.Equal("realtime", component.Element("type")!.Value);
        Assert.NotNull(component.Element("keywords"));
        Assert.NotNull(component.Element("group"));

        var json = JsonDocument.Parse(await client.GetStringAsync("/open311/v2/services.json")).RootElement;
        Assert.Equal(JsonValueKind.Array, json.ValueKind);
        Assert.Contains(json.EnumerateArray(), s => s.GetProperty("service_code").GetString() == "E9901" && !s.GetProperty("metadata").GetBoolean());
    }

    [Fact]
    public async Task A_service_definition_lists_its_required_attribute_with_values()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var client = server.Anonymous();
        var xml = XDocument.Parse(await client.GetStringAsync("/open311/v2/services/C9901.xml")).Root!;
        Assert.Equal("service_definition", xml.Name.LocalName);
        Assert.Equal("C9901", xml.Element("service_code")!.Value);
        var attribute = xml.Element("attributes")!.Elements("attribute").First();
        Assert.Equal("COVER_STATE", attribute.Element("code")!.Value);
        Assert.Equal("singlevaluelist", attribute.Element("datatype")!.Value);
        Assert.Equal("true", attribute.Element("required")!.Value);
        Assert.Equal("true", attribute.Element("variable")!.Value);
        Assert.Equal("1", attribute.Element("order")!.Value);
        Assert.Equal(["missing", "damaged"], attribute.Element("values")!.Elements("value").Select(v => v.Element("key")!.Value));

        var json = JsonDocument.Parse(await client.GetStringAsync("/open311/v2/services/C9901.json")).RootElement;
        Assert.Equal("COVER_STATE", json.GetProperty("attributes")[0].GetProperty("code").GetString());

        var missing = await client.GetAsync("/open311/v2/services/X0000.json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(404, JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_post_without_a_required_attribute_gets_400_in_the_spec_error_format_and_with_it_a_request_id()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world);
        var client = server.Anonymous();
        var (lat, lon) = world.Inside(0);

        var bad = await client.PostAsync("/open311/v2/requests.xml", Form(("api_key", key), ("service_code", "C9901"),
            ("lat", F(lat)), ("long", F(lon)), ("description", "Cover gone")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = XDocument.Parse(await bad.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("errors", errors.Name.LocalName);
        Assert.Equal("400", errors.Element("error")!.Element("code")!.Value);
        Assert.Contains("attribute[COVER_STATE]", errors.Element("error")!.Element("description")!.Value);

        var wrongValue = await client.PostAsync("/open311/v2/requests.json", Form(("api_key", key), ("service_code", "C9901"),
            ("lat", F(lat)), ("long", F(lon)), ("attribute[COVER_STATE]", "stolen")));
        Assert.Equal(HttpStatusCode.BadRequest, wrongValue.StatusCode);

        var noKey = await client.PostAsync("/open311/v2/requests.json", Form(("api_key", "nope"), ("service_code", "C9901")));
        Assert.Equal(HttpStatusCode.Forbidden, noKey.StatusCode);
        Assert.Equal(403, JsonDocument.Parse(await noKey.Content.ReadAsStringAsync()).RootElement[0].GetProperty("code").GetInt32());

        var ok = await client.PostAsync("/open311/v2/requests.json", Form(("api_key", key), ("jurisdiction_id", "liangxi.wuxi.gridcity"),
            ("service_code", "C9901"), ("lat", F(lat)), ("long", F(lon)), ("attribute[COVER_STATE]", "missing"), ("attribute[DEPTH]", "40"),
            ("first_name", "王"), ("last_name", "小明"), ("phone", "13912341234"), ("email", "wang@example.com"),
            ("description", "<script>alert(1)</script> cover missing"), ("media_url", "https://example.com/p.jpg")));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement[0].GetProperty("service_request_id").GetString()!;

        var one = XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{id}.xml")).Root!.Element("request")!;
        Assert.Equal(id, one.Element("service_request_id")!.Value);
        Assert.Equal("open", one.Element("status")!.Value);
        Assert.Equal("C9901", one.Element("service_code")!.Value);
        Assert.Equal("https://example.com/p.jpg", one.Element("media_url")!.Value);
        Assert.Equal("测试道路", one.Element("agency_responsible")!.Value);
        // Reporter text comes back as text, escaped by the XML writer, never as markup.
        Assert.Equal("<script>alert(1)</script> cover missing", one.Element("description")!.Value);
        Assert.Null(one.Element("phone"));
    }

    [Fact]
    public async Task An_address_only_request_gets_its_service_request_id_at_once_and_its_case_keeps_it_once_placed()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world);
        var client = server.Anonymous();
        var address = $"North gate of block {Guid.NewGuid():N}";
        var posted = await client.PostAsync("/open311/v2/requests.json", Form(("api_key", key), ("service_code", "E9901"),
            ("address_string", address), ("description", "Garbage")));
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
        var answer = JsonDocument.Parse(await posted.Content.ReadAsStringAsync()).RootElement[0];
        Assert.False(answer.TryGetProperty("token", out _), "An id is answered, not a token.");
        var id = answer.GetProperty("service_request_id").GetString()!;
        Assert.Matches("^[0-9]{14}$", id);

        // Before anyone placed it: open, under that id, with the address and no position; in the list too.
        var before = XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{id}.xml")).Root!.Element("request")!;
        Assert.Equal(id, before.Element("service_request_id")!.Value);
        Assert.Equal("open", before.Element("status")!.Value);
        Assert.Equal(address, before.Element("address")!.Value);
        Assert.Equal("", before.Element("lat")!.Value);
        Assert.Contains("place", before.Element("status_notes")!.Value);
        var listed = JsonDocument.Parse(await client.GetStringAsync("/open311/v2/requests.json?service_code=E9901")).RootElement;
        Assert.Single(listed.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == id);

        var op = await world.PersonAsync([Role.Operator], []);
        var pending = JsonDocument.Parse(await op.Client.GetStringAsync("/api/open311/pending")).RootElement;
        var mine = Assert.Single(pending.EnumerateArray(), p => p.GetProperty("caseNo").GetString() == id);
        var token = mine.GetProperty("token").GetString()!;
        var (lat, lon) = world.Inside(1);
        var placed = await op.Client.PostAsJsonAsync($"/api/open311/pending/{token}/place", new { lat, lon });
        Assert.Equal(HttpStatusCode.OK, placed.StatusCode);
        var again = await op.Client.PostAsJsonAsync($"/api/open311/pending/{token}/place", new { lat, lon });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        // Placed: the case carries the number the client was given, once, with the position the operator chose.
        var caseId = JsonDocument.Parse(await placed.Content.ReadAsStringAsync()).RootElement.GetProperty("caseId").GetInt64();
        var detail = JsonDocument.Parse(await op.Client.GetStringAsync($"/api/cases/{caseId}")).RootElement;
        Assert.Equal(id, detail.GetProperty("caseNo").GetString());
        var after = JsonDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{id}.json")).RootElement;
        var one = Assert.Single(after.EnumerateArray());
        Assert.Equal(lat, one.GetProperty("lat").GetDouble(), 6);
        var relisted = JsonDocument.Parse(await client.GetStringAsync("/open311/v2/requests.json?service_code=E9901")).RootElement;
        Assert.Single(relisted.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == id);
        var byToken = JsonDocument.Parse(await client.GetStringAsync($"/open311/v2/tokens/{token}.json")).RootElement[0];
        Assert.Equal(id, byToken.GetProperty("service_request_id").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/open311/v2/tokens/{Guid.NewGuid()}.json")).StatusCode);
    }

    [Fact]
    public async Task Get_requests_filters_by_ids_code_status_and_dates()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var op = await world.PersonAsync([Role.Operator], []);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells);
        var a = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        var b = await world.ReportAsync(worker, 4, TestCatalogue.LightEvent);
        await worker.StepOkAsync(b.Id, "self-handle", new { note = "Swept" });
        await inspector.StepOkAsync(b.Id, "verify", new { note = "Checked on site", publicNote = "Clean" });
        var client = server.Anonymous();
        var ids = $"{a.CaseNo},{b.CaseNo}";

        var both = JsonDocument.Parse(await client.GetStringAsync($"/open311/v2/requests.json?service_request_id={ids}")).RootElement;
        Assert.Equal(2, both.GetArrayLength());
        var closed = both.EnumerateArray().Single(r => r.GetProperty("service_request_id").GetString() == b.CaseNo);
        Assert.Equal("closed", closed.GetProperty("status").GetString());
        Assert.Equal("Clean", closed.GetProperty("status_notes").GetString());

        var open = XDocument.Parse(await client.GetStringAsync($"/open311/v2/requests.xml?service_code=C9901&status=open")).Root!;
        Assert.Contains(open.Elements("request"), r => r.Element("service_request_id")!.Value == a.CaseNo);
        Assert.DoesNotContain(open.Elements("request"), r => r.Element("service_request_id")!.Value == b.CaseNo);

        var past = JsonDocument.Parse(await client.GetStringAsync("/open311/v2/requests.json?service_code=C9901&end_date=2020-01-01T00:00:00Z")).RootElement;
        Assert.Equal(0, past.GetArrayLength());
        var badDate = await client.GetAsync("/open311/v2/requests.json?start_date=yesterday");
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("start_date", await badDate.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/open311/v2/requests.json?jurisdiction_id=elsewhere")).StatusCode);
    }

    [Fact]
    public async Task Status_notes_publish_only_public_notes_never_internal_reasons_or_notes()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells);
        var a = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        var b = await world.ReportAsync(worker, 1, TestCatalogue.Component);
        var c = await world.ReportAsync(worker, 4, TestCatalogue.LightEvent);
        var client = server.Anonymous();
        async Task<JsonElement> RequestOf(string caseNo) =>
            JsonDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{caseNo}.json")).RootElement[0];

        // A: registered with a public note, then supervised, sent back and put on hold with internal reasons.
        var registered = await op.StepOkAsync(a.Id, "register", new { publicNote = "A team is on its way." });
        Assert.Equal("A team is on its way.", registered.History!.Last().PublicNote);
        await op.StepOkAsync(a.Id, "dispatch");
        Assert.Equal(HttpStatusCode.Created, (await supervisor.Client.PostAsJsonAsync($"/api/cases/{a.Id}/supervise",
            new { note = "SECRET-supervision: the unit head is slacking" })).StatusCode);
        await op.StepOkAsync(a.Id, "hold", new { reason = "SECRET-hold: budget not approved" });
        Assert.Equal("A team is on its way.", (await RequestOf(a.CaseNo)).GetProperty("status_notes").GetString());

        // B: cancelled with an internal reason only: the public sees the state in words.
        await op.StepOkAsync(b.Id, "cancel", new { reason = "SECRET-cancel: reporter is a known troll" });
        Assert.Equal("Cancelled.", (await RequestOf(b.CaseNo)).GetProperty("status_notes").GetString());

        // C: self-handled with a staff note, reworked with a reason, verified with both notes.
        await worker.StepOkAsync(c.Id, "self-handle", new { note = "SECRET-note: swept half of it" });
        await inspector.StepOkAsync(c.Id, "rework", new { reason = "SECRET-rework: still dirty" });
        Assert.Equal("Being handled by the responsible unit.", (await RequestOf(c.CaseNo)).GetProperty("status_notes").GetString());
        await worker.StepOkAsync(c.Id, "feedback", new { note = "SECRET-feedback", publicNote = "Swept clean." });
        await inspector.StepOkAsync(c.Id, "verify", new { note = "SECRET-verify" });
        Assert.Equal("Swept clean.", (await RequestOf(c.CaseNo)).GetProperty("status_notes").GetString());

        // Nothing internal anywhere in the public feed, in either format.
        var ids = $"{a.CaseNo},{b.CaseNo},{c.CaseNo}";
        foreach (var format in new[] { "json", "xml" })
        {
            var feed = await client.GetStringAsync($"/open311/v2/requests.{format}?service_request_id={ids}");
            Assert.DoesNotContain("SECRET", feed);
            Assert.Contains("Swept clean.", feed);
        }
        var tooLong = await op.StepAsync(a.Id, "resume", new { publicNote = new string('x', 1001) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    [Fact]
    public async Task A_key_over_its_rate_limit_gets_429_and_a_revoked_key_403()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var issued = await TestWorld.ReadAsync<global::Grid.Server.Open311.IssuedKey>(
            await admin.Client.PostAsJsonAsync("/api/open311/keys", new { name = "Tiny", ratePerMinute = 2 }), HttpStatusCode.Created);
        var client = server.Anonymous();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await client.PostAsync("/open311/v2/requests.json", Form(("api_key", issued.Key), ("service_code", "X0000")))).StatusCode);
        // Two answered (404: unknown code), the third refused, unless the minute turned in between.
        Assert.True(statuses[2] == (HttpStatusCode)429 || statuses.Count(s => s == (HttpStatusCode)429) == 0 && statuses[2] == HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/open311/keys/{issued.Id}/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync("/open311/v2/requests.json", Form(("api_key", issued.Key), ("service_code", "E9901")))).StatusCode);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync("/api/open311/keys", new { name = "x" })).StatusCode);
    }
}
