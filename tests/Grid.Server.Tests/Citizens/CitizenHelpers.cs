using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Citizens;

/// <summary>The citizen page's calls, made the way its script makes them.</summary>
public static class CitizenHelpers
{
    public static string NewDevice() => "dev-" + Guid.NewGuid().ToString("N")[..16];

    public static async Task<string> PageKeyAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/api/citizen/config")).RootElement.GetProperty("apiKey").GetString()!;

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] photo, string device)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new("image/jpeg");
        form.Add(part, "photo", "photo.jpg");
        form.Add(new StringContent(device), "device_id");
        return await client.PostAsync("/api/citizen/photos", form);
    }

    public static Task<HttpResponseMessage> PostReportAsync(HttpClient client, string key, string device, double lat, double lon,
        string category = TestCatalogue.LightEvent, string description = "Garbage by the gate", params (string, string)[] more)
    {
        var fields = new List<KeyValuePair<string, string>>
        {
            new("api_key", key), new("service_code", category), new("lat", lat.ToString(CultureInfo.InvariantCulture)),
            new("long", lon.ToString(CultureInfo.InvariantCulture)), new("description", description), new("device_id", device),
        };
        fields.AddRange(more.Select(m => new KeyValuePair<string, string>(m.Item1, m.Item2)));
        return client.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(fields));
    }

    public sealed record Filed(string CaseNo, string Code, long CaseId);

    public static async Task<Filed> ReportAsync(TestServer server, HttpClient client, string key, double lat, double lon,
        string? device = null, string category = TestCatalogue.LightEvent, string description = "Garbage by the gate", params (string, string)[] more)
    {
        var response = await PostReportAsync(client, key, device ?? NewDevice(), lat, lon, category, description, more);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"{(int)response.StatusCode}: {text}");
        var r = JsonDocument.Parse(text).RootElement[0];
        var caseNo = r.GetProperty("service_request_id").GetString()!;
        await using var conn = await server.Db.OpenConnectionAsync();
        var id = await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "select id from cases where case_no = @No", new { No = caseNo });
        return new Filed(caseNo, r.GetProperty("tracking_code").GetString()!, id);
    }

    public static async Task<JsonElement> TrackAsync(HttpClient client, string code)
    {
        var response = await client.GetAsync($"/api/citizen/track/{code}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    /// <summary>Takes a case from reported to closed through the real lifecycle routes.</summary>
    public static async Task CloseAsync(TestWorld world, long caseId, int cell = 0, string? publicNote = null, bool registered = false)
    {
        var op = await world.PersonAsync([Domain.People.Role.Operator, Domain.People.Role.ShiftLead], []);
        var worker = await world.PersonAsync(Domain.People.Role.GridWorker, world.Cells[cell]);
        var inspector = await world.PersonAsync(Domain.People.Role.Inspector, world.Cells[cell]);
        if (!registered) await op.StepOkAsync(caseId, "register");
        await op.StepOkAsync(caseId, "dispatch", new { assigneeId = worker.Id });
        await worker.StepOkAsync(caseId, "accept");
        await worker.StepOkAsync(caseId, "feedback", new { note = "Cleared", publicNote });
        await inspector.StepOkAsync(caseId, "verify", new { note = "Checked" });
    }
}
