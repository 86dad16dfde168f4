using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Jobs;

/// <summary>The Hangfire dashboard at /jobs answers administrators only, through the app's cookie sign-in.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task An_administrator_sees_the_jobs_dashboard_with_the_escalation_claim_job()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);

        var page = await admin.Client.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("GridCity jobs", await page.Content.ReadAsStringAsync());
        var recurring = await admin.Client.GetStringAsync("/jobs/recurring");
        Assert.Contains("escalation-claim", recurring);
        Assert.Contains("hotline-push", recurring);
        // Linked from the administrators' pages (the desk drawer).
        Assert.Contains("href=\"/jobs\"", await admin.Client.GetStringAsync("/inbox"));
    }

    /// <summary>
    /// Hangfire's default lets in any request from a loopback address or from the server's own address, and nobody
    /// else, signed in or not; every other test's client is such a request. Here the connections leave from the
    /// machine's network address to the server listening on 127.0.0.1, as a request through the load balancer comes
    /// from elsewhere: the administrator gets in by the cookie sign-in alone, and a supervisor from there does not.
    /// </summary>
    [Fact]
    public async Task The_dashboard_is_opened_by_the_sign_in_and_not_by_where_the_request_comes_from()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);

        // Any address of this machine that is neither loopback nor the server's (which listens on 127.0.0.1). A machine
        // with no network at all still runs the test from 127.0.0.2 (another loopback address, which Hangfire's default
        // lets in too): the sign-in checks stand, only the check against that default needs a network address.
        var source = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) ?? IPAddress.Parse("127.0.0.2");

        using var byAdmin = await SignInFromAsync(server, source.ToString(), admin.Username);
        var page = await byAdmin.GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("escalation-claim", await page.Content.ReadAsStringAsync());

        using var bySupervisor = await SignInFromAsync(server, source.ToString(), supervisor.Username);
        var refused = await bySupervisor.GetAsync("/jobs/recurring");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.DoesNotContain("escalation-claim", await refused.Content.ReadAsStringAsync());
    }

    /// <summary>A client whose connections leave from <paramref name="source"/>, signed in through the login endpoint.</summary>
    private static async Task<HttpClient> SignInFromAsync(TestServer server, string source, string username)
    {
        var handler = new SocketsHttpHandler
        {
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(IPAddress.Parse(context.DnsEndPoint.Host), context.DnsEndPoint.Port, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        // The connections really leave from there, or this test would prove nothing.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var stop = new CancellationTokenSource();
        var probe = client.GetAsync($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/", stop.Token);
        try
        {
            using var accepted = await listener.AcceptTcpClientAsync();
            Assert.Equal(source, ((IPEndPoint)accepted.Client.RemoteEndPoint!).Address.ToString());
        }
        finally
        {
            await stop.CancelAsync();
            listener.Stop();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => probe);
        }
        var login = await client.PostAsJsonAsync("/api/auth/login", new { username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        return client;
    }

    [Fact]
    public async Task A_supervisor_and_an_anonymous_caller_see_nothing_there()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        Assert.DoesNotContain("href=\"/jobs\"", await supervisor.Client.GetStringAsync("/inbox"));

        foreach (var path in new[] { "/jobs", "/jobs/recurring", "/jobs/jobs/failed" })
        {
            var bySupervisor = await supervisor.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, bySupervisor.StatusCode);
            Assert.StartsWith("/login", bySupervisor.Headers.Location!.PathAndQuery);
            Assert.DoesNotContain("escalation-claim", await bySupervisor.Content.ReadAsStringAsync());

            var anonymous = await server.Anonymous().GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery);
        }
        var stats = await supervisor.Client.PostAsync("/jobs/stats", new FormUrlEncodedContent([]));
        Assert.NotEqual(HttpStatusCode.OK, stats.StatusCode);
    }
}
