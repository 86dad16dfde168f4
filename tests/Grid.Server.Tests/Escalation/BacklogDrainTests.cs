using Dapper;
using Grid.Domain.People;
using Grid.Server.Escalation;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// After an outage or an import the claim job does not fire one batch per tick: one run keeps claiming bounded
/// batches while rows are due. A node without a Hangfire server (nothing runs by itself) and a batch of two cases;
/// the job is run once by hand.
/// </summary>
public sealed class BacklogDrainTests
{
    private static readonly string[] Ladder = ["warning", "assignee", "grid_head", "street_leader", "district"];

    [Fact]
    public async Task One_run_of_the_claim_job_drains_a_backlog_in_bounded_batches()
    {
        var settings = new Dictionary<string, string?>(EscalationCluster.Settings)
        {
            ["Grid:Jobs:Enabled"] = "false",
            ["Grid:Escalation:BatchSize"] = "2",
        };
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("drain"), settings: settings);
        await EscalationCluster.UseSecondScaleLadderAsync(server.ConnectionString);
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var ids = new List<long>();
        for (var i = 0; i < 7; i++)
        {
            var c = await world.ReportAsync(worker, 0);
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch");
            ids.Add(c.Id);
        }
        await using var conn = await server.Db.OpenConnectionAsync();
        // What an outage leaves: every case a day overdue, its whole ladder due at once.
        await conn.ExecuteAsync("""
            update cases set dispatched_at = now() - interval '2 days', dispatch_deadline = now() - interval '1 day',
                   deadline = now() - interval '1 day'
            where id = any(@Ids)
            """, new { Ids = ids.ToArray() });

        using (var scope = server.App.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ClaimDueRungsJob>().RunAsync(CancellationToken.None);
        }

        var rungs = (await conn.QueryAsync<(long CaseId, string Level, DateTime At)>(
            "select case_id, level, at from escalations where case_id = any(@Ids) order by id", new { Ids = ids.ToArray() })).ToList();
        Assert.All(ids, id => Assert.Equal(Ladder, rungs.Where(r => r.CaseId == id).Select(r => r.Level)));
        // Each batch is one transaction and stamps its rungs with its own moment: four batches of at most two cases.
        var batches = rungs.GroupBy(r => r.At).Select(b => b.Select(r => r.CaseId).Distinct().Count()).ToList();
        Assert.Equal(4, batches.Count);
        Assert.All(batches, cases => Assert.InRange(cases, 1, 2));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*)::int from cases where id = any(@Ids) and next_rung_at is not null",
            new { Ids = ids.ToArray() }));
    }
}
