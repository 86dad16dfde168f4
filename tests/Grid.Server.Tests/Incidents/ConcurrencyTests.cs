using System.Globalization;
using System.Net;
using Dapper;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Command;

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
        var (server, op, c) = await RegisteredSinceReportAsync();
        var stale = await op.StepAsync(c.Id, "dispatch", new { version = c.Version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("changed since you loaded it", await stale.Content.ReadAsStringAsync());
        Assert.Equal("registered", (await op.GetCaseAsync(c.Id)).State);
    }

    /// <summary>
    /// The refusal an operator meets most (someone moved the case since the drawer showed it) reads in the desk's
    /// language. The API keeps its English detail and carries the sentence's key and arguments beside it, as history
    /// rows do, for any page to say it in its own language.
    /// </summary>
    [Fact]
    public async Task A_stale_step_is_refused_in_the_desks_language_and_the_api_keeps_its_detail_with_the_key_beside_it()
    {
        var (server, op, c) = await RegisteredSinceReportAsync();

        var stale = await op.StepAsync(c.Id, "cancel", new { version = c.Version, reason = "Duplicate" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = System.Text.Json.JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement;
        var english = $"Case {c.CaseNo} changed since you loaded it (your version {c.Version}, now {c.Version + 1}, registered). Reload it and try again.";
        Assert.Equal(english, problem.GetProperty("detail").GetString());
        Assert.Equal("case_changed", problem.GetProperty("reasonKey").GetString());
        Assert.Equal([c.CaseNo, $"{c.Version}", $"{c.Version + 1}", "registered"],
            problem.GetProperty("reasonArgs").EnumerateArray().Select(a => a.GetString()));

        async Task<string?> DeskRefusalAsync(string culture)
        {
            var (ui, current) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
            CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
            try
            {
                await using var desk = await DeskScope.ForAsync(server, op);
                var outcome = await desk.Get<ICommandSource>().StepAsync(c.Id, new StepInput("cancel", c.Version, "Duplicate"));
                Assert.Null(outcome.Case);
                return outcome.Error;
            }
            finally
            {
                (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture) = (ui, current);
            }
        }

        Assert.Equal($"案件 {c.CaseNo} 在您打开之后已被他人更改（您看到的是第 {c.Version} 版，现在是第 {c.Version + 1} 版），本次未保存。请刷新后再试。",
            await DeskRefusalAsync("zh-CN"));
        Assert.Equal(english, await DeskRefusalAsync("en"));
        Assert.Equal("registered", (await op.GetCaseAsync(c.Id)).State);

        // A refusal of the case rules carries its key the same way: a cancel without a reason.
        var noReason = await op.StepAsync(c.Id, "cancel", new { version = c.Version + 1, reason = "  " });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        var refused = System.Text.Json.JsonDocument.Parse(await noReason.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("'cancel' needs a reason: say why, for the case history.", refused.GetProperty("detail").GetString());
        Assert.Equal("needs_reason", refused.GetProperty("reasonKey").GetString());
        Assert.Equal(["cancel"], refused.GetProperty("reasonArgs").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task A_case_changed_underneath_between_read_and_write_answers_409_and_saves_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        var dispatched = await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        Assert.Equal("dispatched", dispatched.State);

        // Someone else changes the case (a new deadline, same state) in a transaction that is still
        // open: the accept below reads the committed row at the version the worker sent, passes every
        // check, and its write waits on the row. The commit then lands between its read and its write.
        var otherDeadline = DateTimeOffset.UtcNow.AddDays(9).ToUniversalTime();
        otherDeadline = new DateTimeOffset(otherDeadline.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        await using var conn = await server.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var pid = await conn.ExecuteScalarAsync<int>("select pg_backend_pid()", transaction: tx);
        Assert.Equal(1, await conn.ExecuteAsync(
            "update cases set deadline = @D, version = version + 1, updated_at = now() where id = @Id and version = @V",
            new { D = otherDeadline, c.Id, V = dispatched.Version }, tx));

        var accept = worker.StepAsync(c.Id, "accept", new { version = dispatched.Version });
        await using (var watch = await server.Db.OpenConnectionAsync())
        {
            // Bounded wait for the signal that the step's write is queued behind our row lock.
            var until = DateTime.UtcNow.AddSeconds(20);
            while (!accept.IsCompleted && await watch.ExecuteScalarAsync<int>(
                       "select count(*)::int from pg_stat_activity where @Pid = any(pg_blocking_pids(pid))", new { Pid = pid }) == 0)
            {
                Assert.True(DateTime.UtcNow < until, "The accept never reached the case row (no backend waited on the open change).");
                await Task.Delay(20);
            }
        }
        await tx.CommitAsync();

        var response = await accept;
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains("nothing was saved", await response.Content.ReadAsStringAsync());
        var row = await conn.QuerySingleAsync<(string State, int Version, DateTime Deadline, DateTime? AcceptedAt)>(
            "select state, version, deadline, accepted_at from cases where id = @Id", new { c.Id });
        Assert.Equal("dispatched", row.State);
        Assert.Equal(dispatched.Version + 1, row.Version);
        Assert.Equal(otherDeadline.UtcDateTime, DateTime.SpecifyKind(row.Deadline, DateTimeKind.Utc));
        Assert.Null(row.AcceptedAt);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*)::int from case_history where case_id = @Id and action = 'accept'", new { c.Id }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "select count(*)::int from case_events where case_id = @Id and payload->>'action' = 'accept'", new { c.Id }));
    }

    // A report an operator has registered, as it was when reported: a step sent with its version is one version behind.
    private static async Task<(TestServer Server, TestUser Op, global::Grid.Server.Incidents.CaseView Case)> RegisteredSinceReportAsync()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register", new { version = c.Version });
        return (server, op, c);
    }
}
