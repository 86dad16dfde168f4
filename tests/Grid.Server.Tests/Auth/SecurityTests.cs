using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Auth;

public sealed class SecurityTests
{
    [Theory]
    [InlineData("GET", "/api/cases")]
    [InlineData("GET", "/api/cases/1")]
    [InlineData("POST", "/api/cases")]
    [InlineData("POST", "/api/cases/1/register")]
    [InlineData("GET", "/api/cells")]
    [InlineData("GET", "/api/locate?lat=25&lon=105")]
    [InlineData("GET", "/api/categories")]
    [InlineData("GET", "/api/units")]
    [InlineData("GET", "/api/me")]
    [InlineData("POST", "/api/admin/cells/import/preview")]
    [InlineData("GET", "/api/cases/nearby?lat=25&lon=105&category=E9901")]
    public async Task Every_api_route_answers_401_without_sign_in(string method, string path)
    {
        var server = await TestServer.SharedAsync();
        var response = await server.Anonymous().SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Pages_redirect_to_the_login_page_and_only_sign_in_and_health_are_anonymous()
    {
        var server = await TestServer.SharedAsync();
        var client = server.Anonymous();
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.Redirect, home.StatusCode);
        Assert.StartsWith("/login", home.Headers.Location!.PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/openapi/v1.json")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task A_grid_worker_cannot_see_or_act_on_cases_of_cells_he_does_not_serve()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var mine = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var other = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var theirs = await world.ReportAsync(other, 1);

        Assert.Equal(HttpStatusCode.Forbidden, (await mine.Client.GetAsync($"/api/cases/{theirs.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await mine.StepAsync(theirs.Id, "self-handle")).StatusCode);
        var list = await TestWorld.ReadAsync<CasePage>(await mine.Client.GetAsync($"/api/cases?street={world.Street}"));
        Assert.DoesNotContain(list.Items, i => i.Id == theirs.Id);
        // The operator sees the whole area.
        Assert.Equal(theirs.Id, (await op.GetCaseAsync(theirs.Id)).Id);
    }

    [Fact]
    public async Task Actions_outside_ones_role_get_403_and_change_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var c = await world.ReportAsync(worker, 0);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.StepAsync(c.Id, "register")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.StepAsync(c.Id, "cancel", new { reason = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.StepAsync(c.Id, "register")).StatusCode);
        var unitStaff = await world.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.Unit);
        var report = await unitStaff.Client.PostAsJsonAsync("/api/cases", new { lat = world.Inside(0).Lat, lon = world.Inside(0).Lon, categoryCode = TestCatalogue.LightEvent, description = "x" });
        Assert.Equal(HttpStatusCode.Forbidden, report.StatusCode);
        Assert.Equal("reported", (await worker.GetCaseAsync(c.Id)).State);
    }

    [Fact]
    public async Task A_street_operator_sees_only_his_street()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var streetOp = await here.PersonAsync([Role.Operator], [], street: here.Street);
        var worker = await there.PersonAsync(Role.GridWorker, there.Cells[0]);
        var elsewhere = await there.ReportAsync(worker, 0);
        Assert.Equal(HttpStatusCode.Forbidden, (await streetOp.Client.GetAsync($"/api/cases/{elsewhere.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await streetOp.StepAsync(elsewhere.Id, "register")).StatusCode);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_for_the_right_password()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var client = server.Anonymous();
        for (var i = 0; i < 5; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = "guess" + i });
            Assert.Contains(wrong.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.Locked });
        }
        var right = await client.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync());
    }
}

public sealed class MultiNodeSignInTests
{
    [Fact]
    public async Task A_sign_in_on_one_node_is_accepted_by_another_node_on_the_same_database()
    {
        var nodeA = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await world.PersonAsync([Role.Operator], []);
        await using var nodeB = await TestServer.StartAsync("unused", nodeA.ConnectionString);

        var cookies = new System.Net.CookieContainer();
        using var viaA = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = nodeA.BaseAddress };
        var login = await viaA.PostAsJsonAsync("/api/auth/login", new { username = op.Username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        // The same cookie, sent to node B.
        using var viaB = new HttpClient(new HttpClientHandler { CookieContainer = new System.Net.CookieContainer() }) { BaseAddress = nodeB.BaseAddress };
        var cookie = cookies.GetCookies(nodeA.BaseAddress)["gridcity.auth"]!;
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", $"{cookie.Name}={cookie.Value}");
        var me = await viaB.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Contains(op.Username, await me.Content.ReadAsStringAsync());
        // Both nodes run on one machine here, so they could also share a key folder on disk; the key
        // must be in the database, where nodes on other machines find it.
        await using var conn = await nodeA.Db.OpenConnectionAsync();
        Assert.True(await Dapper.SqlMapper.ExecuteScalarAsync<long>(conn, "select count(*) from data_protection_keys") >= 1);
    }
}
