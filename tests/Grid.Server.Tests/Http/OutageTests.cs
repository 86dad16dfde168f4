using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Npgsql;

namespace Grid.Server.Tests.Http;

public sealed class OutageTests
{
    [Fact]
    public async Task While_the_database_is_unreachable_requests_get_503_with_Retry_After_and_readiness_says_so()
    {
        var shared = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(shared);
        var reporter = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        // A second node on the same database, reaching it through a relay the test can cut.
        var admin = new NpgsqlConnectionStringBuilder(shared.ConnectionString);
        await using var cutter = new TcpCutter(admin.Host!, admin.Port);
        var viaRelay = new NpgsqlConnectionStringBuilder(shared.ConnectionString) { Host = "127.0.0.1", Port = cutter.Port, Timeout = 2, Pooling = true };
        await using var node = await TestServer.StartAsync("unused", viaRelay.ConnectionString);
        var client = await node.SignInAsync(reporter.Username);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);

        cutter.Cut();
        var (lat, lon) = world.Inside(0);
        var key = Guid.NewGuid().ToString("N");
        HttpRequestMessage Report()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/cases")
            {
                Content = JsonContent.Create(new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Outage report" }),
            };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }
        var refused = await client.SendAsync(Report());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("same Idempotency-Key", await refused.Content.ReadAsStringAsync());
        var ready = await node.Anonymous().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        // Liveness still answers: the process is fine, only its database is gone.
        Assert.Equal(HttpStatusCode.OK, (await node.Anonymous().GetAsync("/health")).StatusCode);
        var open311 = await node.Anonymous().GetAsync("/open311/v2/requests.xml");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, open311.StatusCode);
        Assert.Contains("<errors>", await open311.Content.ReadAsStringAsync());

        cutter.Restore();
        HttpResponseMessage retried = refused;
        for (var i = 0; i < 20 && retried.StatusCode == HttpStatusCode.ServiceUnavailable; i++)
        {
            await Task.Delay(250);
            retried = await client.SendAsync(Report());
        }
        var filed = await TestWorld.ReadAsync<CaseView>(retried, HttpStatusCode.Created);
        var again = await TestWorld.ReadAsync<CaseView>(await client.SendAsync(Report()), HttpStatusCode.Created);
        Assert.Equal(filed.Id, again.Id);
        Assert.Equal(HttpStatusCode.OK, (await node.Anonymous().GetAsync("/health/ready")).StatusCode);
    }
}
