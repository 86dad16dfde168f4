using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>
/// The console's cell import (issue 11): a preview that writes nothing and shows the difference against today,
/// then a background apply of exactly that preview, audited, one import at a time. All in one class: the tests
/// share the one-import-at-a-time rule.
/// </summary>
public sealed class CellImportTests
{
    public static object Square(string code, double west, double north, string? name = null, double size = TestWorld.CellDeg) => new
    {
        type = "Feature",
        properties = new { code, name = name ?? "Test cell " + code },
        geometry = new
        {
            type = "Polygon",
            coordinates = new[] { new[] {
                new[] { west, north }, new[] { west + size, north }, new[] { west + size, north - size },
                new[] { west, north - size }, new[] { west, north } } },
        },
    };

    private static object Collection(params object[] features) => new { type = "FeatureCollection", features };

    /// <summary>Keeps cell 0, renames cell 1, leaves out cell 2 and adds cell 101 east of them.</summary>
    private static object[] Redrawn(TestWorld world) =>
    [
        Square(world.Cells[0], world.West(0), world.North(0)),
        Square(world.Cells[1], world.West(1), world.North(1), "东河社区第2网格"),
        Square(world.Community + "101", world.West(2) + TestWorld.CellDeg, world.North(2), "新网格"),
    ];

    private static async Task<JsonElement> PreviewAsync(TestUser admin, object body, HttpStatusCode expected = HttpStatusCode.OK) =>
        await TestWorld.ReadAsync<JsonElement>(await admin.Client.PostAsJsonAsync("/api/admin/cells/import/preview", body), expected);

