using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Grid;

public sealed class ImportTests
{
    private static object Square(string code, double west, double north, double size = TestWorld.CellDeg) => new
    {
        type = "Feature",
        properties = new { code, name = "Imported " + code },
        geometry = new
        {
            type = "Polygon",
            coordinates = new[] { new[] {
                new[] { west, north }, new[] { west + size, north }, new[] { west + size, north - size },
                new[] { west, north - size }, new[] { west, north } } },
        },
    };

    private static async Task<long> CountCellsAsync(TestServer server, string prefix)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("select count(*) from grid_cells where code like @P || '%'", new { P = prefix });
    }

    [Fact]
    public async Task Valid_cells_are_imported_and_can_be_located()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        // Two new cells east of the existing one, touching it and each other.
        var west = world.West(0) + TestWorld.CellDeg;
        var body = new { type = "FeatureCollection", features = new[]
        {
            Square(world.Community + "101", west, world.OriginLat),
            Square(world.Community + "102", west + TestWorld.CellDeg, world.OriginLat),
        } };
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(3, await CountCellsAsync(server, world.Community));
        var located = await admin.Client.GetFromJsonAsync<JsonElement>($"/api/locate?lat={world.OriginLat - 0.0005}&lon={west + TestWorld.CellDeg * 1.5}");
        Assert.Equal(world.Community + "102", located.GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_import_with_overlaps_and_bad_codes_is_rejected_whole_with_every_problem_listed()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var west = world.West(0);
        var body = new { type = "FeatureCollection", features = new[]
        {
            Square(world.Community + "201", west + 0.01, world.OriginLat),                    // fine on its own
            Square(world.Community + "202", west + TestWorld.CellDeg / 2, world.OriginLat),    // overlaps the existing cell
            Square(world.Community + "203", west + 0.02, world.OriginLat),
            Square(world.Community + "204", west + 0.02 + TestWorld.CellDeg / 2, world.OriginLat), // overlaps feature 3
            Square("12345", west + 0.03, world.OriginLat),                                    // bad code
            Square(world.Community + "01", west + 0.04, world.OriginLat),                     // 14-digit legacy code
        } };
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("12345", text);
        Assert.Contains("14-digit", text);
        Assert.Equal(1, await CountCellsAsync(server, world.Community));

        // With the codes fixed, the overlaps are still reported, all of them, and still nothing is stored.
        var fixedCodes = new { type = "FeatureCollection", features = body.features.Take(4).ToArray() };
        var second = await admin.Client.PostAsJsonAsync("/api/cells/import", fixedCodes);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        var problems = await second.Content.ReadFromJsonAsync<JsonElement>();
        var messages = problems.GetProperty("errors").EnumerateObject().SelectMany(e => e.Value.EnumerateArray()).Select(m => m.GetString()!).ToList();
        Assert.Contains(messages, m => m.Contains("overlaps existing cell " + world.Cells[0]));
        Assert.Contains(messages, m => m.Contains("overlaps feature 3"));
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task An_invalid_polygon_is_reported_with_the_reason()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var w = world.West(0) + 0.05;
        var n = world.OriginLat;
        var bowtie = new
        {
            type = "Feature", properties = new { code = world.Community + "301", name = "Bow tie" },
            geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { w, n }, new[] { w + 0.001, n - 0.001 }, new[] { w + 0.001, n }, new[] { w, n - 0.001 }, new[] { w, n } } } },
        };
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features = new[] { bowtie } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Self-intersection", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task Only_an_administrator_may_import_cells()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var op = await world.PersonAsync([Role.Operator], []);
        var response = await op.Client.PostAsJsonAsync("/api/cells/import",
            new { type = "FeatureCollection", features = new[] { Square(world.Community + "401", world.West(0) + 0.06, world.OriginLat) } });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }
}
