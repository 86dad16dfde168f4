using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Intake;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Incidents;

public sealed class ReportTests
{
    private static async Task<long> CasesInCellAsync(TestServer server, string cell)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("select count(*) from cases where cell_code = @Cell", new { Cell = cell });
    }

    [Fact]
    public async Task A_report_answers_201_with_its_location_and_the_first_history_entry()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var (lat, lon) = world.Inside(0);
        var response = await worker.Client.PostAsJsonAsync("/api/cases", new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Bags of garbage by the gate", address = "Gate 3" });
        var created = await TestWorld.ReadAsync<CaseView>(response, HttpStatusCode.Created);
        Assert.Equal($"/api/cases/{created.Id}", response.Headers.Location!.OriginalString);
        Assert.Equal("field", created.Source);
        Assert.Matches("^[0-9]{14}$", created.CaseNo);
        var history = Assert.Single(created.History!);
        Assert.Equal("report", history.Action);
        Assert.Equal(worker.Id, history.ActorId);
        Assert.Equal(created.Id, (await worker.GetCaseAsync(created.Id)).Id);
    }

    /// <summary>
    /// The 201 of a new case is built from what its insert returned (no second read), and of a flagged or replayed
    /// report from a read; each must say exactly what GET /api/cases/{id} says to the same person, whatever the role,
    /// source, reporter details and whether the reporter serves the cell.
    /// </summary>
    [Fact]
    public async Task The_201_of_a_report_says_exactly_what_reading_the_case_says()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var outsider = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);

        async Task<JsonElement> SameAsGetAsync(TestUser who, object body, string? key = null, bool flagged = false)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = JsonContent.Create(body) };
            if (key is not null) request.Headers.Add("Idempotency-Key", key);
            var response = await who.Client.SendAsync(request);
            var posted = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, posted);
            Assert.Equal(flagged, response.Headers.Contains("Likely-Duplicates"));
            var created = JsonDocument.Parse(posted).RootElement;
            var read = await who.Client.GetAsync(response.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            var got = JsonDocument.Parse(await read.Content.ReadAsStringAsync()).RootElement;
            Assert.True(JsonElement.DeepEquals(created, got), $"POST answered\n{posted}\nGET answered\n{got}");
            return created;
        }

        var (lat, lon) = world.Inside(1);
        // A grid worker of the cell (he serves it: his actions say so), with an address.
        var own = await SameAsGetAsync(worker, new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Own cell", address = "No. 5" });
        Assert.Equal("report", Assert.Single(own.GetProperty("history").EnumerateArray()).GetProperty("action").GetString());
        Assert.Equal(worker.Id, own.GetProperty("history")[0].GetProperty("actorId").GetGuid());
        Assert.False(string.IsNullOrEmpty(own.GetProperty("history")[0].GetProperty("actorName").GetString()));
        // A grid worker reporting in a cell he does not serve, a component, urgent.
        var (lat2, lon2) = world.Inside(3);
        await SameAsGetAsync(outsider, new { lat = lat2, lon = lon2, categoryCode = TestCatalogue.Component, description = "Not my cell", priority = "urgent" });
        // The command center files a hotline call with the caller's name and phone.
        var (lat3, lon3) = world.Inside(4);
        var call = await SameAsGetAsync(op, new { lat = lat3, lon = lon3, categoryCode = TestCatalogue.LightEvent, description = "Caller says",
            source = "hotline", reporterName = "钱七", reporterPhone = "13900001111" }, key: Guid.NewGuid().ToString());
        Assert.Equal("hotline", call.GetProperty("source").GetString());
        // The same spot again: flagged as a likely duplicate, answered from a read (its history has the flag).
        var again = await SameAsGetAsync(worker, new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Own cell again" }, flagged: true);
        Assert.Equal(["report", IntakeService.FlagHistoryAction],
            again.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("action").GetString()!).ToArray());
        // A replay of the hotline call's key: the earlier case, read again.
        var key = Guid.NewGuid().ToString();
        var (lat4, lon4) = world.Inside(5);
        var body = new { lat = lat4, lon = lon4, categoryCode = TestCatalogue.Component, description = "Twice", source = "hotline" };
        var first = await SameAsGetAsync(op, body, key);
        var replay = await SameAsGetAsync(op, body, key);
        Assert.Equal(first.GetProperty("id").GetInt64(), replay.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task A_retried_report_with_the_same_idempotency_key_creates_one_case()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[3]);
        var (lat, lon) = world.Inside(3);
        var body = new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Retry me" };
        var key = Guid.NewGuid().ToString();

        async Task<HttpResponseMessage> Send()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases") { Content = JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            return await worker.Client.SendAsync(request);
        }

        // Five retries, some at the same moment, as a phone on a bad network would send them.
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Send()));
        var ids = new HashSet<long>();
        foreach (var r in responses) ids.Add((await TestWorld.ReadAsync<CaseView>(r, HttpStatusCode.Created)).Id);
        Assert.Single(ids);
        Assert.Equal(1, await CasesInCellAsync(server, world.Cells[3]));
        Assert.Equal(4, responses.Count(r => r.Headers.Contains("Idempotent-Replayed")));

        // The same key for a different report is refused, not silently mapped to the first case.
        var other = new HttpRequestMessage(HttpMethod.Post, "/api/cases")
        {
            Content = JsonContent.Create(new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Something else" }),
        };
        other.Headers.Add("Idempotency-Key", key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await worker.Client.SendAsync(other)).StatusCode);
        Assert.Equal(1, await CasesInCellAsync(server, world.Cells[3]));
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { """{"lat": 31.9, "lon": 120.28, "categoryCode": "E9901", "description": "x"}""", "outside the city" },
        { """{"lat": "north", "lon": 100.1, "categoryCode": "E9901", "description": "x"}""", "wrong type" },
        { """{"lat": 25.0, "lon": 105.0, "categoryCode": "E9901", "description": "x" """, "not valid JSON" },
        { """{"lat": 25.0, "lon": 105.0, "categoryCode": "X0000", "description": "x"}""", "no category" },
        { """{"lat": 25.0, "lon": 105.0, "categoryCode": "E9901"}""", "description" },
        { """{"lat": 25.0, "lon": 105.0, "categoryCode": "E9901", "description": "LONG"}""", "at most 2000" },
        { """{"lat": 25.0, "lon": 105.0, "categoryCode": "E9901", "description": "x", "priority": "asap"}""", "normal or urgent" },
        { """{"lat": 95.0, "lon": 105.0, "categoryCode": "E9901", "description": "x"}""", "between -90 and 90" },
        { """{"lon": 105.0, "categoryCode": "E9901", "description": "x"}""", "'lat'" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_input_gets_400_with_a_message_and_stores_nothing(string json, string expected)
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        // Point the valid coordinates at this test's own cell.
        var (lat, lon) = world.Inside(0);
        json = json.Replace("25.0", lat.ToString(System.Globalization.CultureInfo.InvariantCulture))
                   .Replace("105.0", lon.ToString(System.Globalization.CultureInfo.InvariantCulture))
                   .Replace("\"LONG\"", "\"" + new string('x', 2001) + "\"");
        var response = await worker.Client.PostAsync("/api/cases", new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(expected, problem.GetProperty("detail").GetString());
        Assert.Equal(0, await CasesInCellAsync(server, world.Cells[0]));
    }

    [Fact]
    public async Task The_case_list_filters_by_state_cell_text_and_pages()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0], world.Cells[1]);
        var a = await world.ReportAsync(worker, 0);
        var b = await world.ReportAsync(worker, 1);
        var c = await world.ReportAsync(worker, 1);
        await op.StepOkAsync(c.Id, "register");

        async Task<CasePage> Page(string query) => await TestWorld.ReadAsync<CasePage>(await op.Client.GetAsync("/api/cases?" + query));

        Assert.Equal([c.Id, b.Id], (await Page($"cell={world.Cells[1]}")).Items.Select(i => i.Id));
        Assert.Equal([b.Id], (await Page($"cell={world.Cells[1]}&state=reported")).Items.Select(i => i.Id));
        Assert.Equal([c.Id, b.Id, a.Id], (await Page($"street={world.Street}")).Items.Select(i => i.Id));
        var paged = await Page($"street={world.Street}&pageSize=2&page=2");
        Assert.Equal(3, paged.Total);
        Assert.Equal([a.Id], paged.Items.Select(i => i.Id));
        Assert.Equal([a.Id], (await Page($"q={a.CaseNo}")).Items.Select(i => i.Id));
        Assert.Equal(HttpStatusCode.BadRequest, (await op.Client.GetAsync("/api/cases?state=lost")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.Client.GetAsync("/api/cases?pageSize=1000")).StatusCode);
    }
}

