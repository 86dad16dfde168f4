using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Jobs;

/// <summary>The "Grid:Retention" configuration section.</summary>
public sealed class RetentionOptions
{
    /// <summary>Patrol GPS points older than this many days are deleted.</summary>
    public int PatrolPointDays { get; set; } = 90;

    /// <summary>Spent idempotency keys (reports, steps, field notes) older than this many days are deleted:
    /// a client retries within minutes, offline phones within days.</summary>
    public int IdempotencyKeyDays { get; set; } = 30;

    /// <summary>Rate-limit windows (API keys, citizen page) older than this many hours are deleted.</summary>
    public int UsageWindowHours { get; set; } = 24;

    /// <summary>Rows deleted per statement, so a large backlog never holds long locks.</summary>
    public int BatchSize { get; set; } = 5000;
}

public sealed record RetentionOutcome(long PatrolPoints, long IdempotencyKeys, long RequestKeys, long KeyUsage, long CitizenUsage);

/// <summary>
/// Daily pruning of data that is only worth keeping for a while, each table in bounded batches
/// (one short statement per batch, its own transaction) until nothing old is left. Safe to run twice
/// or on two nodes at once: a second run finds nothing to delete.
/// </summary>
public sealed class RetentionJob(NpgsqlDataSource db, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionJob> log)
{
    public const string Id = "retention";
    public const string Cron = "0 30 3 * * *";

    private const string PatrolPointsSql = """
        delete from patrol_points where id in (select id from patrol_points where at < @Before order by at limit @Batch)
        """;

    private const string IdempotencyKeysSql = """
        delete from idempotency_keys where (person_id, key) in
            (select person_id, key from idempotency_keys where created_at < @Before order by created_at limit @Batch)
        """;

    private const string RequestKeysSql = """
        delete from request_keys where (person_id, key) in
            (select person_id, key from request_keys where created_at < @Before order by created_at limit @Batch)
        """;

    private const string KeyUsageSql = """
        delete from open311_key_usage where (key_id, window_start) in
            (select key_id, window_start from open311_key_usage where window_start < @Before order by window_start limit @Batch)
        """;

    private const string CitizenUsageSql = """
        delete from citizen_rate_usage where (subject, window_start) in
            (select subject, window_start from citizen_rate_usage where window_start < @Before order by window_start limit @Batch)
        """;

    public async Task<RetentionOutcome> RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var outcome = new RetentionOutcome(
            await PruneAsync(PatrolPointsSql, now.AddDays(-o.PatrolPointDays), o.BatchSize, ct),
            await PruneAsync(IdempotencyKeysSql, now.AddDays(-o.IdempotencyKeyDays), o.BatchSize, ct),
            await PruneAsync(RequestKeysSql, now.AddDays(-o.IdempotencyKeyDays), o.BatchSize, ct),
            await PruneAsync(KeyUsageSql, now.AddHours(-o.UsageWindowHours), o.BatchSize, ct),
            await PruneAsync(CitizenUsageSql, now.AddHours(-o.UsageWindowHours), o.BatchSize, ct));
        log.LogInformation("Retention pruned {Outcome}", outcome);
        return outcome;
    }

    private async Task<long> PruneAsync(string sql, DateTimeOffset before, int batch, CancellationToken ct)
    {
        long total = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var cmd = db.CreateCommand(sql);
            cmd.Parameters.AddWithValue("Before", before);
            cmd.Parameters.AddWithValue("Batch", batch);
            var deleted = await cmd.ExecuteNonQueryAsync(ct);
            total += deleted;
            if (deleted < batch) break;
        }
        return total;
    }
}
