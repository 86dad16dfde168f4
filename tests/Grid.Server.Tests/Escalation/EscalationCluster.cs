using Dapper;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// Two server nodes on one database of their own, with a second-scale ladder: warning at half the
/// limit, then assignee at the deadline and each further rung 2 s later. Quartz checks in every second.
/// </summary>
public sealed class EscalationCluster : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Grid:Escalation:WarningFraction"] = "0.5",
        ["Grid:Escalation:Delays"] = "0,2,2,2",
        ["Grid:Escalation:FollowIntervalSeconds"] = "0.3",
        ["Grid:Escalation:SweepIntervalSeconds"] = "3600",
        ["Grid:Escalation:ClusterCheckinSeconds"] = "1",
        ["Grid:Escalation:IdleWaitSeconds"] = "1",
    };

    public TestServer A { get; private set; } = null!;
    public TestServer B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        A = await TestServer.StartAsync(TestServer.DatabaseName("escalation"), settings: Settings);
        B = await TestServer.StartAsync("node-b", A.ConnectionString, Settings);
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }

    /// <summary>
    /// Puts the case's clock at "dispatched <paramref name="started"/> ago, due in <paramref name="dueIn"/>", as a data
    /// fix would, with the case_events row every change writes; the scheduler learns of it from that row.
    /// </summary>
    public static async Task SetClockAsync(TestServer server, long caseId, TimeSpan started, TimeSpan dueIn)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var now = DateTimeOffset.UtcNow;
        await conn.ExecuteAsync("update cases set dispatched_at = @Started, deadline = @Deadline where id = @Id",
            new { Id = caseId, Started = now - started, Deadline = now + dueIn }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = "test_clock", CaseId = caseId }, tx);
        await tx.CommitAsync();
    }

    public sealed class Rung
    {
        public long Id { get; init; }
        public string Level { get; init; } = "";
        public DateTimeOffset? Deadline { get; init; }
        public DateTimeOffset DueAt { get; init; }
        public DateTimeOffset At { get; init; }
    }

    public static async Task<List<Rung>> RungsAsync(TestServer server, long caseId)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<Rung>("select id, level, deadline, due_at, at from escalations where case_id = @Id order by id", new { Id = caseId })).ToList();
    }

    /// <summary>Waits until the case has at least <paramref name="count"/> rungs; fails (throws) on timeout.</summary>
    public static Task<List<Rung>> WaitForRungsAsync(TestServer server, long caseId, int count, TimeSpan timeout) =>
        PollAsync(() => RungsAsync(server, caseId), rungs => rungs.Count >= count, timeout,
            rungs => $"{count} rungs of case {caseId}; got [{string.Join(", ", rungs.Select(r => r.Level))}]");

    public static async Task<int> TriggerCountAsync(TestServer server, long caseId)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>("select count(*)::int from qrtz_triggers where trigger_group = @G", new { G = $"case-{caseId}" });
    }

    /// <summary>Reads until <paramref name="done"/> holds; throws when it still does not after <paramref name="timeout"/>.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout, Func<T, string>? what = null)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > until)
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0.#} s waiting for {(what is null ? "the condition" : what(value))}; last value: {value}");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// "Nothing more happens": reads every 100 ms for <paramref name="window"/> and fails at the first
    /// read that breaks <paramref name="holds"/> (a bounded poll that can fail, not a sleep).
    /// </summary>
    public static async Task AssertStaysAsync<T>(Func<Task<T>> read, Func<T, bool> holds, TimeSpan window, string what)
    {
        var until = DateTime.UtcNow + window;
        do
        {
            var value = await read();
            Assert.True(holds(value), $"{what} stopped holding: {value}");
            await Task.Delay(100);
        } while (DateTime.UtcNow < until);
    }

    public static async Task<string> LevelsAsync(TestServer server, long caseId) =>
        string.Join(",", (await RungsAsync(server, caseId)).Select(r => r.Level));
}