public sealed class NearbyTests
{
    [Fact]
    public async Task Nearby_lists_open_cases_of_the_same_category_within_the_radius_nearest_first()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0], world.Cells[1], world.Cells[2]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var here = await world.ReportAsync(worker, 0);
        var otherCategory = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        var farAway = await world.ReportAsync(worker, 2);            // about 200 m east
        var closed = await world.ReportAsync(worker, 0);
        await worker.StepOkAsync(closed.Id, "self-handle");
        await inspector.StepOkAsync(closed.Id, "verify");

        var (lat, lon) = world.Inside(0, 0.6, 0.5);                   // about 10 m from the first report
        var nearby = await TestWorld.ReadAsync<List<CaseView>>(await worker.Client.GetAsync(
            $"/api/cases/nearby?lat={lat}&lon={lon}&category={TestCatalogue.LightEvent}&radius=50"));
        Assert.Equal([here.Id], nearby.Select(c => c.Id));
        Assert.DoesNotContain(nearby, c => c.Id == otherCategory.Id || c.Id == farAway.Id || c.Id == closed.Id);
        Assert.Equal(HttpStatusCode.BadRequest, (await worker.Client.GetAsync($"/api/cases/nearby?lat={lat}&lon={lon}")).StatusCode);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("0")]
    [InlineData("2001")]
    public async Task Nearby_refuses_a_radius_that_is_no_distance_naming_the_radius(string radius)
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var (lat, lon) = world.Inside(0);
        var response = await worker.Client.GetAsync($"/api/cases/nearby?lat={lat}&lon={lon}&category={TestCatalogue.LightEvent}&radius={radius}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"radius={radius}: {(int)response.StatusCode} {body}");
        Assert.Contains("radius", body);
    }
}

