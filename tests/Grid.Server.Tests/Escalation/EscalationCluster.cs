using Dapper;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Npgsql;

namespace Grid.Server.Tests.Escalation;

/// <summary>
/// Two server nodes on one database of their own, each running a Hangfire server. The database's
/// working calendar works around the clock and its default ladder is second-scale (warning at half
/// the limit, then assignee at the deadline and each further rung 2 s later), so ladders counted in
/// working time can be watched in seconds at any hour of the day.
/// </summary>
public sealed class EscalationCluster : IAsyncLifetime
{
    public static readonly Dictionary<string, string?> Settings = new()
    {
        ["Grid:Jobs:PollSeconds"] = "1",
        ["Grid:Jobs:LockTimeoutSeconds"] = "5",
    };

    // One working period from midnight to the last microsecond of the day, no rest days, no holidays.
    private const string AlwaysWorkingSql = """
        delete from working_periods;
        insert into working_periods (starts_at, ends_at) values ('00:00', '23:59:59.999999');
        update calendar_settings set rest_weekdays = '{}';
        delete from calendar_days;
        update escalation_ladders set warning_fraction = 0.5, delays_s = '{0,2,2,2}' where category_prefix is null and priority is null;
        """;

    /// <summary>Run before any node reads the calendar (it is cached for a minute).</summary>
    public static async Task UseSecondScaleLadderAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await conn.ExecuteAsync(AlwaysWorkingSql);
    }

    public TestServer A { get; private set; } = null!;
    public TestServer B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        A = await TestServer.StartAsync(TestServer.DatabaseName("escalation"), settings: Settings);
        await UseSecondScaleLadderAsync(A.ConnectionString);
        B = await TestServer.StartAsync("node-b", A.ConnectionString, Settings);
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }

    /// <summary>
    /// Puts the case's clock at "dispatched <paramref name="started"/> ago, due in <paramref name="dueIn"/>", as a data
    /// fix would, with the case_events row every change writes. The fix does not set next_rung_at: the trigger of
    /// migration 0070 sets it to now, and the claim job writes the exact moment of the case's next rung.
    /// </summary>
    public static Task SetClockAsync(TestServer server, long caseId, TimeSpan started, TimeSpan dueIn) =>
        SetClockAsync(server.Db, caseId, started, dueIn);

    public static async Task SetClockAsync(NpgsqlDataSource db, long caseId, TimeSpan started, TimeSpan dueIn)
    {
        await using var conn = await db.OpenConnectionAsync();
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

    public static Task<List<Rung>> RungsAsync(TestServer server, long caseId) => RungsAsync(server.Db, caseId);

    public static async Task<List<Rung>> RungsAsync(NpgsqlDataSource db, long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<Rung>("select id, level, deadline, due_at, at from escalations where case_id = @Id order by id", new { Id = caseId })).ToList();
    }

    /// <summary>Waits until the case has at least <paramref name="count"/> rungs; fails (throws) on timeout.</summary>
    public static Task<List<Rung>> WaitForRungsAsync(TestServer server, long caseId, int count, TimeSpan timeout) =>
        WaitForRungsAsync(server.Db, caseId, count, timeout);

    public static Task<List<Rung>> WaitForRungsAsync(NpgsqlDataSource db, long caseId, int count, TimeSpan timeout) =>
        PollAsync(() => RungsAsync(db, caseId), rungs => rungs.Count >= count, timeout,
            rungs => $"{count} rungs of case {caseId}; got [{string.Join(", ", rungs.Select(r => r.Level))}]");

    /// <summary>The moment the case's next rung is due (cases.next_rung_at), or null when none will come.</summary>
    public static async Task<DateTimeOffset?> NextRungAsync(TestServer server, long caseId)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        var at = await conn.ExecuteScalarAsync<DateTime?>("select next_rung_at from cases where id = @Id", new { Id = caseId });
        return at is { } t ? new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero) : null;
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
