using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Staff;

/// <summary>Issue 11, posts of a cell (一长五员): vacancies reported, assignments audited and guarded, street scope.</summary>
public sealed class PostsAdminTests
{
    [Fact]
    public async Task A_cell_without_a_grid_head_is_reported_on_the_posts_list_the_map_and_the_dispatch_suggestion_until_one_is_assigned()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var cell = world.Cells[0];

        var before = await TestWorld.ReadAsync<CellPosts>(await admin.Client.GetAsync($"/api/admin/posts/{cell}"));
        Assert.True(before.NoGridHead);
        Assert.Equal(5, before.Vacant);
        Assert.Equal(worker.Id, before.Posts.Single(p => p.Role == "grid_worker").PersonId);
        var vacantList = await TestWorld.ReadAsync<List<CellPosts>>(await admin.Client.GetAsync($"/api/admin/posts?q={cell}&vacant=true"));
        Assert.Single(vacantList, c => c.CellCode == cell && c.NoGridHead);
        var map = JsonDocument.Parse(await (await admin.Client.GetAsync("/api/admin/posts/map")).Content.ReadAsStringAsync()).RootElement;
        var feature = map.GetProperty("features").EnumerateArray().Single(f => f.GetProperty("properties").GetProperty("code").GetString() == cell);
        Assert.True(feature.GetProperty("properties").GetProperty("noHead").GetBoolean());
        Assert.Equal(5, feature.GetProperty("properties").GetProperty("vacant").GetInt32());

        var report = await world.ReportAsync(op, 0);
        await op.StepOkAsync(report.Id, "register");
        var suggestion = await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.True(suggestion.GridHeadVacant);
        Assert.Contains($"cell {cell} has no grid head", suggestion.Rule);

        var head = await world.PersonAsync([Role.GridHead], []);
        var candidates = await TestWorld.ReadAsync<List<PostCandidate>>(await admin.Client.GetAsync($"/api/admin/posts/{cell}/grid_head/candidates?q={head.Username}"));
        Assert.Equal(head.Id, Assert.Single(candidates).Id);
        var assigned = await TestWorld.ReadAsync<CellPosts>(await admin.Client.PutAsJsonAsync($"/api/admin/posts/{cell}/grid_head",
            new { personId = head.Id, expectedPersonId = (Guid?)null }));
        Assert.False(assigned.NoGridHead);
        Assert.Equal(head.Id, assigned.Posts.Single(p => p.Role == "grid_head").PersonId);
        var after = await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.False(after.GridHeadVacant);
        Assert.DoesNotContain("no grid head", after.Rule);
    }

    [Fact]
    public async Task The_dispatch_suggestion_says_which_step_of_the_routing_rule_chose_and_that_the_cell_has_no_roster()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var report = await world.ReportAsync(op, 0);
        await op.StepOkAsync(report.Id, "register");

        var onDuty = await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.Equal(worker.Id, onDuty.AssigneeId);
        Assert.StartsWith("the least-loaded grid_worker on duty", onDuty.Rule);
        Assert.Contains("no duty roster for this cell", onDuty.Rule);

        await using (var conn = await server.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("update people set on_duty = false where id = @Id", new { worker.Id });
        var fallback = await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.Equal(head.Id, fallback.AssigneeId);
        Assert.StartsWith("no grid_worker on duty", fallback.Rule);

        await using (var conn = await server.Db.OpenConnectionAsync())
            await conn.ExecuteAsync("update people set on_duty = false where id = @Id", new { head.Id });
        var unit = await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.Null(unit.AssigneeId);
        Assert.StartsWith("neither a grid_worker nor the grid head", unit.Rule);
    }

    [Fact]
    public async Task A_post_change_names_the_holder_it_replaces_loses_with_409_when_stale_and_is_audited_with_before_and_after()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var first = await world.PersonAsync(Role.Patroller, world.Cells[1]);
        var second = await world.PersonAsync([Role.Patroller], []);
        var notPatroller = await world.PersonAsync([Role.Informant], []);
        var cell = world.Cells[1];

        var wrongRole = await admin.Client.PutAsJsonAsync($"/api/admin/posts/{cell}/patroller", new { personId = notPatroller.Id, expectedPersonId = first.Id });
        Assert.Equal(HttpStatusCode.BadRequest, wrongRole.StatusCode);
        Assert.Contains("does not have the role patroller", await wrongRole.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PutAsJsonAsync($"/api/admin/posts/{cell}/mayor", new { personId = second.Id })).StatusCode);

        await TestWorld.ReadAsync<CellPosts>(await admin.Client.PutAsJsonAsync($"/api/admin/posts/{cell}/patroller", new { personId = second.Id, expectedPersonId = first.Id }));
        // The page still showed the first patroller: its change loses and says who holds the post now.
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/posts/{cell}/patroller", new { personId = (Guid?)null, expectedPersonId = first.Id });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("Someone changed the patroller post", await stale.Content.ReadAsStringAsync());

        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(second.Id, await conn.ExecuteScalarAsync<Guid>("select person_id from cell_staff where cell_code = @Cell and role = 'patroller'", new { Cell = cell }));
        var details = await conn.QuerySingleAsync<string>(
            "select details::text from audit_log where subject = @S and action = 'post_assigned' and actor_id = @A", new { S = $"cell:{cell}", A = admin.Id });
        var d = JsonDocument.Parse(details).RootElement;
        Assert.Equal("patroller", d.GetProperty("post").GetString());
        Assert.Equal(first.Id, d.GetProperty("before").GetProperty("personId").GetGuid());
        Assert.Equal(second.Id, d.GetProperty("after").GetProperty("personId").GetGuid());
    }

    [Fact]
    public async Task A_street_administrator_cannot_change_or_read_the_posts_of_another_street()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var theirHead = await there.PersonAsync(Role.GridHead, there.Cells[0]);
        var myHead = await here.PersonAsync([Role.GridHead], [], street: here.Street);

        Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.GetAsync($"/api/admin/posts/{there.Cells[0]}")).StatusCode);
        var take = await streetAdmin.Client.PutAsJsonAsync($"/api/admin/posts/{there.Cells[0]}/grid_head", new { personId = myHead.Id, expectedPersonId = theirHead.Id });
        Assert.Equal(HttpStatusCode.Forbidden, take.StatusCode);
        // Nor put another street's person on his own cell.
        var borrow = await streetAdmin.Client.PutAsJsonAsync($"/api/admin/posts/{here.Cells[0]}/grid_head", new { personId = theirHead.Id, expectedPersonId = (Guid?)null });
        Assert.Equal(HttpStatusCode.Forbidden, borrow.StatusCode);
        var list = await TestWorld.ReadAsync<List<CellPosts>>(await streetAdmin.Client.GetAsync($"/api/admin/posts?q={there.Cells[0]}"));
        Assert.Empty(list);
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(theirHead.Id, await conn.ExecuteScalarAsync<Guid>("select person_id from cell_staff where cell_code = @Cell and role = 'grid_head'", new { Cell = there.Cells[0] }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from cell_staff where cell_code = @Cell and role = 'grid_head'", new { Cell = here.Cells[0] }));
    }
}
