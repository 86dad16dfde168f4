using System.Net;
using Dapper;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Incidents;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Two_conflicting_actions_at_once_exactly_one_wins_and_the_other_gets_409()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var first = await world.PersonAsync([Role.Operator], []);
        var second = await world.PersonAsync([Role.Operator], []);
        for (var round = 0; round < 10; round++)
        {
            var c = await world.ReportAsync(worker, 0);
            // One operator registers while the other cancels the same report.
            var results = await Task.WhenAll(
                first.StepAsync(c.Id, "register", new { version = c.Version }),
                second.StepAsync(c.Id, "cancel", new { version = c.Version, reason = "Duplicate" }));
            Assert.Single(results, r => r.StatusCode == HttpStatusCode.OK);
            Assert.Single(results, r => r.StatusCode == HttpStatusCode.Conflict);

            await using var conn = await server.Db.OpenConnectionAsync();
            // Lifecycle steps only: reports at one spot are flagged as likely duplicates of each
            // other, and that flag is a history row of its own that is not a step.
            var history = (await conn.QueryAsync<string>("select action from case_history where case_id = @Id order by id", new { c.Id }))
                .Where(a => a == "report" || CaseCodes.TryParseAction(a, out _)).ToList();
            Assert.Equal(2, history.Count);
            var state = await conn.ExecuteScalarAsync<string>("select state from cases where id = @Id", new { c.Id });
            Assert.Equal(history[1] == "register" ? "registered" : "cancelled", state);
        }
    }

    [Fact]
    public async Task A_step_on_a_stale_version_is_refused_and_changes_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register", new { version = c.Version });
        var stale = await op.StepAsync(c.Id, "dispatch", new { version = c.Version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("changed since you loaded it", await stale.Content.ReadAsStringAsync());
        Assert.Equal("registered", (await op.GetCaseAsync(c.Id)).State);
    }
}
