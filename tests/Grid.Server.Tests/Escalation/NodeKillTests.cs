using System.Diagnostics;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Quartz;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// A scheduler node in a process of its own, killed (SIGKILL) in the middle of a ladder: another
/// node, already running beside it or started afterwards, recovers its triggers and finishes every
/// ladder, each rung once.
/// </summary>
public sealed class NodeKillTests
{
    [Fact]
    public async Task A_node_killed_mid_ladder_leaves_its_due_jobs_to_another_node()
    {
        // The in-process server only serves HTTP here; the schedulers are the other process and, later, the survivor.
        var quiet = new Dictionary<string, string?>(EscalationCluster.Settings) { ["Grid:Escalation:Enabled"] = "false" };
        await using var web = await TestServer.StartAsync(TestServer.DatabaseName("kill"), settings: quiet);
        using var node = StartNodeProcess(web.ConnectionString);
        try
        {
            await EscalationCluster.PollAsync(() => InstancesAsync(web), n => n >= 1, TimeSpan.FromSeconds(30));
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
    public async Task Of_two_running_nodes_the_one_holding_the_next_rung_is_killed_and_the_other_fires_it_once()
    {
        // Both nodes schedule from the start: this in-process server and a server process beside it.
        await using var survivor = await TestServer.StartAsync(TestServer.DatabaseName("kill2"), settings: EscalationCluster.Settings);
        var survivorId = (await survivor.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler()).SchedulerInstanceId;
        using var node = StartNodeProcess(survivor.ConnectionString);
        try
        {
            Assert.Equal(2, await EscalationCluster.PollAsync(() => InstancesAsync(survivor), n => n >= 2, TimeSpan.FromSeconds(30)));

            var world = await TestWorld.CreateAsync(survivor);
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
            // Staggered ladders, so rungs keep coming for several seconds on both nodes.
            for (var i = 0; i < ids.Count; i++)
            {
                await EscalationCluster.SetClockAsync(survivor, ids[i], TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2 + i));
            }

            // Quartz takes a trigger shortly before it is due (up to IdleWaitSeconds) and marks it ACQUIRED
            // for its node. Kill the other node while it holds a rung that is not yet due.
            var held = await HeldRungAsync(survivor, survivorId, TimeSpan.FromSeconds(30));
            Assert.True(held is not null, "The other node never took a rung of the ladders.");
            // The kill takes effect when sent (SIGKILL); waiting to see the exit can take long on a busy machine.
            var killedAt = DateTimeOffset.UtcNow;
            node.Kill(entireProcessTree: true);
            await node.WaitForExitAsync();

            foreach (var id in ids)
            {
                var rungs = await EscalationCluster.WaitForRungsAsync(survivor, id, 5, TimeSpan.FromSeconds(40));
                Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], rungs.Select(r => r.Level));
            }
            foreach (var id in ids)
            {
                await EscalationCluster.AssertStaysAsync(async () => (await EscalationCluster.RungsAsync(survivor, id)).Count, n => n == 5,
                    TimeSpan.FromSeconds(0.5), $"five rungs of case {id}");
            }
            await using var conn = await survivor.Db.OpenConnectionAsync();
            var perCase = await conn.QueryAsync<(long CaseId, int Rungs, int Events, int History)>("""
                select c.id, (select count(*)::int from escalations e where e.case_id = c.id),
                       (select count(*)::int from case_events v where v.case_id = c.id and v.kind = 'case_escalated'),
                       (select count(*)::int from case_history h where h.case_id = c.id and h.action = 'escalate')
                from cases c where c.id = any(@Ids)
                """, new { Ids = ids.ToArray() });
            Assert.Equal(ids.Count, perCase.Count());
            Assert.All(perCase, p => Assert.Equal((5, 5, 5), (p.Rungs, p.Events, p.History)));

            // The rung the dead node held fired once, after the kill: recovered by the node still running.
            var (caseId, dueMs) = held!.Value;
            var recovered = Assert.Single(await EscalationCluster.RungsAsync(survivor, caseId), r => r.DueAt.ToUnixTimeMilliseconds() == dueMs);
            Assert.True(recovered.At > killedAt, $"The held rung fired at {recovered.At:O}, before the kill at {killedAt:O}.");
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
    }

    /// <summary>A case rung acquired by a node other than <paramref name="me"/>, due at least 700 ms later (time to kill its node on a busy machine).</summary>
    private static async Task<(long CaseId, long DueMs)?> HeldRungAsync(TestServer server, string me, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        await using var conn = await server.Db.OpenConnectionAsync();
        while (DateTime.UtcNow < until)
        {
            // Quartz stores times as .NET ticks (UTC).
            var rows = await conn.QueryAsync<(string Group, string Name)>("""
                select trigger_group, trigger_name from qrtz_fired_triggers
                where instance_name <> @Me and state = 'ACQUIRED' and trigger_group like 'case-%' and sched_time > @Soon
                limit 1
                """, new { Me = me, Soon = DateTime.UtcNow.AddMilliseconds(700).Ticks });
            foreach (var r in rows) return (long.Parse(r.Group["case-".Length..]), long.Parse(r.Name["at-".Length..]));
            await Task.Delay(20);
        }
        return null;
    }

    private static async Task<int> InstancesAsync(TestServer server)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("select count(*)::int from qrtz_scheduler_state");
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
