using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Npgsql;

namespace Grid.Server.Tests.Background;

/// <summary>
/// The database guard that makes each rung of a ladder happen once per deadline (the unique index on
/// escalations), tested on its own: two firings of the same rung forced to run at the same moment in
/// two transactions that take no row lock on the case, as two nodes (or two jobs) would without one.
/// Whatever runs the ladder, this is the guard its effects rest on.
/// </summary>
public sealed class RungOnceGuardTests
{
    private const string InsertRungSql = """
        insert into escalations (case_id, level, deadline, due_at, at, cell_code)
        select c.id, @Level, @Deadline, @Deadline, now(), c.cell_code from cases c where c.id = @Id
        """;

    private static async Task<long> DispatchedCaseAsync(TestWorld world)
    {
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        return c.Id;
    }

    [Fact]
    public async Task Two_firings_of_the_same_rung_at_the_same_moment_store_one_rung()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var id = await DispatchedCaseAsync(world);
        var deadline = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await using var first = await server.Db.OpenConnectionAsync();
        await using var second = await server.Db.OpenConnectionAsync();
        await using var tx1 = await first.BeginTransactionAsync();
        await using var tx2 = await second.BeginTransactionAsync();
        Assert.Equal(1, await first.ExecuteAsync(InsertRungSql, new { Id = id, Level = "grid_head", Deadline = deadline }, tx1));
        var pid1 = await first.ExecuteScalarAsync<int>("select pg_backend_pid()", transaction: tx1);

        // The second firing runs while the first is still open: it must wait for it, then lose.
        var racing = second.ExecuteAsync(InsertRungSql, new { Id = id, Level = "grid_head", Deadline = deadline }, tx2);
        await using (var watch = await server.Db.OpenConnectionAsync())
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            while (!racing.IsCompleted && await watch.ExecuteScalarAsync<int>(
                       "select count(*)::int from pg_stat_activity where @Pid = any(pg_blocking_pids(pid))", new { Pid = pid1 }) == 0)
            {
                Assert.True(DateTime.UtcNow < until, "The second firing neither waited for the first nor finished.");
                await Task.Delay(20);
            }
        }
        Assert.False(racing.IsCompleted && !racing.IsFaulted, "The second firing of the same rung was stored while the first was still open.");
        await tx1.CommitAsync();
        var refused = await Assert.ThrowsAsync<PostgresException>(() => racing);
        Assert.Equal(PostgresErrorCodes.UniqueViolation, refused.SqlState);
        await tx2.RollbackAsync();

        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "select count(*)::int from escalations where case_id = @Id and level = 'grid_head'", new { Id = id }));
    }

    [Fact]
    public async Task The_same_rung_of_a_new_deadline_and_repeated_manual_supervision_are_allowed()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var id = await DispatchedCaseAsync(world);
        await using var conn = await server.Db.OpenConnectionAsync();
        var old = new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(1, await conn.ExecuteAsync(InsertRungSql, new { Id = id, Level = "assignee", Deadline = old }));
        // An extension gives a new deadline: its ladder starts again.
        Assert.Equal(1, await conn.ExecuteAsync(InsertRungSql, new { Id = id, Level = "assignee", Deadline = old.AddDays(3) }));
        var again = await Assert.ThrowsAsync<PostgresException>(() =>
            conn.ExecuteAsync(InsertRungSql, new { Id = id, Level = "assignee", Deadline = old }));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, again.SqlState);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(1, await conn.ExecuteAsync("""
                insert into escalations (case_id, level, deadline, due_at, at, note, cell_code)
                select c.id, 'supervise', null, now(), now(), 'Again', c.cell_code from cases c where c.id = @Id
                """, new { Id = id }));
        }
    }
}
