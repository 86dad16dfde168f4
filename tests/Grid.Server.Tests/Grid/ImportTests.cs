using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Grid;
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
    [Fact]
    public async Task Coordinates_nested_one_level_too_deep_are_refused_with_400_naming_the_feature()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var w = world.West(0) + 0.07;
        var n = world.OriginLat;
        var ring = new[] { new[] { w, n }, new[] { w + 0.001, n }, new[] { w + 0.001, n - 0.001 }, new[] { w, n - 0.001 }, new[] { w, n } };
        var code = world.Community + "502";
        var tooDeep = new
        {
            type = "Feature", properties = new { code, name = "Too deep" },
            geometry = new { type = "Polygon", coordinates = new[] { new[] { ring } } },
        };
        var body = new { type = "FeatureCollection", features = new object[] { Square(world.Community + "501", w + 0.002, n), tooDeep } };
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        var message = Assert.Single(errors.GetProperty("features[2].geometry").EnumerateArray()).GetString()!;
        Assert.Contains($"Feature 2 ({code})", message);
        Assert.Contains("[[[lon, lat]", message);
        Assert.False(errors.TryGetProperty("features[1].geometry", out _), text);

        // The same one level too deep inside a MultiPolygon.
        var multi = new
        {
            type = "Feature", properties = new { code, name = "Too deep" },
            geometry = new { type = "MultiPolygon", coordinates = new[] { new[] { new[] { ring } } } },
        };
        var second = await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features = new object[] { multi } });
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains($"Feature 1 ({code})", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task An_import_over_the_size_bounds_is_refused_with_413_or_400_saying_what_to_do()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var w = world.West(0) + 0.08;
        var n = world.OriginLat;
        var tooMany = Enumerable.Range(0, GridEndpoints.MaxImportFeatures + 1)
            .Select(i => Square(world.Community + (i % 1000).ToString("D3"), w + i % 100 * 0.0001, n - i / 100 * 0.0001, 0.0001)).ToArray();
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features = tooMany });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.RequestEntityTooLarge, $"{(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}");
        Assert.Contains($"at most {GridEndpoints.MaxImportFeatures}", text);
        Assert.Contains("Split", text);

        // One feature with more positions than a cell boundary needs.
        var positions = GridEndpoints.MaxFeaturePositions + 1;
        var circle = Enumerable.Range(0, positions - 1)
            .Select(i => new[] { w + 0.0005 + 0.0004 * Math.Cos(2 * Math.PI * i / (positions - 1)), n - 0.0005 + 0.0004 * Math.Sin(2 * Math.PI * i / (positions - 1)) })
            .ToList();
        circle.Add(circle[0]);
        var code = world.Community + "601";
        var huge = new { type = "Feature", properties = new { code, name = "Traced" }, geometry = new { type = "Polygon", coordinates = new[] { circle.ToArray() } } };
        var second = await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features = new[] { huge } });
        var secondText = await second.Content.ReadAsStringAsync();
        Assert.True(second.StatusCode == HttpStatusCode.BadRequest, $"{(int)second.StatusCode}: {secondText}");
        Assert.Contains($"Feature 1 ({code}): more than {GridEndpoints.MaxFeaturePositions} positions", secondText);
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task A_large_import_reports_exactly_its_overlapping_pairs_and_then_imports_whole()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        // 2,400 cells of about 10 m in three communities, east of the world's own cell.
        var communities = new[] { world.Street + "101", world.Street + "102", world.Street + "103" };
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var c in communities)
                await conn.ExecuteAsync("insert into communities (code, street_code, name) values (@c, @s, 'Import community')", new { c, s = world.Street });
        }
        const double size = 0.0001;
        var w = world.West(0) + 0.01;
        var n = world.OriginLat;
        // Corners rounded to a fixed grid, so that neighbours share their edges exactly (no sliver overlaps).
        double X(double col) => Math.Round(w + col * size, 7);
        double Y(double row) => Math.Round(n - row * size, 7);
        object Cell(string code, double col, double row) => new
        {
            type = "Feature", properties = new { code, name = "Imported " + code },
            geometry = new { type = "Polygon", coordinates = new[] { new[] {
                new[] { X(col), Y(row) }, new[] { X(col + 1), Y(row) }, new[] { X(col + 1), Y(row + 1) }, new[] { X(col), Y(row + 1) }, new[] { X(col), Y(row) } } } },
        };
        string CodeOf(int i) => communities[i / 800] + (i % 800 + 1).ToString("D3");
        var features = Enumerable.Range(0, 2400).Select(i => Cell(CodeOf(i), i % 60, i / 60)).ToList();
        // Two overlaps: feature 101 moved half a cell onto feature 100, feature 2000 onto feature 1999.
        var overlapping = features.ToList();
        overlapping[100] = Cell(CodeOf(100), 39.5, 1);
        overlapping[1999] = Cell(CodeOf(1999), 18.5, 33);
        var refused = await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features = overlapping });
        var text = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, $"{(int)refused.StatusCode}: {text[..Math.Min(500, text.Length)]}");
        var messages = JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject()
            .SelectMany(e => e.Value.EnumerateArray()).Select(m => m.GetString()!).Order().ToList();
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Feature 101 ") && m.Contains("overlaps feature 100 "));
        Assert.Contains(messages, m => m.StartsWith("Feature 2000 ") && m.Contains("overlaps feature 1999 "));
        foreach (var c in communities) Assert.Equal(0, await CountCellsAsync(server, c));

        var imported = await TestWorld.ReadAsync<ImportResult>(
            await admin.Client.PostAsJsonAsync("/api/cells/import", new { type = "FeatureCollection", features }), HttpStatusCode.Created);
        Assert.Equal(2400, imported.Imported);
        foreach (var c in communities) Assert.Equal(800, await CountCellsAsync(server, c));
    }
}
