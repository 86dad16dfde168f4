using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Monitoring;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Monitoring;

public sealed class MonitoringTests
{
    private static async Task<(HttpClient System, string Device, TestWorld World)> SetUpAsync(TestServer server)
    {
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var system = "sys_" + Guid.NewGuid().ToString("N")[..8];
        var kind = "lamp_" + Guid.NewGuid().ToString("N")[..8];
        var secret = await TestWorld.ReadAsync<SystemSecret>(await admin.Client.PostAsJsonAsync("/api/monitoring/systems", new { id = system, name = "Lighting" }), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync("/api/monitoring/kinds", new { kind, systemId = system, categoryCode = TestCatalogue.Component })).StatusCode);
        var (lat, lon) = world.Inside(1);
        var device = "LAMP-" + Guid.NewGuid().ToString("N")[..8];
        var saved = await TestWorld.ReadAsync<DeviceView>(await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id = device, kind, name = "Pole 7", lat, lon, address = "Test road 7" }));
        Assert.Equal(world.Cells[1], saved.CellCode);
        var client = server.Anonymous();
        client.DefaultRequestHeaders.Add("X-Monitoring-Secret", secret.Secret);
        client.BaseAddress = new Uri(server.BaseAddress, $"/api/monitoring/alarms/{kind}");
        return (client, device, world);
    }

    [Fact]
    public async Task An_alarm_storm_from_one_device_makes_one_case_and_the_rest_are_attached()
    {
        var server = await TestServer.SharedAsync();
        var (system, device, world) = await SetUpAsync(server);
        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => system.PostAsJsonAsync("", new { deviceId = device, alarmType = "lamp_off" })));
        var receipts = new List<AlarmReceipt>();
        foreach (var r in responses) receipts.Add((await r.Content.ReadFromJsonAsync<AlarmReceipt>(TestWorld.Json))!);
        Assert.Equal(1, receipts.Count(r => r.Outcome == "case_created"));
        Assert.Equal(19, receipts.Count(r => r.Outcome == "attached"));
        Assert.Single(receipts.Select(r => r.CaseId).Distinct());
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await op.GetCaseAsync(receipts[0].CaseId!.Value);
        Assert.Equal("sensor", c.Source);
        Assert.Equal(world.Cells[1], c.CellCode);
        Assert.Null(c.ReportedBy);
    }

    [Fact]
    public async Task An_alarm_case_merged_into_a_field_report_takes_the_later_alarms_of_its_device()
    {
        var server = await TestServer.SharedAsync();
        var (system, device, world) = await SetUpAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var field = await world.ReportAsync(worker, 1, TestCatalogue.Component);
        var first = (await (await system.PostAsJsonAsync("", new { deviceId = device })).Content.ReadFromJsonAsync<AlarmReceipt>(TestWorld.Json))!;
        Assert.Equal("case_created", first.Outcome);
        var flags = await TestWorld.ReadAsync<List<global::Grid.Server.Intake.DuplicateView>>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={first.CaseId}"));
        var flag = flags.Single(f => f.Candidate.Id == field.Id);
        await TestWorld.ReadAsync<global::Grid.Server.Intake.DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { }));
        var next = (await (await system.PostAsJsonAsync("", new { deviceId = device })).Content.ReadFromJsonAsync<AlarmReceipt>(TestWorld.Json))!;
        Assert.Equal("attached", next.Outcome);
        Assert.Equal(field.Id, next.CaseId);
    }

    [Fact]
    public async Task A_flapping_device_is_throttled_after_it_made_too_many_cases()
    {
        var server = await TestServer.SharedAsync();
        var (system, device, world) = await SetUpAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var outcomes = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var receipt = (await (await system.PostAsJsonAsync("", new { deviceId = device })).Content.ReadFromJsonAsync<AlarmReceipt>(TestWorld.Json))!;
            outcomes.Add(receipt.Outcome);
            // The lamp comes back and the case is cancelled, then it fails again: flapping.
            if (receipt.CaseId is { } id) await op.StepOkAsync(id, "cancel", new { reason = "Lamp came back on" });
        }
        Assert.Equal(["case_created", "case_created", "case_created", "throttled"], outcomes);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_and_hostile_xml_is_not_expanded()
    {
        var server = await TestServer.SharedAsync();
        var (system, device, _) = await SetUpAsync(server);
        var wrong = server.Anonymous();
        wrong.DefaultRequestHeaders.Add("X-Monitoring-Secret", "guess");
        Assert.Equal(HttpStatusCode.Forbidden, (await wrong.PostAsJsonAsync(system.BaseAddress, new { deviceId = device })).StatusCode);

        var xxe = $"""
            <?xml version="1.0"?>
            <!DOCTYPE alarm [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <alarm><deviceId>{device}</deviceId><message>&xxe;</message></alarm>
            """;
        var refused = await system.PostAsync("", new StringContent(xxe, Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.DoesNotContain("root:", await refused.Content.ReadAsStringAsync());

        var plain = await system.PostAsync("", new StringContent($"<alarm><deviceId>{device}</deviceId><alarmType>lamp_off</alarmType></alarm>", Encoding.UTF8, "application/xml"));
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);

        var huge = await system.PostAsync("", new StringContent(new string('x', 300 * 1024), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal("application/problem+json", huge.Content.Headers.ContentType!.MediaType);
        // Without a Content-Length (chunked) the body is cut off while it is read.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"deviceId\":\"" + new string('x', 300 * 1024) + "\"}")));
        chunked.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await system.SendAsync(request)).StatusCode);
    }
    [Fact]
    public async Task An_xml_alarm_without_whitespace_between_elements_keeps_its_alarm_type_and_message()
    {
        var server = await TestServer.SharedAsync();
        var (system, device, _) = await SetUpAsync(server);
        // A device writing its elements back to back (no whitespace text nodes between them).
        var xml = $"<alarm><deviceId>{device}</deviceId><alarmType>lamp_off</alarmType><message>no power</message></alarm>";
        var receipt = await TestWorld.ReadAsync<AlarmReceipt>(await system.PostAsync("", new StringContent(xml, Encoding.UTF8, "application/xml")), HttpStatusCode.Created);
        Assert.Equal("case_created", receipt.Outcome);
        await using var conn = await server.Db.OpenConnectionAsync();
        var stored = await conn.QuerySingleAsync<(string AlarmType, string Message)>(
            "select alarm_type, message from device_alarms where device_id = @device", new { device });
        Assert.Equal(("lamp_off", "no power"), stored);
        var description = await conn.ExecuteScalarAsync<string>("select description from cases where id = @Id", new { Id = receipt.CaseId });
        Assert.Contains("lamp_off", description);
    }
}
