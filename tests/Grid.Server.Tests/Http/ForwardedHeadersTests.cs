using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;
using static Grid.Server.Tests.Citizens.CitizenHelpers;

namespace Grid.Server.Tests.Http;

/// <summary>
/// X-Forwarded-For and X-Forwarded-Proto are believed from the balancer named in Grid:Proxies and from nobody
/// else. The test client on 127.0.0.1 plays the balancer (deploy/nginx-two-nodes.conf) in the first test and a
/// citizen sending forged headers straight to the node in the second.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private static async Task<TestServer> StartAsync(string purpose, IDictionary<string, string?> settings)
    {
        settings["Grid:Citizens:ReportsPerAddressPerHour"] = "2";
        settings["Grid:Escalation:Enabled"] = "false";
        return await TestServer.StartAsync(TestServer.DatabaseName(purpose), settings: settings);
    }

    /// <summary>A client whose every request carries these headers, as nginx adds them.</summary>
    private static HttpClient Forwarded(TestServer server, string? forwardedFor, string? proto = null)
    {
        var client = server.Anonymous();
        if (forwardedFor is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        if (proto is not null) client.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-Proto", proto);
        return client;
    }

    private static async Task<string?> UploadedFromAsync(TestServer server, HttpClient client)
    {
        var upload = await UploadAsync(client, TestImages.Jpeg(withExif: false, salt: Guid.NewGuid().ToString()), NewDevice());
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var sha = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("sha256").GetString();
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<string?>("select address from citizen_photo_uploads where sha256 = @Sha", new { Sha = sha });
    }

    private static async Task<List<string>> CountedAddressesAsync(TestServer server)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>("select subject from citizen_rate_usage where subject like 'address:%' order by subject")).ToList();
    }

    private static async Task<string> DiscoveryUrlAsync(HttpClient client) =>
        JsonDocument.Parse(await client.GetStringAsync("/open311/v2/discovery.json")).RootElement
            .GetProperty("endpoints")[0].GetProperty("url").GetString()!;

    [Fact]
    public async Task Behind_a_trusted_balancer_each_forwarded_client_has_its_own_budget_and_is_recorded_by_its_address()
    {
        // Both forms of the setting: a comma-separated value (one environment variable) naming the balancer's address.
        await using var server = await StartAsync("fwdtrusted", new Dictionary<string, string?> { ["Grid:Proxies:KnownProxies"] = "::1, 127.0.0.1" });
        var world = await TestWorld.CreateAsync(server);
        var (lat, lon) = world.Inside(0);
        // nginx's $proxy_add_x_forwarded_for keeps what the client sent in front of the address nginx saw: only the last is believed.
        var first = Forwarded(server, "198.51.100.99, 203.0.113.10");
        var key = await PageKeyAsync(first);
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(first, key, NewDevice(), lat, lon)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(first, key, NewDevice(), lat, lon)).StatusCode);
        var over = await PostReportAsync(first, key, NewDevice(), lat, lon);
        Assert.Equal((HttpStatusCode)429, over.StatusCode);
        Assert.Contains("from your network", await over.Content.ReadAsStringAsync());

        // Another citizen behind the same balancer is not refused for the first one's reports.
        var second = Forwarded(server, "203.0.113.20");
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(second, key, NewDevice(), lat, lon)).StatusCode);
        Assert.Equal("203.0.113.20", await UploadedFromAsync(server, second));
        Assert.Equal(["address:203.0.113.10", "address:203.0.113.20"], await CountedAddressesAsync(server));

        // nginx took the request over https: links and the sign-in cookie say so.
        var https = Forwarded(server, "203.0.113.30", "https");
        Assert.StartsWith("https://", await DiscoveryUrlAsync(https));
        var person = await world.PersonAsync(Role.Operator);
        var login = await https.PostAsJsonAsync("/api/auth/login", new { username = person.Username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gridcity.auth="));
        Assert.Contains("; secure", cookie, StringComparison.OrdinalIgnoreCase);
        // Over plain http from the balancer the cookie must stay usable on http.
        var http = Forwarded(server, "203.0.113.31", "http");
        var plain = await http.PostAsJsonAsync("/api/auth/login", new { username = person.Username, password = TestPeople.Password });
        Assert.DoesNotContain("; secure", Assert.Single(plain.Headers.GetValues("Set-Cookie"), c => c.StartsWith("gridcity.auth=")),
            StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Without_trusted_proxies_a_forged_forwarded_for_gives_no_fresh_budget_and_is_not_recorded()
    {
        await using var server = await StartAsync("fwdnone", new Dictionary<string, string?>());
        var world = await TestWorld.CreateAsync(server);
        var (lat, lon) = world.Inside(0);
        var key = await PageKeyAsync(server.Anonymous());
        // A citizen sends each report under another made-up address: the limit still counts the real peer.
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(Forwarded(server, "203.0.113.40"), key, NewDevice(), lat, lon)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(Forwarded(server, "203.0.113.41"), key, NewDevice(), lat, lon)).StatusCode);
        var over = await PostReportAsync(Forwarded(server, "203.0.113.42"), key, NewDevice(), lat, lon);
        Assert.Equal((HttpStatusCode)429, over.StatusCode);
        Assert.Contains("from your network", await over.Content.ReadAsStringAsync());

        Assert.Equal("127.0.0.1", await UploadedFromAsync(server, Forwarded(server, "203.0.113.43")));
        Assert.Equal(["address:127.0.0.1"], await CountedAddressesAsync(server));
        Assert.StartsWith("http://", await DiscoveryUrlAsync(Forwarded(server, "203.0.113.44", "https")));
    }

    /// <summary>A proxy setting the node cannot read would leave every citizen counted as the balancer, or trust more than
    /// meant: the node refuses to start and names the setting.</summary>
    [Theory]
    [InlineData("Grid:Proxies:KnownProxies:0", "nginx.internal", "Grid:Proxies:KnownProxies:0")]
    [InlineData("Grid:Proxies:KnownProxies:1", "10.5", "Grid:Proxies:KnownProxies:1")]
    [InlineData("Grid:Proxies:KnownProxies", "10.0.0.5, 10.0.0.0/24", "Grid:Proxies:KnownProxies")]
    [InlineData("Grid:Proxies:KnownNetworks:0", "10.0.0.5/24", "Grid:Proxies:KnownNetworks:0")]
    [InlineData("Grid:Proxies:KnownNetworks:0", "fd00::5/64", "Grid:Proxies:KnownNetworks:0")]
    [InlineData("Grid:Proxies:KnownNetworks:0", "10.0.0.0/33", "Grid:Proxies:KnownNetworks:0")]
    [InlineData("Grid:Proxies:KnownNetworks", "10.0.0.0", "Grid:Proxies:KnownNetworks")]
    [InlineData("Grid:Proxies:KnownNetworks", "fd00::", "Grid:Proxies:KnownNetworks")]
    [InlineData("Grid:Proxies:KnownProxy", "127.0.0.1", "Grid:Proxies:KnownProxy")]
    public void A_proxy_setting_that_is_no_address_or_network_refuses_to_start_and_names_the_setting(string key, string value, string named)
    {
        var e = Assert.Throws<InvalidOperationException>(() => GridApp.Build(
            ["--environment=Testing", $"--ConnectionStrings:Grid={TestServer.AdminConnectionString}",
             "--Grid:Proxies:KnownProxies:0=127.0.0.1", $"--{key}={value}"]));
        Assert.Contains(named, e.Message);
    }
}
