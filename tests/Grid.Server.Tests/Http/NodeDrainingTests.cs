using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Grid.Server.Tests.Http;

/// <summary>
/// A stopping node takes no new requests (503, Retry-After, connection closed), so that clients and desk
/// circuits reconnect elsewhere instead of holding the node until its shutdown timeout.
/// </summary>
public sealed class NodeDrainingTests
{
    [Fact]
    public async Task Once_the_node_begins_to_stop_a_new_request_is_refused_with_503_Retry_After_and_nothing_is_written()
    {
        var shared = await TestServer.SharedAsync();
        await using var node = await TestServer.StartAsync("node-draining", shared.ConnectionString);
        var world = await TestWorld.CreateAsync(node);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var client = worker.Client;
        var (lat, lon) = world.Inside(0);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        // What StopAsync does first (SIGTERM, a deployment's stop): the lifetime says "stopping". This test
        // host does not wait for the stop, so its server still answers and the refusal can be seen.
        node.App.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        var description = "draining " + Guid.NewGuid().ToString("N");
        using var report = await client.PostAsJsonAsync("/api/cases", new
        {
            lat, lon, categoryCode = TestCatalogue.LightEvent, description, source = "field",
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, report.StatusCode);
        Assert.Equal("1", report.Headers.RetryAfter?.ToString());
        Assert.True(report.Headers.ConnectionClose);
        var problem = JsonDocument.Parse(await report.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("shutting down", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await node.Anonymous().GetAsync("/health")).StatusCode);

        await using var conn = await shared.Db.OpenConnectionAsync();
        await using var count = conn.CreateCommand();
        count.CommandText = "select count(*) from cases where description = @d";
        count.Parameters.AddWithValue("d", description);
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
