using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Staff;

/// <summary>Issue 11, community scope (社区): an area-wide role narrowed to one community of its street, set from the
/// people editor's route and honoured by case lists and reads by id.</summary>
public sealed class CommunityScopeTests
{
    /// <summary>A second community of the world's street with one cell east of the world's cells.</summary>
    private static async Task<(string Community, string Cell, double Lat, double Lon)> SecondCommunityAsync(TestServer server, TestWorld world)
    {
        var community = world.Street + "002";
        var cell = community + "001";
        var west = world.OriginLon + 0.01;
        await using var conn = await server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            insert into communities (code, street_code, name) values (@Community, @Street, 'Second community');
            insert into grid_cells (code, community_code, name, geom, area_m2)
            select @Cell, @Community, 'Second community cell', g, ST_Area(g::geography)
            from (select ST_Multi(ST_MakeEnvelope(@W, @S, @E, @N, 4326)) as g) x;
            """, new { Community = community, world.Street, Cell = cell, W = west, E = west + TestWorld.CellDeg, N = world.OriginLat, S = world.OriginLat - TestWorld.CellDeg });
        return (community, cell, world.OriginLat - TestWorld.CellDeg / 2, west + TestWorld.CellDeg / 2);
    }

    private static async Task<CaseView> ReportAtAsync(TestUser user, double lat, double lon) =>
        await TestWorld.ReadAsync<CaseView>(await user.Client.PostAsJsonAsync("/api/cases",
            new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Community scope test", priority = "normal" }), HttpStatusCode.Created);

    [Fact]
    public async Task A_community_supervisor_sees_only_his_communitys_cases_on_the_lists_and_by_id()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var (otherCommunity, otherCell, lat, lon) = await SecondCommunityAsync(server, world);
        var admin = await world.PersonAsync([Role.Admin], []);
        var reporter = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var mine = await world.ReportAsync(reporter, 0);
        var theirs = await ReportAtAsync(reporter, lat, lon);
        Assert.Equal(otherCell, theirs.CellCode);

        // The supervisor answers for the street; the administrator narrows him to the world's community.
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var row = await TestWorld.ReadAsync<PersonRow>(await admin.Client.GetAsync($"/api/admin/people/{supervisor.Id}"));
        Assert.Equal(HttpStatusCode.OK, (await supervisor.Client.GetAsync($"/api/cases/{theirs.Id}")).StatusCode);
        var narrowed = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PutAsJsonAsync($"/api/admin/people/{supervisor.Id}",
            new { displayName = row.DisplayName, roles = row.Roles, streetCode = world.Street, communityCode = world.Community, onDuty = true, version = row.Version }));
        Assert.Equal(world.Community, narrowed.CommunityCode);
        // A new scope ends his sessions: the old cookie no longer serves.
        Assert.Equal(HttpStatusCode.Unauthorized, (await supervisor.Client.GetAsync("/api/cases")).StatusCode);

        var client = await server.SignInAsync(supervisor.Username);
        var list = await TestWorld.ReadAsync<CasePage>(await client.GetAsync($"/api/cases?street={world.Street}&pageSize=200"));
        Assert.Contains(list.Items, c => c.Id == mine.Id);
        Assert.DoesNotContain(list.Items, c => c.Id == theirs.Id);
        Assert.All(list.Items, c => Assert.StartsWith(world.Community, c.CellCode));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/cases/{mine.Id}")).StatusCode);
        var outside = await client.GetAsync($"/api/cases/{theirs.Id}");
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/cases/{theirs.Id}/escalations")).StatusCode);
        // The figures' case lists are cut the same way.
        var figures = await client.GetAsync($"/api/stats/indicators?group=community");
        var body = await figures.Content.ReadAsStringAsync();
        Assert.True(figures.IsSuccessStatusCode, body);
        Assert.DoesNotContain(otherCommunity, body);

        // The street supervisor beside him still sees both communities.
        var streetWide = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        Assert.Equal(HttpStatusCode.OK, (await streetWide.Client.GetAsync($"/api/cases/{theirs.Id}")).StatusCode);

        await using var conn = await server.Db.OpenConnectionAsync();
        var audit = await conn.QuerySingleAsync<string>("select details::text from audit_log where subject = @S and action = 'person_updated' and actor_id = @A",
            new { S = $"person:{supervisor.Id}", A = admin.Id });
        var details = JsonDocument.Parse(audit).RootElement;
        Assert.Equal(JsonValueKind.Null, details.GetProperty("before").GetProperty("communityCode").ValueKind);
        Assert.Equal(world.Community, details.GetProperty("after").GetProperty("communityCode").GetString());
    }

    [Fact]
    public async Task A_community_outside_the_street_or_for_a_role_it_cannot_narrow_is_refused_with_what_to_choose()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        async Task<string> RefusedAsync(object body)
        {
            var response = await admin.Client.PostAsJsonAsync("/api/admin/people", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, text);
            return JsonDocument.Parse(text).RootElement.GetProperty("errors").GetProperty("communityCode")[0].GetString()!;
        }
        var tag = Guid.NewGuid().ToString("N")[..8];
        Assert.Contains($"is in street {there.Street}, not in street {world.Street}",
            await RefusedAsync(new { username = $"c1-{tag}", displayName = "甲", roles = new[] { "supervisor" }, streetCode = world.Street, communityCode = there.Community }));
        Assert.Contains("An administrator manages a street or the whole district",
            await RefusedAsync(new { username = $"c2-{tag}", displayName = "乙", roles = new[] { "admin" }, streetCode = world.Street, communityCode = world.Community }));
        Assert.Contains("cell staff get their cells through their posts",
            await RefusedAsync(new { username = $"c3-{tag}", displayName = "丙", roles = new[] { "grid_worker" }, communityCode = world.Community }));
        Assert.Contains("There is no community 999999999999",
            await RefusedAsync(new { username = $"c4-{tag}", displayName = "丁", roles = new[] { "operator" }, communityCode = "999999999999" }));

        // A community alone brings its street.
        var made = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PostAsJsonAsync("/api/admin/people",
            new { username = $"c5-{tag}", displayName = "戊", roles = new[] { "dispatcher" }, communityCode = world.Community }), HttpStatusCode.Created);
        Assert.Equal((world.Street, world.Community), (made.StreetCode, made.CommunityCode));
    }
}
