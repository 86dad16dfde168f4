using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Grid;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Grid;

public sealed class RoutingTests
{
    private static async Task<LocateResponse> LocateAsync(HttpClient client, double lat, double lon) =>
        await TestWorld.ReadAsync<LocateResponse>(await client.GetAsync($"/api/locate?lat={lat}&lon={lon}"));

    [Fact]
    public async Task A_point_inside_a_cell_resolves_to_that_cell_with_its_team()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[4]);
        var (lat, lon) = world.Inside(4, 0.3, 0.7);
        var located = await LocateAsync(worker.Client, lat, lon);
        Assert.Equal(world.Cells[4], located.Code);
        Assert.Equal("inside", located.Match);
        Assert.Contains(located.Team, m => m.PersonId == worker.Id && m.Role == "grid_worker");
    }

    [Fact]
    public async Task A_point_on_a_shared_border_resolves_to_exactly_one_cell_every_time()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync([Role.Operator], []);
        // The border between cell 0 and cell 1 (same row), and the corner shared by cells 0, 1, 3 and 4.
        var border = (Lat: world.North(0) - TestWorld.CellDeg / 2, Lon: world.West(1));
        var corner = (Lat: world.North(3), Lon: world.West(4));
        foreach (var (lat, lon) in new[] { border, corner })
        {
            var first = await LocateAsync(user.Client, lat, lon);
            var second = await LocateAsync(user.Client, lat, lon);
            Assert.Equal("border", first.Match);
            Assert.Equal(world.Cells[0], first.Code);
            Assert.Equal(first.Code, second.Code);
        }
        // A report at the border lands in that same cell.
        var report = await user.Client.PostAsJsonAsync("/api/cases", new { lat = border.Lat, lon = border.Lon, categoryCode = TestCatalogue.LightEvent, description = "On the border" });
        Assert.Equal(world.Cells[0], (await TestWorld.ReadAsync<CaseView>(report, HttpStatusCode.Created)).CellCode);
    }

    [Fact]
    public async Task A_point_just_outside_the_grid_goes_to_the_nearest_cell()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync([Role.Operator], []);
        // About 50 m east of the east edge of cell 2 (the last column of the first row).
        var lon = world.West(2) + TestWorld.CellDeg + 0.0005;
        var lat = world.North(2) - TestWorld.CellDeg / 2;
        var located = await LocateAsync(user.Client, lat, lon);
        Assert.Equal(world.Cells[2], located.Code);
        Assert.Equal("nearest", located.Match);
        Assert.InRange(located.DistanceMeters, 30, 80);
    }

    [Fact]
    public async Task A_point_too_far_from_every_cell_is_refused_and_no_case_is_stored()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync([Role.Operator], []);
        // 0.01 degrees (about 1 km) east of the block: beyond the 150 m the test server allows.
        var lon = world.West(2) + 0.011;
        var lat = world.North(2) - TestWorld.CellDeg / 2;
        var located = await user.Client.GetAsync($"/api/locate?lat={lat}&lon={lon}");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, located.StatusCode);
        Assert.Contains("not in any grid cell", await located.Content.ReadAsStringAsync());

        var report = await user.Client.PostAsJsonAsync("/api/cases", new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Far away" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, report.StatusCode);
        var mine = await TestWorld.ReadAsync<CasePage>(await user.Client.GetAsync($"/api/cases?q=Far%20away&bbox={lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"));
        Assert.Equal(0, mine.Total);
    }

    [Fact]
    public async Task Dispatch_suggests_the_on_duty_worker_with_the_fewest_open_cases()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var busy = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var free = await world.PersonAsync([Role.GridWorker], [world.Cells[1]]);
        var op = await world.PersonAsync([Role.Operator], []);
        // busy now holds the grid-worker post of cell 0 and has an open case.
        var first = await world.ReportAsync(op, 0);
        await op.StepOkAsync(first.Id, "register");
        Assert.Equal(busy.Id, (await op.StepOkAsync(first.Id, "dispatch")).AssigneeId);
        // cell 1's worker has none; a case in cell 1 goes to him.
        var second = await world.ReportAsync(op, 1);
        await op.StepOkAsync(second.Id, "register");
        var suggestion = await TestWorld.ReadAsync<DispatchSuggestionView>(await op.Client.GetAsync($"/api/cases/{second.Id}/dispatch-suggestion"));
        Assert.Equal(free.Id, suggestion.AssigneeId);
        Assert.Equal(TestCatalogue.Unit, suggestion.UnitId);
    }

    [Fact]
    public async Task A_deactivated_post_holder_is_never_suggested_and_the_next_rule_applies()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[2]);
        var op = await world.PersonAsync([Role.Operator], []);
        var admin = await world.PersonAsync([Role.Admin], []);
        var c = await world.ReportAsync(op, 2);
        await op.StepOkAsync(c.Id, "register");
        var before = await TestWorld.ReadAsync<DispatchSuggestionView>(await op.Client.GetAsync($"/api/cases/{c.Id}/dispatch-suggestion"));
        Assert.Equal(worker.Id, before.AssigneeId);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{worker.Id}/deactivate", null)).StatusCode);
        var after = await TestWorld.ReadAsync<DispatchSuggestionView>(await op.Client.GetAsync($"/api/cases/{c.Id}/dispatch-suggestion"));
        Assert.Equal(head.Id, after.AssigneeId);
    }

    private sealed record DispatchSuggestionView(string UnitId, Guid? AssigneeId, string? AssigneeName, DateTimeOffset Deadline);
}

public sealed class CellQueryTests
{
    [Fact]
    public async Task Cells_come_as_geojson_within_the_box_and_one_cell_comes_with_its_team_and_load()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await world.ReportAsync(worker, 0);
        var box = $"{world.West(0) - 0.0001},{world.North(3) - 0.0005},{world.West(1) + 0.0005},{world.North(0) + 0.0001}";
        var collection = await TestWorld.ReadAsync<System.Text.Json.JsonElement>(await head.Client.GetAsync($"/api/cells?bbox={box}"));
        Assert.Equal("FeatureCollection", collection.GetProperty("type").GetString());
        var codes = collection.GetProperty("features").EnumerateArray().Select(f => f.GetProperty("properties").GetProperty("code").GetString()).ToList();
        Assert.Equal([world.Cells[0], world.Cells[1], world.Cells[3], world.Cells[4]], codes);
        var first = collection.GetProperty("features")[0];
        Assert.Equal("MultiPolygon", first.GetProperty("geometry").GetProperty("type").GetString());
        Assert.Equal(1, first.GetProperty("properties").GetProperty("openCases").GetInt32());

        var cell = await TestWorld.ReadAsync<CellDetail>(await head.Client.GetAsync($"/api/cells/{world.Cells[0]}"));
        Assert.Equal(world.Street, cell.StreetCode);
        Assert.InRange(cell.AreaM2, 9_000, 12_500);
        Assert.Equal(["grid_head", "grid_worker"], cell.Team.Select(t => t.Role));
        Assert.Equal(HttpStatusCode.NotFound, (await head.Client.GetAsync("/api/cells/999999999999999")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await head.Client.GetAsync("/api/cells?bbox=1,2,3")).StatusCode);
    }
}
