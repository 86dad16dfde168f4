using System.Collections.Concurrent;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Realtime;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;
using Npgsql;

namespace Grid.Server.Tests.Realtime;

/// <summary>
/// Writers of case_events no longer take turns (migration 0100), so transactions commit in any
/// order. These tests race many writers, some rolling back, against readers and compare what each
/// reader saw with what committed: every committed event exactly once, nothing rolled back.
/// </summary>
public sealed class GapFreeReadingTests
{
    private const int Writers = 16, TransactionsEach = 30;

    private sealed record Committed(ConcurrentBag<long> Seqs, ConcurrentBag<long> RolledBack);

    /// <summary>
    /// Writers that take a seq and then dawdle before they commit or roll back, so later seqs often
    /// commit first; one more transaction keeps taking a transaction id without writing an event (it
    /// holds readers back and sends no NOTIFY). Each event carries <paramref name="tag"/>.
    /// </summary>
    private static async Task<Committed> WriteAsync(string connectionString, string tag, string cell)
    {
        var committed = new Committed([], []);
        await using var db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = Writers + 4 }.ConnectionString).Build();
        using var done = new CancellationTokenSource();
        var holder = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                await using var conn = await db.OpenConnectionAsync();
                await using var tx = await conn.BeginTransactionAsync();
                await conn.ExecuteAsync("select pg_current_xact_id()", transaction: tx);
                await Task.Delay(Random.Shared.Next(20, 120));
                await tx.CommitAsync();
            }
        });
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < TransactionsEach; i++)
            {
                await using var conn = await db.OpenConnectionAsync();
                await using var tx = await conn.BeginTransactionAsync();
                var seqs = new List<long>();
                for (var k = 0; k < 1 + i % 3; k++)
                {
                    seqs.Add(await conn.ExecuteScalarAsync<long>("""
                        with e as (
                            insert into case_events (at, kind, cell_code, payload)
                            values (now(), 'staff_position', @Cell, jsonb_build_object('stress', @Tag, 'writer', @W, 'n', @N))
                            returning seq)
                        select seq from e, pg_notify('grid_events', seq::text)
                        """, new { Cell = cell, Tag = tag, W = w, N = i }, tx));
                    await Task.Delay(Random.Shared.Next(0, 12));
                }
                if (Random.Shared.Next(4) == 0)
                {
                    await tx.RollbackAsync();
                    foreach (var s in seqs) committed.RolledBack.Add(s);
                }
                else
                {
                    await tx.CommitAsync();
                    foreach (var s in seqs) committed.Seqs.Add(s);
                }
            }
        })));
        done.Cancel();
        await holder;
        return committed;
    }

    [Fact]
    public async Task A_reader_sees_every_committed_event_once_while_writers_commit_out_of_order_and_roll_back()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var tag = Guid.NewGuid().ToString("N");
        await using var conn = await server.Db.OpenConnectionAsync();
        await using var db = EventRepository.ContextOn(conn);
        var start = await EventRepository.StableEndAsync(db, default);

        // The listener's algorithm, as fast as it can go, while the writers run.
        var seen = new List<EventRow>();
        var position = start;
        var writing = WriteAsync(server.ConnectionString, tag, world.Cells[0]);
        async Task ReadAsync()
        {
            while (true)
            {
                var rows = await EventRepository.ReadAfterAsync(db, position, 500, default);
                foreach (var r in rows)
                {
                    Assert.True(r.Position > position, $"event {r.Seq} read out of order");
                    position = r.Position;
                    if (r.Payload.Contains(tag, StringComparison.Ordinal)) seen.Add(r);
                }
                if (rows.Count < 500) return;
            }
        }
        while (!writing.IsCompleted)
        {
            await ReadAsync();
            await Task.Delay(1);
        }
        var committed = await writing;
        var until = DateTime.UtcNow.AddSeconds(20);
        do await ReadAsync();
        while (await EventRepository.HeldBackAsync(db, default) && DateTime.UtcNow < until && seen.Count < committed.Seqs.Count);
        await ReadAsync();

        Assert.True(committed.RolledBack.Count > 0 && committed.Seqs.Count > 100, "the race needs commits and rollbacks");
        var seqs = seen.Select(r => r.Seq).ToList();
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
        Assert.Equal(committed.Seqs.Order(), seqs.Order());
        Assert.Empty(seqs.Intersect(committed.RolledBack));
        // Out of seq order at least once: the race did make later seqs commit first.
        Assert.NotEqual(seqs.Order(), seqs);
    }

    /// <summary>
    /// The gap in seq order made deterministic: a transaction takes a seq and stays open while a later one commits past
    /// it. The reader does not step over the hole (it would never come back for it): it reads nothing of either until the
    /// hole's transaction ends, then both, in commit order, once; a hole whose transaction rolls back is passed.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_reader_waits_at_a_hole_held_by_an_open_transaction_and_then_reads_past_it_once(bool holeCommits)
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var tag = Guid.NewGuid().ToString("N");
        const string InsertSql = """
            insert into case_events (at, kind, cell_code, payload)
            values (now(), 'staff_position', @Cell, jsonb_build_object('gap', @Tag)) returning seq
            """;
        await using var readConn = await server.Db.OpenConnectionAsync();
        await using var db = EventRepository.ContextOn(readConn);
        var position = await EventRepository.StableEndAsync(db, default);
        var seen = new List<long>();
        async Task ReadAsync()
        {
            while (true)
            {
                var rows = await EventRepository.ReadAfterAsync(db, position, 500, default);
                foreach (var r in rows)
                {
                    position = r.Position;
                    if (r.Payload.Contains(tag, StringComparison.Ordinal)) seen.Add(r.Seq);
                }
                if (rows.Count < 500) return;
            }
        }

        await using var holeConn = await server.Db.OpenConnectionAsync();
        await using var holeTx = await holeConn.BeginTransactionAsync();
        var hole = await holeConn.ExecuteScalarAsync<long>(InsertSql, new { Cell = world.Cells[0], Tag = tag }, holeTx);
        long after;
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            after = await conn.ExecuteScalarAsync<long>(InsertSql, new { Cell = world.Cells[0], Tag = tag });
        }
        Assert.True(after > hole);

        // Committed past an open hole: not read yet (a reader that took it would step over the hole for good).
        await ReadAsync();
        Assert.True(seen.Count == 0, $"read {string.Join(", ", seen)} while seq {hole} was still open");
        Assert.True(await EventRepository.HeldBackAsync(db, default));

        if (holeCommits) await holeTx.CommitAsync();
        else await holeTx.RollbackAsync();
        long[] expected = holeCommits ? [hole, after] : [after];
        // Other tests' transactions may hold the horizon a moment longer: read until ours came (bounded, fails).
        await EscalationCluster.PollAsync(async () => { await ReadAsync(); return seen.ToList(); }, s => s.Count >= expected.Length,
            TimeSpan.FromSeconds(20), s => $"seqs {string.Join(", ", expected)} (read: {string.Join(", ", s)})");
        await ReadAsync();
        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task A_hub_client_on_another_node_receives_every_committed_event_once_under_concurrent_writers()
    {
        var nodeA = await TestServer.SharedAsync();
        await using var nodeB = await TestServer.StartAsync("node-stress", nodeA.ConnectionString);
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var tag = Guid.NewGuid().ToString("N");
        await using var live = await LiveClient.ConnectAsync(nodeB, op.Username);

        var committed = await WriteAsync(nodeA.ConnectionString, tag, world.Cells[0]);

        // "Nothing more" is a signal, not a pause: a marker event committed after every writer ended arrives after
        // everything committed before it (the feed delivers in transaction order), so once a client has the marker,
        // a late duplicate or a replayed event would already be there.
        await WaitForMarkerAsync(live, await WriteMarkerAsync(nodeA, world.Cells[0]));
        var mine = live.Events.Where(e => e.Payload.ToString().Contains(tag, StringComparison.Ordinal)).Select(e => e.Seq).ToList();
        Assert.Equal(mine.Count, mine.Distinct().Count());
        Assert.Equal(committed.Seqs.Order(), mine.Order());
        Assert.Empty(mine.Intersect(committed.RolledBack));
        Assert.Equal(0, live.Resyncs);

        // And a client that comes back after the last event it got receives nothing again.
        await using var again = await LiveClient.ConnectAsync(nodeA, op.Username, afterSeq: live.Events[^1].Seq);
        await WaitForMarkerAsync(again, await WriteMarkerAsync(nodeA, world.Cells[0]));
        Assert.DoesNotContain(again.Events, e => e.Payload.ToString().Contains(tag, StringComparison.Ordinal));
    }

    /// <summary>Commits one event with a fresh marker in its payload and returns the marker.</summary>
    private static async Task<string> WriteMarkerAsync(TestServer server, string cell)
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        await using var conn = await server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            with e as (
                insert into case_events (at, kind, cell_code, payload)
                values (now(), 'staff_position', @Cell, jsonb_build_object('marker', @Marker))
                returning seq)
            select pg_notify('grid_events', seq::text) from e
            """, new { Cell = cell, Marker = marker });
        return marker;
    }

    /// <summary>Waits (bounded, fails on timeout) until the client received the marker event.</summary>
    private static async Task WaitForMarkerAsync(LiveClient client, string marker)
    {
        var until = DateTime.UtcNow.AddSeconds(20);
        while (!client.Events.Any(e => e.Payload.ToString().Contains(marker, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"The marker event {marker} did not reach the client within 20 s ({client.Events.Count} events received).");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task A_client_resuming_after_a_seq_that_is_no_event_is_told_to_reload()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(
            () => LiveClient.ConnectAsync(server, op.Username, afterSeq: long.MaxValue - 1));
        Assert.Contains("subscribe without 'afterSeq'", error.Message);
    }
}
