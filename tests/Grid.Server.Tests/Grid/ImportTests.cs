using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Admin;
using Grid.Server.Grid;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Grid;

/// <summary>
/// The file checks of the one cell import (the console's preview, <c>POST /api/admin/cells/import/preview</c>): a bad
/// shape, an oversized file or feature and overlaps are named feature by feature and nothing is written. These were
/// the checks of the old add-only <c>POST /api/cells/import</c>, which is gone: cells are written by the previewed
/// import only (<see cref="Admin.CellImportTests"/> applies one).
/// </summary>
public sealed class ImportTests
{
    private static async Task<long> CountCellsAsync(TestServer server, string prefix)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("select count(*) from grid_cells where code like @P || '%'", new { P = prefix });
    }

    private static async Task<List<string>> ProblemsAsync(TestUser admin, object[] features)
    {
        var preview = await TestWorld.ReadAsync<JsonElement>(
            await admin.Client.PostAsJsonAsync("/api/admin/cells/import/preview", new { type = "FeatureCollection", features }));
        return preview.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("message").GetString()!).ToList();
    }

    [Fact]
    public async Task The_old_add_only_import_route_is_gone()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var response = await admin.Client.PostAsJsonAsync("/api/cells/import",
            new { type = "FeatureCollection", features = new[] { Admin.CellImportTests.Square(world.Community + "401", world.West(0) + 0.06, world.OriginLat) } });
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{(int)response.StatusCode}");
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task Coordinates_nested_one_level_too_deep_are_named_with_their_feature()
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
        var messages = await ProblemsAsync(admin, [Admin.CellImportTests.Square(world.Community + "501", w + 0.002, n), tooDeep]);
        var message = Assert.Single(messages);
        Assert.StartsWith($"Feature 2 ({code})", message);
        Assert.Contains("[[[lon, lat]", message);

        // The same one level too deep inside a MultiPolygon.
        var multi = new
        {
            type = "Feature", properties = new { code, name = "Too deep" },
            geometry = new { type = "MultiPolygon", coordinates = new[] { new[] { new[] { ring } } } },
        };
        Assert.Contains(await ProblemsAsync(admin, [multi]), m => m.StartsWith($"Feature 1 ({code})") && m.Contains("[[[[lon, lat]"));
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task A_file_over_the_size_bounds_is_refused_saying_what_to_do()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var admin = await world.PersonAsync([Role.Admin], []);
        var w = world.West(0) + 0.08;
        var n = world.OriginLat;
        var tooMany = Enumerable.Range(0, CellImports.MaxFeatures + 1)
            .Select(i => Admin.CellImportTests.Square(world.Community + (i % 1000).ToString("D3"), w + i % 100 * 0.0001, n - i / 100 * 0.0001, size: 0.0001)).ToArray();
        var response = await admin.Client.PostAsJsonAsync("/api/admin/cells/import/preview", new { type = "FeatureCollection", features = tooMany });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text[..Math.Min(300, text.Length)]}");
        Assert.Contains($"at most {CellImports.MaxFeatures}", text);
        Assert.Contains("Split", text);

        // One feature with more positions than a cell boundary needs.
        var positions = CellFeatures.MaxFeaturePositions + 1;
        var circle = Enumerable.Range(0, positions - 1)
            .Select(i => new[] { w + 0.0005 + 0.0004 * Math.Cos(2 * Math.PI * i / (positions - 1)), n - 0.0005 + 0.0004 * Math.Sin(2 * Math.PI * i / (positions - 1)) })
            .ToList();
        circle.Add(circle[0]);
        var code = world.Community + "601";
        var huge = new { type = "Feature", properties = new { code, name = "Traced" }, geometry = new { type = "Polygon", coordinates = new[] { circle.ToArray() } } };
        Assert.Contains(await ProblemsAsync(admin, [huge]), m => m.StartsWith($"Feature 1 ({code}): more than {CellFeatures.MaxFeaturePositions} positions"));
        Assert.Equal(1, await CountCellsAsync(server, world.Community));
    }

    [Fact]
    public async Task A_large_file_is_previewed_with_exactly_its_overlapping_pairs_and_without_them_adds_every_cell()
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
        var features = Enumerable.Range(0, 2400).Select(i => Cell(CodeOf(i), i % 60, i / 60)).ToArray();
        // Two overlaps: feature 101 moved half a cell onto feature 100, feature 2000 onto feature 1999.
        var overlapping = features.ToArray();
        overlapping[100] = Cell(CodeOf(100), 39.5, 1);
        overlapping[1999] = Cell(CodeOf(1999), 18.5, 33);
        var messages = await ProblemsAsync(admin, overlapping);
        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Feature 101 ") && m.Contains("overlaps feature 100 "));
        Assert.Contains(messages, m => m.StartsWith("Feature 2000 ") && m.Contains("overlaps feature 1999 "));

        var clean = await TestWorld.ReadAsync<JsonElement>(
            await admin.Client.PostAsJsonAsync("/api/admin/cells/import/preview", new { type = "FeatureCollection", features }));
        Assert.Empty(clean.GetProperty("problems").EnumerateArray());
        Assert.Equal(2400, clean.GetProperty("added").GetArrayLength());
        foreach (var c in communities) Assert.Equal(0, await CountCellsAsync(server, c)); // a preview writes nothing
    }
}
