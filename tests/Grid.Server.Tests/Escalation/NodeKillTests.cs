using System.Diagnostics;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// A scheduler node in a process of its own, killed (SIGKILL) in the middle of a ladder: another
/// node started afterwards recovers its triggers and finishes every ladder, each rung once.
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
            await Task.Delay(1500);
            foreach (var id in ids) Assert.Equal(5, (await EscalationCluster.RungsAsync(web, id)).Count);
        }
        finally
        {
            if (!node.HasExited) node.Kill(entireProcessTree: true);
        }
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
