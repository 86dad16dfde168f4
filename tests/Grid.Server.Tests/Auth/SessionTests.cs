using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Realtime;

namespace Grid.Server.Tests.Auth;

/// <summary>Sign-out, password reset and deactivation end every session of the person, on every node, hub included.</summary>
public sealed class SessionTests
{
    private static HttpRequestMessage Me(string cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Add("Cookie", cookie);
        return request;
    }

    private static async Task<HttpStatusCode> MeAsync(TestServer server, string cookie)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        return (await http.SendAsync(Me(cookie))).StatusCode;
    }

    /// <summary>Polls until <paramref name="done"/>, up to 10 s (the other node trusts a stamp for SessionCheckSeconds).</summary>
    private static async Task<bool> EventuallyAsync(Func<Task<bool>> done)
    {
        for (var until = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < until; await Task.Delay(100))
        {
            if (await done()) return true;
        }
        return false;
    }

    [Fact]
    public async Task Signing_out_ends_every_session_of_the_person_on_every_node_and_closes_his_hub_connections()
    {
        var nodeA = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await world.PersonAsync([Role.Operator], []);
        await using var nodeB = await TestServer.StartAsync("unused", nodeA.ConnectionString, new Dictionary<string, string?> { ["Grid:SessionCheckSeconds"] = "1" });
        var desk = await HubClient.CookieAsync(nodeA, op.Username);
        var phone = await HubClient.CookieAsync(nodeA, op.Username);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(nodeB, desk));
        await using var hub = await HubClient.StartAsync(nodeB, desk, null, null);
        Assert.Equal("subscribed", hub.Subscription.Type);

        using (var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = nodeA.BaseAddress })
        {
            var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout");
            logout.Headers.Add("Cookie", phone);
            Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(logout)).StatusCode);
        }

        // The cookie saved before sign-out no longer works: on the node that signed out at once, on the other soon.
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(nodeA, phone));
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(nodeA, desk));
        Assert.True(await EventuallyAsync(async () => await MeAsync(nodeB, desk) == HttpStatusCode.Unauthorized), "node B still accepts the old cookie");
        Assert.True(await EventuallyAsync(() => Task.FromResult(hub.HasClosed)), "the hub connection on node B stayed open");
        // Signing in again works and gives a new session.
        Assert.Equal(HttpStatusCode.OK, await MeAsync(nodeB, await HubClient.CookieAsync(nodeB, op.Username)));
    }

    [Fact]
    public async Task A_password_reset_or_a_deactivation_ends_the_sessions_and_a_deactivated_person_cannot_sign_in()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var cookie = await HubClient.CookieAsync(server, worker.Username);
        Assert.Equal(HttpStatusCode.OK, await MeAsync(server, cookie));

        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/people/{admin.Id}/reset-password", new { password = "Another@2026-pw" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Client.PostAsJsonAsync($"/api/people/{worker.Id}/reset-password", new { password = "short" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync($"/api/people/{worker.Id}/reset-password", new { password = "Another@2026-pw" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(server, cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, (await worker.Client.GetAsync("/api/me")).StatusCode);
        var again = server.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = TestPeople.Password })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await again.PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = "Another@2026-pw" })).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{worker.Id}/deactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.GetAsync("/api/me")).StatusCode);
        var refused = await server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = "Another@2026-pw" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("deactivated", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{worker.Id}/reactivate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = "Another@2026-pw" })).StatusCode);
    }

    private static async Task<(HttpStatusCode, string?, string?)> AnswerAsync(HttpResponseMessage response)
    {
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("title").GetString(), body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_name_a_wrong_password_and_a_deactivated_account_get_the_same_answer()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var real = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var gone = await world.PersonAsync(Role.Informant, world.Cells[0]);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{gone.Id}/deactivate", null)).StatusCode);
        var client = server.Anonymous();

        var unknown = await AnswerAsync(await client.PostAsJsonAsync("/api/auth/login", new { username = "nobody-" + Guid.NewGuid().ToString("N")[..8], password = "guess" }));
        var wrong = await AnswerAsync(await client.PostAsJsonAsync("/api/auth/login", new { username = real.Username, password = "guess" }));
        var goneWrong = await AnswerAsync(await client.PostAsJsonAsync("/api/auth/login", new { username = gone.Username, password = "guess" }));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Item1);
        Assert.Equal(unknown, wrong);
        Assert.Equal(unknown, goneWrong);
    }

    [Fact]
    public async Task Form_posts_without_the_page_token_are_refused_and_change_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var cookie = await HubClient.CookieAsync(server, op.Username);
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };
        foreach (var path in new[] { "/account/logout", "/inbox/1/read" })
        {
            var post = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }) };
            post.Headers.Add("Cookie", cookie);
            var response = await http.SendAsync(post);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        Assert.Equal(HttpStatusCode.OK, await MeAsync(server, cookie));

        // With the page's token (and its cookie), sign-out works.
        var page = new HttpRequestMessage(HttpMethod.Get, "/inbox");
        page.Headers.Add("Cookie", cookie);
        var pageResponse = await http.SendAsync(page);
        var html = await pageResponse.Content.ReadAsStringAsync();
        var input = Regex.Match(html, "<input[^>]*name=\"__RequestVerificationToken\"[^>]*>");
        Assert.True(input.Success, "no antiforgery token on /inbox");
        var token = Regex.Match(input.Value, "value=\"([^\"]+)\"");
        var antiforgeryCookie = pageResponse.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith(".AspNetCore.Antiforgery", StringComparison.Ordinal));
        var logout = new HttpRequestMessage(HttpMethod.Post, "/account/logout")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token.Groups[1].Value }),
        };
        logout.Headers.Add("Cookie", antiforgeryCookie is null ? cookie : $"{cookie}; {antiforgeryCookie}");
        var signedOut = await http.SendAsync(logout);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await MeAsync(server, cookie));
    }
}
