using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Realtime;

/// <summary>Tests that read the whole process's memory: they run alone, after the tests that run in parallel. Beside
/// them another test holding some 50 MB for a moment (a large upload, an import) moved this figure by as much as the
/// 64 MiB it measures (a fresh-clone CI run of session 8: 11.7 MB where 56-96 were expected).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMemoryCollection
{
    public const string Name = "process memory";
}

/// <summary>GET /api/realtime/status's memory figures, which bench/circuits divides among the open circuits.</summary>
[Collection(ProcessMemoryCollection.Name)]
public sealed class RealtimeStatusTests
{
    [Fact]
    public async Task The_live_heap_after_the_last_full_collection_counts_what_that_collection_kept_and_nothing_allocated_after_it()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);

        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var first = await LiveAsync(op.Client);
        // 64 MiB kept alive through a second full collection must show in full; garbage made after it must not.
        var kept = new byte[64 << 20];
        Array.Fill(kept, (byte)1);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var after = await LiveAsync(op.Client);
        // 64 MiB of garbage made after that collection: each array unreachable as soon as the next one is made. (They
        // were once kept in a list until all 16 existed; the large-object allocations themselves can start a full
        // collection, which then rightly counted the ones the list still held: 42 MB in a run of this test alone.)
        for (var i = 0; i < 16; i++)
        {
            var garbage = new byte[4 << 20];
            GC.KeepAlive(garbage);
        }
        var later = await LiveAsync(op.Client);
        GC.KeepAlive(kept);

        // Only the shared server's own background work runs meanwhile: it moves the figure by a few MiB, not by 64.
        Assert.InRange(after - first, 56L << 20, 96L << 20);
        Assert.InRange(later - after, -(16L << 20), 16L << 20);
    }

    private static async Task<long> LiveAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/api/realtime/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>();
        var live = status.GetProperty("liveAfterFullGcBytes");
        Assert.Equal(JsonValueKind.Number, live.ValueKind);
        return live.GetInt64();
    }
}