    private static List<string> Messages(JsonElement preview) =>
        preview.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("message").GetString()!).ToList();

    private static async Task<JsonElement> WaitAsync(TestUser admin, string id)
    {
        for (var i = 0; i < 240; i++)
        {
            var status = await TestWorld.ReadAsync<JsonElement>(await admin.Client.GetAsync($"/api/admin/cells/imports/{id}"));
            if (status.GetProperty("status").GetString() is "applied" or "failed") return status;
            await Task.Delay(250);
        }
        throw new TimeoutException($"Import {id} did not finish in 60 s.");
    }

    [Fact]
    public async Task A_preview_shows_added_changed_removed_and_unchanged_cells_and_writes_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 3);
        var admin = await world.PersonAsync([Role.Admin], []);

        var preview = await PreviewAsync(admin, Collection(Redrawn(world)));

        Assert.Empty(Messages(preview));
        Assert.Equal(3, preview.GetProperty("features").GetInt32());
        Assert.Equal([world.Community + "101"], preview.GetProperty("added").EnumerateArray().Select(c => c.GetString()));
        var changed = Assert.Single(preview.GetProperty("changed").EnumerateArray());
        Assert.Equal(world.Cells[1], changed.GetProperty("code").GetString());
        Assert.True(changed.GetProperty("nameChanged").GetBoolean());
        Assert.False(changed.GetProperty("geometryChanged").GetBoolean());
        Assert.Equal([world.Cells[2]], preview.GetProperty("removed").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(1, preview.GetProperty("unchanged").GetInt32());
        Assert.False(string.IsNullOrEmpty(preview.GetProperty("fingerprint").GetString()));

        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(3, await conn.ExecuteScalarAsync<long>("select count(*) from grid_cells where community_code = @C and retired_at is null", new { C = world.Community }));
        Assert.Equal($"Test cell {world.Cells[1]}", await conn.ExecuteScalarAsync<string>("select name from grid_cells where code = @Code", new { Code = world.Cells[1] }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from audit_log where actor_id = @Id and action <> 'login'", new { admin.Id }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("select count(*) from cell_imports where actor_id = @Id", new { admin.Id }));
    }

    [Fact]
    public async Task A_preview_names_each_bad_feature_with_PostGIS_reason_and_finds_overlaps_with_the_file_and_with_cells_that_stay()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 2);
        var admin = await world.PersonAsync([Role.Admin], []);
        // A neighbouring community whose cell stays (the file does not name that community) lies just east of the world.
        var neighbour = world.Street + "002";
        var staying = neighbour + "001";
        var east = world.West(1) + TestWorld.CellDeg * 3;
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                insert into communities (code, street_code, name) values (@Neighbour, @Street, 'Neighbour community');
                insert into grid_cells (code, community_code, name, geom, area_m2)
                select @Staying, @Neighbour, 'Staying cell', g, ST_Area(g::geography)
                from (select ST_Multi(ST_MakeEnvelope(@W, @S, @E, @N, 4326)) as g) x
                """, new { Neighbour = neighbour, world.Street, Staying = staying, W = east, E = east + TestWorld.CellDeg, N = world.OriginLat, S = world.OriginLat - TestWorld.CellDeg });
        }
        var w = world.West(1) + TestWorld.CellDeg;
        var n = world.OriginLat;
        var bowtie = new
        {
            type = "Feature", properties = new { code = world.Community + "201", name = "Bow tie" },
            geometry = new { type = "Polygon", coordinates = new[] { new[] { new[] { w, n }, new[] { w + 0.001, n - 0.001 }, new[] { w + 0.001, n }, new[] { w, n - 0.001 }, new[] { w, n } } } },
        };
        var preview = await PreviewAsync(admin, Collection(
            Square(world.Cells[0], world.West(0), world.North(0)),
            bowtie,
            Square(world.Community + "202", east + TestWorld.CellDeg / 2, n),           // overlaps the staying cell
            Square(world.Community + "203", world.West(1), n),                             // takes cell 1's place
            Square(world.Community + "204", world.West(1) + TestWorld.CellDeg / 2, n),    // overlaps feature 4
            Square("12345", world.West(0), n - 0.01),                                      // a bad code
            Square(world.Community + "01", world.West(0), n - 0.02)));                     // a 14-digit legacy code

        var messages = Messages(preview);
        Assert.Contains(messages, m => m.StartsWith("Feature 2 (" + world.Community + "201): the polygon is not valid: Self-intersection"));
        Assert.Contains(messages, m => m.StartsWith("Feature 3 (" + world.Community + "202) overlaps cell " + staying));
        Assert.Contains(messages, m => m.StartsWith("Feature 5 (" + world.Community + "204) overlaps feature 4"));
        Assert.Contains(messages, m => m.StartsWith("Feature 6: '12345' has 5 digits"));
        Assert.Contains(messages, m => m.StartsWith("Feature 7: ") && m.Contains("older 14-digit code"));
        Assert.Equal(5, messages.Count);
        // Cell 1 is replaced by feature 4 (it is left out, so retired): no overlap with it is reported.
        Assert.DoesNotContain(messages, m => m.Contains(world.Cells[1]));
        Assert.Equal([world.Cells[1]], preview.GetProperty("removed").EnumerateArray().Select(c => c.GetString()));

        // The console refuses to apply what the file reader already refuses; nothing is queued.
        var apply = await admin.Client.PostAsJsonAsync("/api/admin/cells/imports?preview=" + preview.GetProperty("fingerprint").GetString(),
            Collection(Square("12345", world.West(0), n - 0.01)));
        Assert.Equal(HttpStatusCode.BadRequest, apply.StatusCode);
        Assert.Contains("12345", await apply.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsync("/api/admin/cells/import/preview", new StringContent("{\"type\":\"Feature\"", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task A_cell_with_open_cases_is_not_retired_and_a_street_administrator_imports_only_his_street()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 2);
        var other = await TestWorld.CreateAsync(server, rows: 1, columns: 1);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        await world.ReportAsync(worker, 1);
        var streetAdmin = await world.PersonAsync([Role.Admin], [], street: world.Street);

        var preview = await PreviewAsync(streetAdmin, Collection(
            Square(world.Cells[0], world.West(0), world.North(0)),
            Square(other.Community + "301", other.West(0) + 0.01, other.OriginLat)));

        var messages = Messages(preview);
        Assert.Contains(messages, m => m.StartsWith($"Cell {world.Cells[1]} (Test cell {world.Cells[1]}) is not in the file") && m.Contains("1 open case"));
        Assert.Contains(messages, m => m.StartsWith($"Feature 2: cell {other.Community}301 is outside {world.Street}"));
    }

    [Fact]
    public async Task An_applied_import_writes_exactly_the_preview_audits_each_cell_and_a_stale_preview_or_a_second_import_at_once_is_refused()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server, rows: 1, columns: 3);
        var admin = await world.PersonAsync([Role.Admin], []);
        var features = Redrawn(world);
        var file = Collection(features);
        var preview = await PreviewAsync(admin, file);
        var fingerprint = preview.GetProperty("fingerprint").GetString();

        var started = await admin.Client.PostAsJsonAsync($"/api/admin/cells/imports?preview={fingerprint}", file);
        var import = await TestWorld.ReadAsync<JsonElement>(started, HttpStatusCode.Accepted);
        var id = import.GetProperty("id").GetString()!;
        Assert.Equal($"/api/admin/cells/imports/{id}", started.Headers.Location?.OriginalString);
        var done = await WaitAsync(admin, id);
        Assert.Equal("applied", done.GetProperty("status").GetString());
        Assert.Equal((1, 1, 1), (done.GetProperty("added").GetInt32(), done.GetProperty("changed").GetInt32(), done.GetProperty("removed").GetInt32()));

        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            var cells = (await conn.QueryAsync<(string Code, string Name, bool Retired)>(
                "select code, name, retired_at is not null from grid_cells where community_code = @C order by code", new { C = world.Community })).ToList();
            Assert.Equal([
                (world.Cells[0], $"Test cell {world.Cells[0]}", false),
                (world.Cells[1], "东河社区第2网格", false),
                (world.Cells[2], $"Test cell {world.Cells[2]}", true),
                (world.Community + "101", "新网格", false)], cells);
            var audit = (await conn.QueryAsync<(string Action, string Subject, string Details)>(
                "select action, subject, details::text from audit_log where actor_id = @Id and action like 'cell%' order by id", new { admin.Id })).ToList();
            Assert.Equal(["cell_changed", "cell_retired", "cells_imported"], audit.Select(a => a.Action));
            var change = JsonDocument.Parse(audit[0].Details).RootElement;
            Assert.Equal($"Test cell {world.Cells[1]}", change.GetProperty("before").GetProperty("name").GetString());
            Assert.Equal("东河社区第2网格", change.GetProperty("after").GetProperty("name").GetString());
            Assert.Equal("grid_cell:" + world.Cells[2], audit[1].Subject);
            var summary = JsonDocument.Parse(audit[2].Details).RootElement;
            Assert.Equal((1, 1, 1, 1), (summary.GetProperty("added").GetInt32(), summary.GetProperty("changed").GetInt32(),
                summary.GetProperty("removed").GetInt32(), summary.GetProperty("unchanged").GetInt32()));
        }
        // The added cell is located; the retired cell is out of the live grid: its middle is no longer "inside" it.
        var added = await TestWorld.ReadAsync<JsonElement>(await admin.Client.GetAsync(
            $"/api/locate?lat={world.North(2) - TestWorld.CellDeg / 2}&lon={world.West(2) + TestWorld.CellDeg * 1.5}"));
        Assert.Equal((world.Community + "101", "inside"), (added.GetProperty("code").GetString(), added.GetProperty("match").GetString()));
        var (lat, lon) = world.Inside(2);
        var located = await TestWorld.ReadAsync<JsonElement>(await admin.Client.GetAsync($"/api/locate?lat={lat}&lon={lon}"));
        Assert.NotEqual(world.Cells[2], located.GetProperty("code").GetString());

        // A preview, then someone renames the cell meanwhile: the apply finds the cells changed and writes nothing.
        var renameFile = Collection(Square(world.Cells[0], world.West(0), world.North(0), "又改了"), features[1], features[2]);
        var renamePreview = (await PreviewAsync(admin, renameFile)).GetProperty("fingerprint").GetString();
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.PutAsJsonAsync($"/api/admin/cells/{world.Cells[0]}/name",
            new { name = "别人改的", expectedName = $"Test cell {world.Cells[0]}" })).StatusCode);
        var stale = await TestWorld.ReadAsync<JsonElement>(await admin.Client.PostAsJsonAsync($"/api/admin/cells/imports?preview={renamePreview}", renameFile),
            HttpStatusCode.Accepted);
        var refused = await WaitAsync(admin, stale.GetProperty("id").GetString()!);
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Contains("changed after your preview", refused.GetProperty("message").GetString());
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            Assert.Equal("别人改的", await conn.ExecuteScalarAsync<string>("select name from grid_cells where code = @Code", new { Code = world.Cells[0] }));
        }

        // Another import is running: a second one is refused with 409 and a message saying whose and how far.
        var other = await world.PersonAsync([Role.Admin], []);
        var running = Guid.NewGuid();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                insert into cell_imports (id, actor_id, created_at, status, phase, done, total, fingerprint, file)
                values (@Id, @Actor, now(), 'running', 'writing', 2000, 5000, 'x', '{}')
                """, new { Id = running, Actor = other.Id });
        }
        try
        {
            var second = await admin.Client.PostAsJsonAsync($"/api/admin/cells/imports?preview={fingerprint}", file);
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            var problem = await second.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(other.Username, problem.GetProperty("detail").GetString());
            Assert.Contains("2000 of 5000", problem.GetProperty("detail").GetString());
        }
        finally
        {
            await using var conn = await server.Db.OpenConnectionAsync();
            await conn.ExecuteAsync("delete from cell_imports where id = @Id", new { Id = running });
        }
    }
}
