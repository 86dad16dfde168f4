using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Background;

/// <summary>
/// Cases in every state whose deadline passed a day ago, written by a data fix without any event and
/// without setting next_rung_at (as the escalation feature's predecessor left open cases, or an import
/// would): the trigger on cases makes the claim job look at them, and exactly the cases with a running
/// clock get their whole ladder, once; no other state gets a rung. Read from the database: rung rows,
/// their case_events rows and inbox rows.
/// </summary>
public sealed class OverdueSweepTests
{
    private static readonly string[] Ladder = ["warning", "assignee", "grid_head", "street_leader", "district"];

    [Fact]
    public async Task A_data_fix_gets_the_whole_ladder_of_overdue_running_cases_and_nothing_for_any_other_state()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("sweep"), settings: EscalationCluster.Settings);
        await EscalationCluster.UseSecondScaleLadderAsync(server.ConnectionString);
        var world = await TestWorld.CreateAsync(server, rows: 2, columns: 6);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        await world.PersonAsync(Role.GridHead, world.Cells);
        await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        await world.PersonAsync([Role.Supervisor], []);

        string[] states = ["reported", "registered", "dispatched", "in_progress", "on_hold", "returned", "resolved", "closed", "cancelled"];
        var byState = new Dictionary<string, long>();
        for (var i = 0; i < states.Length; i++) byState[states[i]] = (await world.ReportAsync(worker, i)).Id;
        var notYetDue = (await world.ReportAsync(worker, states.Length)).Id;

        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            // As a data fix would leave them: no event and no next_rung_at of their own.
            foreach (var (state, id) in byState)
            {
                await conn.ExecuteAsync("""
                    update cases set state = @State, assignee_id = @Worker, assigned_unit_id = @Unit,
                           dispatched_at = now() - interval '2 days', dispatch_deadline = now() - interval '1 day',
                           deadline = now() - interval '1 day', closed_at = case when @State = 'closed' then now() - interval '1 hour' end
                    where id = @Id
                    """, new { State = state, Worker = worker.Id, Unit = TestCatalogue.Unit, Id = id });
            }
            await conn.ExecuteAsync("""
                update cases set state = 'dispatched', assignee_id = @Worker, assigned_unit_id = @Unit,
                       dispatched_at = now(), dispatch_deadline = now() + interval '1 day', deadline = now() + interval '1 day'
                where id = @Id
                """, new { Worker = worker.Id, Unit = TestCatalogue.Unit, Id = notYetDue });
        }

        foreach (var state in new[] { "dispatched", "in_progress" })
        {
            var rungs = await EscalationCluster.WaitForRungsAsync(server, byState[state], 5, TimeSpan.FromSeconds(30));
            Assert.Equal(Ladder, rungs.Select(r => r.Level));
        }
        // Two more claim runs' worth of time, polled: no other state, and no case not yet due, gets a rung.
        var others = byState.Where(kv => kv.Key is not ("dispatched" or "in_progress")).Select(kv => kv.Value).Append(notYetDue).ToArray();
        await EscalationCluster.AssertStaysAsync(async () =>
        {
            await using var conn = await server.Db.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<int>("select count(*)::int from escalations where case_id = any(@Ids)", new { Ids = others });
        }, n => n == 0, TimeSpan.FromSeconds(4.5), "no rungs for cases whose clock does not run or is not due");

        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            foreach (var state in new[] { "dispatched", "in_progress" })
            {
                var id = byState[state];
                Assert.Equal(5, await conn.ExecuteScalarAsync<int>("select count(*)::int from escalations where case_id = @Id", new { Id = id }));
                Assert.Equal(5, await conn.ExecuteScalarAsync<int>(
                    "select count(*)::int from case_events where case_id = @Id and kind = 'case_escalated'", new { Id = id }));
                // The worker hears the warning and the overdue rung of each case.
                Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
                    "select count(*)::int from inbox_items where case_id = @Id and person_id = @Worker", new { Id = id, Worker = worker.Id }));
            }
        }
    }
}
