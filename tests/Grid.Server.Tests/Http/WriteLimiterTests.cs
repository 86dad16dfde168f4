using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Http;

public sealed class WriteLimiterTests
{
    [Fact]
    public async Task A_write_beyond_the_limit_is_refused_with_503_and_Retry_After_and_saves_nothing_while_reads_still_answer()
    {
        var shared = await TestServer.SharedAsync();
        await using var node = await TestServer.StartAsync("node-limit", shared.ConnectionString, new Dictionary<string, string?>
        {
            ["Grid:Writes:MaxConcurrent"] = "1", ["Grid:Writes:Queue"] = "0", ["Grid:Writes:RetryAfterSeconds"] = "2",
        });
        var world = await TestWorld.CreateAsync(shared);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var held = await world.ReportAsync(worker);
        var other = await world.ReportAsync(worker);
        using var onNode = await node.SignInAsync(op.Username);

        // The one write slot stays busy: its step waits for a row lock this test holds.
        await using var locker = await shared.Db.OpenConnectionAsync();
        await using var tx = await locker.BeginTransactionAsync();
        await locker.ExecuteAsync("select id from cases where id = @Id for update", new { held.Id }, tx);
        var myPid = await locker.ExecuteScalarAsync<int>("select pg_backend_pid()", transaction: tx);
        var busy = onNode.PostAsJsonAsync($"/api/cases/{held.Id}/register", new { });
        await using (var watch = await shared.Db.OpenConnectionAsync())
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            while (await watch.ExecuteScalarAsync<int>("select count(*)::int from pg_stat_activity where @Pid = any(pg_blocking_pids(pid))", new { Pid = myPid }) == 0)
            {
                Assert.True(DateTime.UtcNow < until, "the first step never reached the locked row");
                await Task.Delay(20);
            }
        }

        var refused = await onNode.PostAsJsonAsync($"/api/cases/{other.Id}/register", new { });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("nothing was saved", await refused.Content.ReadAsStringAsync());
        var read = await onNode.GetAsync($"/api/cases/{other.Id}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        await tx.RollbackAsync();
        Assert.Equal(HttpStatusCode.OK, (await busy).StatusCode);
        Assert.Equal("reported", (await op.GetCaseAsync(other.Id)).State);
        // The slot is free again.
        Assert.Equal(HttpStatusCode.OK, (await onNode.PostAsJsonAsync($"/api/cases/{other.Id}/register", new { })).StatusCode);
    }
}
