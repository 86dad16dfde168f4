using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Dapper;
using Grid.Server.Tests.Infrastructure;
using static Grid.Server.Tests.Intake.IntakeHelpers;

namespace Grid.Server.Tests.Open311;

/// <summary>What third-party GeoReport v2 clients met: offset dates, unknown paths, unexpected failures, in both formats.</summary>
public sealed class Open311ErrorTests
{
    /// <summary>The spec's error list: &lt;errors&gt;&lt;error&gt;&lt;code/&gt;&lt;description/&gt; or [{"code","description"}], with the status as code.</summary>
    private static async Task AssertErrorListAsync(HttpResponseMessage response, string format, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        if (format == "xml")
        {
            Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
            var error = Assert.Single(XDocument.Parse(body).Root!.Elements("error"));
            Assert.Equal("errors", error.Parent!.Name.LocalName);
            Assert.Equal(((int)status).ToString(), error.Element("code")!.Value);
            Assert.False(string.IsNullOrWhiteSpace(error.Element("description")!.Value));
        }
        else
        {
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var error = Assert.Single(JsonDocument.Parse(body).RootElement.EnumerateArray());
            Assert.Equal((int)status, error.GetProperty("code").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("description").GetString()));
        }
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("json")]
    public async Task Offset_dates_select_the_instants_they_name(string format)
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var key = await IssueKeyAsync(world);
        var (lat, lon) = world.Inside(0);
        var posted = await server.Anonymous().PostAsync($"/open311/v2/requests.json", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key, ["service_code"] = TestCatalogue.LightEvent, ["lat"] = F(lat), ["long"] = F(lon), ["description"] = "Offset dates",
        }));
        var id = (await TestWorld.ReadAsync<JsonElement>(posted, HttpStatusCode.Created))[0].GetProperty("service_request_id").GetString()!;
        var now = DateTimeOffset.UtcNow;
        // The same window written in three offsets: each must find the request.
        foreach (var offset in new[] { TimeSpan.FromHours(8), TimeSpan.FromHours(-5), TimeSpan.Zero })
        {
            var start = Uri.EscapeDataString(now.AddHours(-1).ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
            var end = Uri.EscapeDataString(now.AddHours(1).ToOffset(offset).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
            var response = await server.Anonymous().GetAsync($"/open311/v2/requests.{format}?start_date={start}&end_date={end}&service_code={TestCatalogue.LightEvent}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{offset}: {(int)response.StatusCode} {body}");
            Assert.Contains(id, body);
        }
        // A window that ends, in +08:00, before the request was made does not find it.
        var before = Uri.EscapeDataString(now.AddHours(-1).ToOffset(TimeSpan.FromHours(8)).ToString("yyyy-MM-dd'T'HH:mm:sszzz"));
        var earlier = await server.Anonymous().GetAsync($"/open311/v2/requests.{format}?end_date={before}&service_code={TestCatalogue.LightEvent}");
        var earlierBody = await earlier.Content.ReadAsStringAsync();
        Assert.True(earlier.StatusCode == HttpStatusCode.OK, $"{(int)earlier.StatusCode} {earlierBody}");
        Assert.DoesNotContain(id, earlierBody);
        await AssertErrorListAsync(await server.Anonymous().GetAsync($"/open311/v2/requests.{format}?start_date=9999-12-31T00:00:00%2B14:00"), format, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("GET", "/open311/v2/servicerequestupdates.xml", "xml")]
    [InlineData("GET", "/open311/v2/servicerequestupdates.json", "json")]
    [InlineData("GET", "/open311/v2/requests", "json")]
    [InlineData("GET", "/open311/v2/services", "json")]
    [InlineData("POST", "/open311/v2/nothing/here.xml", "xml")]
    [InlineData("GET", "/open311/v2/", "json")]
    public async Task Unknown_paths_are_the_specs_404_not_the_sign_in_page(string method, string path, string format)
    {
        var server = await TestServer.SharedAsync();
        var response = await server.Anonymous().SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        await AssertErrorListAsync(response, format, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("json")]
    public async Task An_unexpected_failure_is_still_the_specs_error_list_in_the_requested_format(string format)
    {
        var server = await TestServer.SharedAsync();
        // A service whose definition in the database is broken (a list value without its key): reading it fails.
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                insert into categories (code, kind, major_code, minor_code, major_name_zh, major_name_en, name_zh, name_en,
                                        limit_value, limit_unit, urgent_limit_value, urgent_limit_unit, default_unit_id, handler_role, self_handle_allowed)
                values ('E9899', 'event', '98', '99', '测试', 'Test', '坏定义', 'Broken definition', 1, 'working_days', 1, 'working_hours', 'test_sanitation', 'grid_worker', false)
                on conflict do nothing;
                insert into category_attributes (category_code, code, variable, datatype, required, sort_order, description, "values")
                values ('E9899', 'BROKEN', true, 'singlevaluelist', false, 1, 'Broken', '[{"name":"no key"}]')
                on conflict do nothing;
                """);
        }
        var response = await server.Anonymous().GetAsync($"/open311/v2/services/E9899.{format}");
        await AssertErrorListAsync(response, format, HttpStatusCode.InternalServerError);
        Assert.DoesNotContain("KeyNotFound", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("xml")]
    [InlineData("json")]
    public async Task Refusals_of_the_input_guard_are_the_specs_error_list(string format)
    {
        var server = await TestServer.SharedAsync();
        var nul = await server.Anonymous().GetAsync($"/open311/v2/requests.{format}?service_code=a%00b");
        await AssertErrorListAsync(nul, format, HttpStatusCode.BadRequest);
        var form = new StringContent("api_key=x&service_code=E9901", System.Text.Encoding.UTF8);
        form.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/x-www-form-urlencoded; charset=utf-7");
        await AssertErrorListAsync(await server.Anonymous().PostAsync($"/open311/v2/requests.{format}", form), format, HttpStatusCode.UnsupportedMediaType);
    }
}
