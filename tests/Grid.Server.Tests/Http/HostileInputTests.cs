using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Monitoring;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;

namespace Grid.Server.Tests.Http;

/// <summary>
/// A server on a database of its own, so that "no row changed" can be checked over every table: a
/// person holding every role (so requests get as deep as any caller can), one case, an integration
/// key, a monitoring system and a patrol shift, so that routes taking ids reach real rows.
/// </summary>
public sealed class HostileFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public TestWorld World { get; private set; } = null!;
    public TestUser Everyone { get; private set; } = null!;
    public RouteCatalog Routes { get; private set; } = null!;
    public long CaseId { get; private set; }
    public string ApiKey { get; private set; } = "";
    public string Kind { get; private set; } = "";
    public string Secret { get; private set; } = "";
    public string Device { get; private set; } = "";
    public long ShiftId { get; private set; }

    // Tables written by the server's own schedulers and counters, not by the request being judged.
    private static readonly string[] Moving = ["data_protection_keys", "open311_key_usage", "hangfire", "spatial_ref_sys"];

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(TestServer.DatabaseName("hostile"));
        World = await TestWorld.CreateAsync(Server);
        Everyone = await World.PersonAsync(Enum.GetValues<Role>(), [World.Cells[0], World.Cells[1]], unit: TestCatalogue.Unit);
        Routes = await RouteCatalog.LoadAsync(Everyone.Client);
        CaseId = (await World.ReportAsync(Everyone, 0)).Id;
        ApiKey = await IntakeHelpers.IssueKeyAsync(World);
        var admin = Everyone.Client;
        var system = "sys_" + Guid.NewGuid().ToString("N")[..8];
        Kind = "lamp_" + Guid.NewGuid().ToString("N")[..8];
        Secret = (await TestWorld.ReadAsync<SystemSecret>(await admin.PostAsJsonAsync("/api/monitoring/systems", new { id = system, name = "Lighting" }), HttpStatusCode.Created)).Secret;
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsJsonAsync("/api/monitoring/kinds", new { kind = Kind, systemId = system, categoryCode = TestCatalogue.Component })).StatusCode);
        Device = "LAMP-" + Guid.NewGuid().ToString("N")[..8];
        var (lat, lon) = World.Inside(1);
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("/api/monitoring/devices", new { id = Device, kind = Kind, name = "Pole", lat, lon, address = "Road 7" })).StatusCode);
        ShiftId = (await TestWorld.ReadAsync<JsonElement>(await admin.PostAsJsonAsync("/api/field/patrol/start", new { consent = true }), HttpStatusCode.Created)).GetProperty("id").GetInt64();

        // Every row written to a table a request may change is counted by a trigger, in the writing
        // transaction (a rolled-back write counts nothing); reading the count is cheap enough to do per request.
        await using var conn = await Server.Db.OpenConnectionAsync();
        var tables = (await conn.QueryAsync<string>("select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1"))
            .Where(t => !Moving.Any(t.StartsWith)).ToList();
        await conn.ExecuteAsync("""
            create table hostile_row_changes (tbl text not null);
            create function hostile_count_change() returns trigger language plpgsql as $$
            begin
              -- A refused sign-in is audited by design (login_failed, account_locked); that row is expected.
              if tg_table_name = 'audit_log' and tg_op = 'INSERT' then
                if new.action in ('login_failed', 'account_locked') then return null; end if;
              end if;
              -- ... and counted against the name it was made under (the lockout of names that are no account).
              if tg_table_name = 'login_name_failures' then return null; end if;
              insert into hostile_row_changes values (tg_table_name); return null;
            end $$;
            """);
        foreach (var t in tables)
            await conn.ExecuteAsync($"create trigger hostile_count after insert or update or delete on \"{t}\" for each row execute function hostile_count_change()");
    }

    /// <summary>How many rows have been written so far, and the last few tables written.</summary>
    public async Task<long> RowChangesAsync()
    {
        await using var conn = await Server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("select count(*) from hostile_row_changes");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// Walks every route of the OpenAPI document with hostile input: control characters (NUL first),
/// unpaired surrogates, script, offset and far-away dates, extreme numbers, oversized and malformed
/// bodies, foreign charsets. Nothing may answer 5xx, and a refused request (4xx) must change no row.
/// </summary>
public sealed class HostileInputTests(HostileFixture f) : IClassFixture<HostileFixture>
{
    private const string Script = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=1\">";

    /// <summary>Text values a client may send in place of any text: name → value.</summary>
    private static readonly (string Name, string Value)[] HostileText =
    [
        ("NUL", "a\u0000b"), ("control", "a\u0007\u001b[2Jb"), ("unpaired surrogate", "a\ud800b"), ("script", Script),
        ("offset date", "2026-11-01T00:00:00+08:00"), ("far-future date", "9999-12-31T23:59:59+14:00"), ("year-one date", "0001-01-01T00:00:00Z"),
        ("int max", "2147483647"), ("long max", "9223372036854775807"), ("negative", "-1"), ("NaN", "NaN"), ("infinity", "-Infinity"),
        ("huge", "1e308"), ("empty", ""), ("oversized", new string('x', 20_000)), ("bad percent", "%E0%A4%A"),
    ];

    /// <summary>Leaves of a JSON body: how each variant fills a text, a number, a date-time.</summary>
    private static readonly (string Name, Func<string, string?, string> Leaf)[] HostileBodies =
    [
        ("NUL in every text", Leaf("\"a\\u0000b\"", "1", "\"2026-11-01T00:00:00Z\"")),
        ("controls in every text", Leaf("\"a\\u0007\\u001Bb\\u007F\"", "1", "\"2026-11-01T00:00:00Z\"")),
        ("unpaired surrogates", Leaf("\"a\\uD800b\"", "1", "\"2026-11-01T00:00:00Z\"")),
        ("script", Leaf(JsonSerializer.Serialize(Script), "1e308", "\"2026-11-01T00:00:00+08:00\"")),
        ("offset dates", Leaf("\"2026-11-01T00:00:00+08:00\"", "1", "\"2026-11-01T00:00:00+08:00\"")),
        ("negative offset dates", Leaf("\"x\"", "0", "\"2026-11-01T00:00:00-05:00\"")),
        ("far-future dates", Leaf("\"x\"", "2147483647", "\"9999-12-31T23:59:59+14:00\"")),
        ("year-one dates", Leaf("\"x\"", "-2147483648", "\"0001-01-01T00:00:00+00:00\"")),
        ("extreme numbers", Leaf("\"1e308\"", "1e308", "\"2026-11-01T00:00:00Z\"")),
        ("overflowing numbers", Leaf("\"x\"", "9223372036854775808", "\"2026-11-01T00:00:00Z\"")),
        ("fractions for integers", Leaf("\"x\"", "0.5", "\"2026-11-01T00:00:00Z\"")),
        ("wrong types", Leaf("{}", "\"NaN\"", "12")),
        ("nulls", Leaf("null", "null", "null")),
        ("oversized text", Leaf(JsonSerializer.Serialize(new string('y', 300_000)), "1", "\"2026-11-01T00:00:00Z\"")),
    ];

    private static readonly (string Name, string Body)[] Malformed =
    [
        ("truncated JSON", "{\"a\":"), ("array", "[]"), ("string", "\"x\""), ("null", "null"), ("number", "1e400"),
        ("deep nesting", new string('[', 5000) + new string(']', 5000)), ("raw control", "{\"note\":\"a\u0001b\"}"), ("not JSON", "<x/>"),
    ];

    private static Func<string, string?, string> Leaf(string text, string number, string date) => (type, format) => type switch
    {
        "integer" or "number" => number,
        "boolean" => "true",
        _ when format is "date-time" => date,
        _ when format is "uuid" => "\"3f2504e0-4f89-11d3-9a0c-0305e82c3301\"",
        _ => text,
    };

    private sealed record Sent(string What, HttpStatusCode Status, string Body);

    private HttpClient Client(bool anonymous)
    {
        var client = anonymous ? f.Server.Anonymous() : f.Everyone.Client;
        return client;
    }

    private HttpRequestMessage Request(string method, string url, HttpContent? content)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url) { Content = content };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", Guid.NewGuid().ToString("N"));
        request.Headers.TryAddWithoutValidation("X-Api-Key", f.ApiKey);
        request.Headers.TryAddWithoutValidation("X-Monitoring-Secret", f.Secret);
        return request;
    }

    /// <summary>The path with its parameters filled by real ids (so the route reaches real rows), or by <paramref name="hostile"/>.</summary>
    private string Fill(RouteOperation op, string? hostile = null)
    {
        var path = op.Path;
        foreach (var p in op.Parameters.Where(p => p.In == "path"))
        {
            var value = hostile ?? p.Name switch
            {
                "id" when op.Path.Contains("/shifts/") => f.ShiftId.ToString(CultureInfo.InvariantCulture),
                "id" when op.Path.Contains("/devices/") => f.Device,
                "id" when op.Path.StartsWith("/open311/v2/requests/") => "GC-1",
                "id" => f.CaseId.ToString(CultureInfo.InvariantCulture),
                "format" => "json",
                "kind" => f.Kind,
                "code" => op.Path.Contains("services") ? TestCatalogue.Component : f.World.Cells[0],
                "token" => Guid.NewGuid().ToString(),
                "sha" => new string('a', 64),
                _ => "x",
            };
            path = path.Replace("{" + p.Name + "}", Uri.EscapeDataString(value));
        }
        return path;
    }

    /// <summary>Sends one request; a 5xx or a refusal that changed a row is a failure.</summary>
    private async Task<string?> SendAsync(string what, bool anonymous, HttpRequestMessage request, List<string> failures)
    {
        var before = await f.RowChangesAsync();
        HttpResponseMessage response;
        try
        {
            response = await Client(anonymous).SendAsync(request);
        }
        catch (HttpRequestException e)
        {
            failures.Add($"{what}: connection failed ({e.Message})");
            return null;
        }
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync();
        if (status >= 500) failures.Add($"{what}: {status} {body[..Math.Min(body.Length, 300)]}");
        else if (status >= 400 && await f.RowChangesAsync() != before)
            failures.Add($"{what}: refused with {status} but rows changed");
        return body;
    }

    /// <summary>Every operation but sign-out, which would end the session the walk runs in (it takes no input).</summary>
    private IEnumerable<RouteOperation> Operations => f.Routes.Operations.Where(o => o.ToString() != "POST /api/auth/logout");

    [Fact]
    public async Task The_OpenAPI_document_lists_the_routes_this_suite_must_walk()
    {
        // If the document shrank (a group lost its description), the walks below would prove little.
        Assert.True(f.Routes.Operations.Count >= 60, $"Only {f.Routes.Operations.Count} operations in /openapi/v1.json");
        foreach (var route in new[] { "POST /api/cases", "GET /api/field/patrol/shifts/{id}/track", "POST /open311/v2/requests.{format}", "POST /api/auth/login",
                     "POST /api/monitoring/alarms/{kind}", "GET /api/stats/indicators", "POST /api/hotline/tickets" })
            Assert.Contains(route, Operations.Select(o => o.ToString()));
    }

    [Fact]
    public async Task Hostile_query_values_on_every_route_never_give_5xx_and_refusals_change_nothing()
    {
        var failures = new List<string>();
        foreach (var op in Operations)
        {
            var query = op.Parameters.Where(p => p.In == "query").ToList();
            foreach (var p in query)
            {
                foreach (var (name, value) in HostileText)
                {
                    var url = Fill(op) + "?" + p.Name + "=" + (name == "bad percent" ? value : Uri.EscapeDataString(value));
                    await SendAsync($"{op} ?{p.Name}={name}", false, Request(op.Method, url, Body(op)), failures);
                }
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Hostile_path_values_on_every_route_never_give_5xx_and_refusals_change_nothing()
    {
        var failures = new List<string>();
        foreach (var op in Operations.Where(o => o.Parameters.Any(p => p.In == "path")))
        {
            foreach (var (name, value) in HostileText.Where(h => h.Name is not ("bad percent")))
            {
                await SendAsync($"{op} path={name}", false, Request(op.Method, Fill(op, value), Body(op)), failures);
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>A plain, acceptable body for a route (so query and path variants are judged on their own).</summary>
    private HttpContent? Body(RouteOperation op) =>
        op.BodySchema is { } schema ? new StringContent(f.Routes.BuildJson(schema, Leaf("\"x\"", "1", "\"2026-11-01T00:00:00Z\"")), Encoding.UTF8, "application/json") : null;

    [Fact]
    public async Task Hostile_JSON_bodies_on_every_route_never_give_5xx_and_refusals_change_nothing()
    {
        var failures = new List<string>();
        foreach (var op in Operations.Where(o => o.BodySchema is not null || o.Method is "POST" or "PUT"))
        {
            var url = Fill(op);
            foreach (var (name, leaf) in HostileBodies)
            {
                var json = op.BodySchema is { } schema ? f.Routes.BuildJson(schema, leaf) : "{\"note\":" + leaf("string", null) + "}";
                await SendAsync($"{op} body={name}", false, Request(op.Method, url, new StringContent(json, Encoding.UTF8, "application/json")), failures);
            }
            foreach (var (name, body) in Malformed)
            {
                await SendAsync($"{op} body={name}", false, Request(op.Method, url, new StringContent(body, Encoding.UTF8, "application/json")), failures);
            }
            var utf7 = new StringContent(op.BodySchema is { } s ? f.Routes.BuildJson(s, Leaf("\"+ADw-script+AD4-\"", "1", "\"2026-11-01T00:00:00Z\"")) : "{}");
            utf7.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=utf-7");
            await SendAsync($"{op} charset=utf-7", false, Request(op.Method, url, utf7), failures);
            var latin = new ByteArrayContent([0x7B, 0x22, 0x6E, 0x22, 0x3A, 0x22, 0xE9, 0xFF, 0x22, 0x7D]);
            latin.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json");
            await SendAsync($"{op} invalid UTF-8", false, Request(op.Method, url, latin), failures);
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Anonymous_routes_refuse_hostile_input_without_5xx_in_their_own_formats()
    {
        var failures = new List<string>();
        var (lat, lon) = f.World.Inside(0);
        foreach (var (name, value) in HostileText)
        {
            // Sign-in (JSON and form), the Open311 POST (form, both formats), the alarm webhook (JSON and XML), the hotline push.
            await SendAsync($"login {name}", true, Request("POST", "/api/auth/login",
                new StringContent(JsonSerializer.Serialize(new { username = value, password = value }), Encoding.UTF8, "application/json")), failures);
            foreach (var format in new[] { "json", "xml" })
            {
                var form = new Dictionary<string, string>
                {
                    ["api_key"] = f.ApiKey, ["service_code"] = TestCatalogue.LightEvent, ["lat"] = F(lat), ["long"] = F(lon),
                    ["description"] = value, ["first_name"] = value, ["address_string"] = value, ["email"] = value, ["phone"] = value, ["device_id"] = value,
                };
                var body = await SendAsync($"open311 POST .{format} {name}", true, Request("POST", $"/open311/v2/requests.{format}", new FormUrlEncodedContent(form)), failures);
                if (body is not null && name is "NUL" or "control" && !(format == "xml" ? body.Contains("<errors>") : body.TrimStart().StartsWith('[')))
                    failures.Add($"open311 POST .{format} {name}: the refusal is not the spec's error list: {body[..Math.Min(200, body.Length)]}");
                foreach (var p in new[] { "start_date", "end_date", "service_request_id", "status", "service_code", "jurisdiction_id" })
                    await SendAsync($"open311 GET .{format} {p}={name}", true, Request("GET", $"/open311/v2/requests.{format}?{p}={Uri.EscapeDataString(value)}", null), failures);
            }
            await SendAsync($"alarm JSON {name}", true, Request("POST", $"/api/monitoring/alarms/{f.Kind}",
                new StringContent(JsonSerializer.Serialize(new { deviceId = f.Device, alarmType = value, message = value }), Encoding.UTF8, "application/json")), failures);
            await SendAsync($"alarm XML {name}", true, Request("POST", $"/api/monitoring/alarms/{f.Kind}",
                new StringContent($"<alarm><deviceId>{f.Device}</deviceId><alarmType>{System.Security.SecurityElement.Escape(value)}</alarmType><message>&#0;</message></alarm>", Encoding.UTF8, "application/xml")), failures);
            await SendAsync($"culture {name}", true, Request("GET", $"/culture?c=en&returnUrl={Uri.EscapeDataString(value)}", null), failures);
        }
        foreach (var unsafeUrl in new[] { "/\\evil.example", "//evil.example", "https://evil.example/", "/\\/evil.example", "\\\\evil.example" })
        {
            var response = await f.Server.Anonymous().GetAsync($"/culture?c=en&returnUrl={Uri.EscapeDataString(unsafeUrl)}");
            if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString != "/")
                failures.Add($"culture returnUrl={unsafeUrl}: {(int)response.StatusCode} to {response.Headers.Location}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Offset_dates_are_read_as_the_instant_they_name()
    {
        // 2026-11-01T00:00:00+08:00 is 2026-10-31T16:00:00Z: a list "to" it excludes a case made now, "from" it includes it.
        var client = f.Everyone.Client;
        var later = await TestWorld.ReadAsync<global::Grid.Server.Incidents.CasePage>(await client.GetAsync(
            $"/api/cases?street={f.World.Street}&from={Uri.EscapeDataString("2026-01-01T00:00:00+08:00")}&to={Uri.EscapeDataString("2099-01-01T00:00:00-05:00")}"));
        Assert.Contains(later.Items, c => c.Id == f.CaseId);
        var earlier = await TestWorld.ReadAsync<global::Grid.Server.Incidents.CasePage>(await client.GetAsync(
            $"/api/cases?street={f.World.Street}&to={Uri.EscapeDataString("2026-01-01T00:00:00+08:00")}"));
        Assert.DoesNotContain(earlier.Items, c => c.Id == f.CaseId);
        var far = await client.GetAsync($"/api/cases?from={Uri.EscapeDataString("9999-12-31T23:59:59+14:00")}");
        Assert.Equal(HttpStatusCode.BadRequest, far.StatusCode);
        Assert.Contains("between 2000-01-01 and 2100-01-01", await far.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_page_past_the_end_and_a_NaN_radius_are_refused_with_a_reason()
    {
        var client = f.Everyone.Client;
        var page = await client.GetAsync("/api/cases?page=2147483647&pageSize=200");
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("'page'", await page.Content.ReadAsStringAsync());
        var (lat, lon) = f.World.Inside(0);
        var nan = await client.GetAsync($"/api/cases/nearby?lat={F(lat)}&lon={F(lon)}&category={TestCatalogue.LightEvent}&radius=NaN");
        Assert.Equal(HttpStatusCode.BadRequest, nan.StatusCode);
        Assert.Contains("radius", await nan.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_NUL_anywhere_is_refused_with_a_message_that_names_the_place()
    {
        var body = await f.Everyone.Client.PostAsync("/api/cases", new StringContent("{\"description\":\"a\\u0000b\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, body.StatusCode);
        Assert.Contains("U+0000", await body.Content.ReadAsStringAsync());
        var login = await f.Server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = "a\u0000", password = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, login.StatusCode);
        var charset = new StringContent("{}", Encoding.UTF8);
        charset.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=utf-7");
        var utf7 = await f.Everyone.Client.PostAsync("/api/cases", charset);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, utf7.StatusCode);
        Assert.Contains("UTF-8", await utf7.Content.ReadAsStringAsync());
    }

    private static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
}
