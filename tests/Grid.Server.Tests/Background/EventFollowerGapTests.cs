using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Background;

/// <summary>
/// Holes in the case_events sequence (a rolled-back insert, or a row still to become visible) do not
/// hold escalation back: a change of the clock after a young hole is acted on at once, and a change
/// whose event fills the hole later is acted on too; a change after an old hole likewise. (The ladder
/// follows cases.next_rung_at, written with the change; it no longer reads case_events.) Effects are
/// read from the database: rung rows of the cases whose clock the changes move.
/// </summary>
public sealed class EventFollowerGapTests
{
    private static readonly Dictionary<string, string?> Settings = EscalationCluster.Settings;

    private static async Task<TestServer> StartAsync()
    {
        var server = await TestServer.StartAsync(TestServer.DatabaseName("follower"), settings: Settings);
        await EscalationCluster.UseSecondScaleLadderAsync(server.ConnectionString);
        return server;
    }

    /// <summary>Moves the case's clock to "warning due now" and announces it with an event (explicit seq when given).</summary>
    private const string SetClockSql = """
        update cases set dispatched_at = now() - interval '2 seconds', deadline = now() + interval '2 seconds' where id = @Id
        """;

    private const string InsertEventSql = """
        insert into case_events (at, kind, case_id, cell_code, payload)
        select @At, 'case_changed', c.id, c.cell_code, jsonb_build_object('caseId', c.id, 'action', 'test_clock', 'state', c.state)
        from cases c where c.id = @Id
        returning seq
        """;

    private const string InsertEventAtSeqSql = """
        insert into case_events (seq, at, kind, case_id, cell_code, payload) overriding system value
        select @Seq, now(), 'case_changed', c.id, c.cell_code, jsonb_build_object('caseId', c.id, 'action', 'test_clock', 'state', c.state)
        from cases c where c.id = @Id
        """;

    private static async Task<long[]> DispatchedCasesAsync(TestServer server, int count)
    {
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var ids = new long[count];
        for (var i = 0; i < count; i++)
        {
            var c = await world.ReportAsync(worker, i % world.Cells.Length);
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
            ids[i] = c.Id;
        }
        return ids;
    }

    private static async Task<long> BurnSeqAsync(TestServer server, long caseId)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var seq = await conn.ExecuteScalarAsync<long>(InsertEventSql, new { Id = caseId, At = DateTimeOffset.UtcNow }, tx);
        await tx.RollbackAsync();
        return seq;
    }

    [Fact]
    public async Task Events_after_a_young_gap_are_acted_on_and_a_row_that_fills_the_gap_later_is_acted_on_too()
    {
        await using var server = await StartAsync();
        var ids = await DispatchedCasesAsync(server, 2);
        var (late, after) = (ids[0], ids[1]);

        var hole = await BurnSeqAsync(server, late);
        await using (var conn = await server.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync(SetClockSql, new { Id = after }, tx);
            Assert.True(await conn.ExecuteScalarAsync<long>(InsertEventSql, new { Id = after, At = DateTimeOffset.UtcNow }, tx) > hole);
            await tx.CommitAsync();
        }
        var gapOpened = DateTime.UtcNow;
        // The event past the hole is acted on now, not after the grace.
        await EscalationCluster.WaitForRungsAsync(server, after, 1, TimeSpan.FromSeconds(10));

        // The hole is filled by a row that shows up late (as a commit that took its number earlier would).
        await using (var conn = await server.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync(SetClockSql, new { Id = late }, tx);
            await conn.ExecuteAsync(InsertEventAtSeqSql, new { Seq = hole, Id = late }, tx);
            await tx.CommitAsync();
        }
        Assert.True(DateTime.UtcNow - gapOpened < TimeSpan.FromSeconds(15),
            "The machine was too slow to fill the hole within its grace; the test proves nothing this run.");
        var rungs = await EscalationCluster.WaitForRungsAsync(server, late, 1, TimeSpan.FromSeconds(10));
        Assert.Equal("warning", rungs[0].Level);
    }

    [Fact]
    public async Task A_gap_older_than_the_grace_is_passed_and_what_follows_it_is_acted_on()
    {
        await using var server = await StartAsync();
        var ids = await DispatchedCasesAsync(server, 2);
        var hole = await BurnSeqAsync(server, ids[0]);
        long next;
        await using (var conn = await server.Db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync(SetClockSql, new { Id = ids[1] }, tx);
            // The row after the hole is older than the grace: the hole was a rollback.
            next = await conn.ExecuteScalarAsync<long>(InsertEventSql, new { Id = ids[1], At = DateTimeOffset.UtcNow.AddMinutes(-1) }, tx);
            await tx.CommitAsync();
        }
        Assert.True(next > hole);
        var rungs = await EscalationCluster.WaitForRungsAsync(server, ids[1], 1, TimeSpan.FromSeconds(10));
        Assert.Equal("warning", rungs[0].Level);
    }
}
