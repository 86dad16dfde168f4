using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>Renaming a cell: audited, guarded by the name it started from, and a street administrator only in its street.</summary>
public sealed class CellAdminTests
{
    [Fact]
    public async Task A_cell_is_renamed_once_a_stale_rename_gets_409_and_a_street_administrator_renames_only_its_own_street()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var admin = await here.PersonAsync([Role.Admin], []);
        var cell = here.Cells[0];
        var original = $"Test cell {cell}";

        var renamed = await TestWorld.ReadAsync<JsonElement>(await admin.Client.PutAsJsonAsync($"/api/admin/cells/{cell}/name", new { name = "东河社区第1网格", expectedName = original }));
        Assert.Equal("东河社区第1网格", renamed.GetProperty("name").GetString());
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/cells/{cell}/name", new { name = "别的名字", expectedName = original });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("东河社区第1网格", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PutAsJsonAsync($"/api/admin/cells/{cell}/name", new { name = " ", expectedName = "东河社区第1网格" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.PutAsJsonAsync("/api/admin/cells/999999999999999/name", new { name = "x", expectedName = "y" })).StatusCode);

        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            Assert.Equal("东河社区第1网格", await conn.QuerySingleAsync<string>("select name from grid_cells where code = @cell", new { cell }));
            var details = await conn.QuerySingleAsync<string>("select details::text from audit_log where action = 'cell_renamed' and subject = @S and actor_id = @Id",
                new { S = "grid_cell:" + cell, admin.Id });
            Assert.Contains(original, details);
        }

        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        Assert.Equal(HttpStatusCode.OK, (await streetAdmin.Client.PutAsJsonAsync($"/api/admin/cells/{here.Cells[1]}/name", new { name = "本街道网格", expectedName = $"Test cell {here.Cells[1]}" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.PutAsJsonAsync($"/api/admin/cells/{there.Cells[1]}/name", new { name = "别街道网格", expectedName = $"Test cell {there.Cells[1]}" })).StatusCode);
        var dispatcher = await here.PersonAsync([Role.Dispatcher], []);
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.Client.PutAsJsonAsync($"/api/admin/cells/{here.Cells[2]}/name", new { name = "x", expectedName = $"Test cell {here.Cells[2]}" })).StatusCode);
    }
}