public sealed class ListFilterTests
{
    [Fact]
    public async Task Overdue_assignee_bbox_and_date_filters_select_the_right_cases()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0], world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var late = await world.ReportAsync(worker, 0);
        var onTime = await world.ReportAsync(worker, 1);
        foreach (var c in new[] { late, onTime })
        {
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        }
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "update cases set deadline = now() - interval '1 hour' where id = @Id", new { late.Id });
        }

        async Task<long[]> Ids(TestUser user, string query) =>
            (await TestWorld.ReadAsync<CasePage>(await user.Client.GetAsync($"/api/cases?street={world.Street}&{query}"))).Items.Select(i => i.Id).ToArray();

        Assert.Equal([late.Id], await Ids(op, "overdue=true"));
        Assert.Equal([onTime.Id], await Ids(op, "overdue=false"));
        Assert.Equal([onTime.Id, late.Id], await Ids(worker, "assignee=me"));
        var lateView = await op.GetCaseAsync(late.Id);
        Assert.True(lateView.Clock.Overdue);
        var box = $"{world.West(0)},{world.North(0) - TestWorld.CellDeg},{world.West(0) + TestWorld.CellDeg},{world.North(0)}";
        Assert.Equal([late.Id], await Ids(op, $"bbox={box}"));
        var from = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddMinutes(5).ToString("O"));
        Assert.Empty(await Ids(op, $"from={from}"));
    }

    [Fact]
    public async Task Unit_staff_see_only_cases_sent_to_their_unit_and_can_accept_them()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var roadsStaff = await world.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.OtherUnit);
        var sanitationStaff = await world.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.Unit);
        var c = await world.ReportAsync(worker, 0, TestCatalogue.Component);   // default unit: roads
        await op.StepOkAsync(c.Id, "register");
        Assert.Equal(HttpStatusCode.Forbidden, (await roadsStaff.Client.GetAsync($"/api/cases/{c.Id}")).StatusCode);
        await op.StepOkAsync(c.Id, "dispatch");

        Assert.Equal(HttpStatusCode.Forbidden, (await sanitationStaff.Client.GetAsync($"/api/cases/{c.Id}")).StatusCode);
        var list = await TestWorld.ReadAsync<CasePage>(await roadsStaff.Client.GetAsync($"/api/cases?street={world.Street}"));
        Assert.Equal([c.Id], list.Items.Select(i => i.Id));
        Assert.Contains("accept", (await roadsStaff.GetCaseAsync(c.Id)).Actions);
        Assert.Equal("in_progress", (await roadsStaff.StepOkAsync(c.Id, "accept")).State);
    }
}
