using System.Diagnostics;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Npgsql;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// A node (a Hangfire server) in a process of its own, killed (SIGKILL) in the middle of a ladder or
/// of a claim batch: another node, already running beside it or started afterwards, fires what it
/// left, and every rung happens once. Also: every node down while rungs fall due.
/// </summary>
public sealed class NodeKillTests
{
    [Fact]
    public async Task A_node_killed_mid_ladder_leaves_its_due_jobs_to_another_node()
    {
        // The in-process server only serves HTTP here; the schedulers are the other process and, later, the survivor.
        var quiet = new Dictionary<string, string?>(EscalationCluster.Settings) { ["Grid:Jobs:Enabled"] = "false" };
        await using var web = await TestServer.StartAsync(TestServer.DatabaseName("kill"), settings: quiet);
        await EscalationCluster.UseSecondScaleLadderAsync(web.ConnectionString);
        using var node = StartNodeProcess(web.ConnectionString);
        try
        {
            await EscalationCluster.PollAsync(() => InstancesAsync(web), n => n >= 1, TimeSpan.FromSeconds(90));
            Assert.Equal(1, await InstancesAsync(web));

            var world = await TestWorld.CreateAsync(web);
            var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
            await world.PersonAsync(Role.GridHead, world.Cells[0]);
            var op = await world.PersonAsync([Role.Operator], []);
            var ids = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                var c = await world.ReportAsync(worker, 0);
                await op.StepOkAsync(c.Id, "register");
                await op.StepOkAsync(c.Id, "dispatch");
                ids.Add(c.Id);
            }
            foreach (var id in ids) await EscalationCluster.SetClockAsync(web, id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
            var before = await EscalationCluster.WaitForRungsAsync(web, ids[0], 2, TimeSpan.FromSeconds(20));
            Assert.True(before.Count is >= 2 and < 5, $"The first node fired {before.Count} rungs before it was killed.");

            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();

            await using var survivor = await TestServer.StartAsync("survivor", web.ConnectionString, EscalationCluster.Settings);
            foreach (var id in ids)
            {
                var rungs = await EscalationCluster.WaitForRungsAsync(web, id, 5, TimeSpan.FromSeconds(40));
                Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], rungs.Select(r => r.Level));
            }
            foreach (var id in ids)
            {
                await EscalationCluster.AssertStaysAsync(async () => (await EscalationCluster.RungsAsync(web, id)).Count, n => n == 5,
                    TimeSpan.FromSeconds(0.5), $"five rungs of case {id}");
            }
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task Of_two_running_nodes_the_one_killed_mid_batch_leaves_its_claimed_rungs_to_the_other_once()
    {
        // The in-process host serves HTTP only at first; the doomed node (a process of its own) is the only
        // scheduler until it is caught mid-batch, so it is the one that claims (with both running from the
        // start, either may claim every due case and the other never gets one). Then the survivor starts
        // beside it, and both run when the doomed node is killed.
        var quiet = new Dictionary<string, string?>(EscalationCluster.Settings) { ["Grid:Jobs:Enabled"] = "false" };
        await using var web = await TestServer.StartAsync(TestServer.DatabaseName("kill2"), settings: quiet);
        await EscalationCluster.UseSecondScaleLadderAsync(web.ConnectionString);
        var doomedConnection = new NpgsqlConnectionStringBuilder(web.ConnectionString) { ApplicationName = "gridcity-doomed" }.ConnectionString;
        using var node = StartNodeProcess(doomedConnection);
        TestServer? survivorNode = null;
        try
        {
            Assert.Equal(1, await EscalationCluster.PollAsync(() => InstancesAsync(web), n => n >= 1, TimeSpan.FromSeconds(90)));

            var world = await TestWorld.CreateAsync(web);
            var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
            await world.PersonAsync(Role.GridHead, world.Cells[0]);
            var op = await world.PersonAsync([Role.Operator], []);
            var ids = new List<long>();
            for (var i = 0; i < 6; i++)
            {
                var c = await world.ReportAsync(worker, 0);
                await op.StepOkAsync(c.Id, "register");
                await op.StepOkAsync(c.Id, "dispatch");
                ids.Add(c.Id);
            }
            // Warnings fall due one a second from about 1.5 s on, so the doomed node's claim runs take
            // them while the event lock below is held.
            for (var i = 0; i < ids.Count; i++)
            {
                await EscalationCluster.SetClockAsync(web, ids[i], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4 + 2 * i));
            }

            // Block inserts into case_events (migration 0100 removed 0010's global advisory lock, which
            // this test used to hold): a claim batch stops at its event insert, its rows locked and its
            // rungs written but not committed: mid-batch.
            await using var admin = new NpgsqlConnection(web.ConnectionString);
            await admin.OpenAsync();
            await admin.ExecuteAsync("create extension if not exists pgrowlocks");
            await using var gate = await admin.BeginTransactionAsync();
            await admin.ExecuteAsync("lock table case_events in share mode", transaction: gate);
            await using var watcher = new NpgsqlConnection(web.ConnectionString);
            await watcher.OpenAsync();
            var held = await EscalationCluster.PollAsync(() => HeldByDoomedAsync(watcher, ids), h => h.Count > 0, TimeSpan.FromSeconds(30),
                _ => "the other node to hold cases mid-batch; " + DescribeAsync(watcher, ids).GetAwaiter().GetResult());
            Assert.True(held.Count > 0, "The other node never stopped mid-batch holding cases of the ladders.");

            // The second node starts and runs beside the doomed one (its claims, too, wait at the gate).
            survivorNode = await TestServer.StartAsync("survivor", web.ConnectionString, EscalationCluster.Settings);
            Assert.Equal(2, await EscalationCluster.PollAsync(() => InstancesAsync(web), n => n >= 2, TimeSpan.FromSeconds(90)));

            // The kill takes effect when sent (SIGKILL); waiting to see the exit can take long on a busy machine.
            var killedAt = DateTimeOffset.UtcNow;
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();
            await gate.RollbackAsync();

            foreach (var id in ids)
            {
                var rungs = await EscalationCluster.WaitForRungsAsync(web, id, 5, TimeSpan.FromSeconds(40));
                Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], rungs.Select(r => r.Level));
            }
            foreach (var id in ids)
            {
                await EscalationCluster.AssertStaysAsync(async () => (await EscalationCluster.RungsAsync(web, id)).Count, n => n == 5,
                    TimeSpan.FromSeconds(0.5), $"five rungs of case {id}");
            }
            await using var conn = await web.Db.OpenConnectionAsync();
            var perCase = await conn.QueryAsync<(long CaseId, int Rungs, int Events, int History)>("""
                select c.id, (select count(*)::int from escalations e where e.case_id = c.id),
                       (select count(*)::int from case_events v where v.case_id = c.id and v.kind = 'case_escalated'),
                       (select count(*)::int from case_history h where h.case_id = c.id and h.action = 'escalate')
                from cases c where c.id = any(@Ids)
                """, new { Ids = ids.ToArray() });
            Assert.Equal(ids.Count, perCase.Count());
            Assert.All(perCase, p => Assert.Equal((5, 5, 5), (p.Rungs, p.Events, p.History)));

            // The warnings the dead node had written but not committed fired once, after the kill, by the node still running.
            foreach (var id in held)
            {
                var warning = Assert.Single(await EscalationCluster.RungsAsync(web, id), r => r.Level == "warning");
                Assert.True(warning.At > killedAt, $"Case {id}'s warning fired at {warning.At:O}, before the kill at {killedAt:O}.");
            }
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
            if (survivorNode is not null) await survivorNode.DisposeAsync();
        }
    }

    [Fact]
    public async Task Rungs_due_while_every_node_was_down_fire_once_in_order_when_one_comes_up()
    {
        var database = TestServer.DatabaseName("outage");
        var first = await TestServer.StartAsync(database, settings: EscalationCluster.Settings);
        await EscalationCluster.UseSecondScaleLadderAsync(first.ConnectionString);
        var connectionString = first.ConnectionString;
        var world = await TestWorld.CreateAsync(first);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        await first.DisposeAsync();

        // Every node is down. The clock moves so that the whole ladder falls due during the outage.
        await using var db = NpgsqlDataSource.Create(connectionString);
        await EscalationCluster.SetClockAsync(db, c.Id, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(1));
        await EscalationCluster.AssertStaysAsync(async () => (await EscalationCluster.RungsAsync(db, c.Id)).Count, n => n == 0,
            TimeSpan.FromSeconds(8), "no rungs while every node is down");

        var upAt = DateTimeOffset.UtcNow;
        await using var second = await TestServer.StartAsync("after-outage", connectionString, EscalationCluster.Settings);
        var rungs = await EscalationCluster.WaitForRungsAsync(db, c.Id, 5, TimeSpan.FromSeconds(30));
        Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], rungs.Select(r => r.Level));
        Assert.All(rungs, r => Assert.True(r.At >= upAt && r.At - upAt < TimeSpan.FromSeconds(10), $"{r.Level} fired at {r.At:O}; the node came up at {upAt:O}"));
        Assert.Equal(rungs.OrderBy(r => r.DueAt).Select(r => r.Id), rungs.Select(r => r.Id));
        await using var conn = await db.OpenConnectionAsync();
        var events = (await conn.QueryAsync<string>(
            "select payload->>'level' from case_events where case_id = @Id and kind = 'case_escalated' order by seq", new { Id = c.Id })).ToList();
        Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], events);
        await EscalationCluster.AssertStaysAsync(async () => (await EscalationCluster.RungsAsync(db, c.Id)).Count, n => n == 5,
            TimeSpan.FromSeconds(1.5), "five rungs after the outage");
    }

    /// <summary>
    /// Cases of <paramref name="ids"/> whose rows the doomed node's claim holds locked while it waits for the
    /// case_events table lock (its event insert): its rungs are written, nothing of the batch is committed.
    /// Only cases without a committed rung count, so what is held is their first rung, the warning.
    /// </summary>
    private static async Task<List<long>> HeldByDoomedAsync(NpgsqlConnection conn, List<long> ids) =>
        (await conn.QueryAsync<long>("""
            select c.id from cases c
            join pgrowlocks('cases') l on l.locked_row = c.ctid
            where c.id = any(@Ids)
              and not exists (select 1 from escalations e where e.case_id = c.id)
              and exists (select 1 from pg_stat_activity a
                          join pg_locks k on k.pid = a.pid and not k.granted and k.locktype = 'relation'
                                         and k.relation = 'case_events'::regclass
                          where a.application_name = 'gridcity-doomed' and a.pid = any(l.pids))
            """, new { Ids = ids.ToArray() })).ToList();

    /// <summary>What the connections of the test database are doing and who holds which case: said when the wait fails.</summary>
    private static async Task<string> DescribeAsync(NpgsqlConnection conn, List<long> ids)
    {
        var activity = await conn.QueryAsync<string>("""
            select a.pid || ' ' || coalesce(a.application_name, '') || ' ' || coalesce(a.state, '') || ' '
                   || coalesce(a.wait_event_type || ':' || a.wait_event, '-') || ' ' || left(regexp_replace(a.query, '\s+', ' ', 'g'), 60)
            from pg_stat_activity a where a.datname = current_database() and a.pid <> pg_backend_pid() and a.state <> 'idle'
            """);
        var locks = await conn.QueryAsync<string>("""
            select c.id || ' by ' || array_to_string(l.pids, ',') from cases c
            join pgrowlocks('cases') l on l.locked_row = c.ctid where c.id = any(@Ids)
            """, new { Ids = ids.ToArray() });
        var rungs = await conn.QueryAsync<string>("select case_id || ':' || level from escalations where case_id = any(@Ids) order by id", new { Ids = ids.ToArray() });
        var servers = await conn.QueryAsync<string>("select id from hangfire.server");
        var apps = await conn.QueryAsync<string>("select coalesce(application_name,'?') || ':' || count(*) from pg_stat_activity where datname = current_database() group by application_name");
        var jobs = await conn.QueryAsync<string>("select coalesce(statename,'?') || ':' || count(*) from hangfire.job group by statename");
        return $"servers [{string.Join("; ", servers)}], apps [{string.Join("; ", apps)}], jobs [{string.Join("; ", jobs)}], busy connections [{string.Join("; ", activity)}], case row locks [{string.Join("; ", locks)}], rungs [{string.Join(" ", rungs)}]";
    }

    private static async Task<int> InstancesAsync(TestServer server)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("select count(*)::int from hangfire.server");
    }

    /// <summary>The real server binary (copied beside the tests) as a separate process on the same database.</summary>
    private static Process StartNodeProcess(string connectionString)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Grid.Server.dll"));
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        info.ArgumentList.Add("--environment=Testing");
        info.ArgumentList.Add($"--ConnectionStrings:Grid={connectionString}");
        info.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var (key, value) in EscalationCluster.Settings) info.ArgumentList.Add($"--{key}={value}");
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
