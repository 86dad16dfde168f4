using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Hotline;

public sealed class HotlineCallback
{
    public string Url { get; init; } = "";
    public DateTimeOffset RegisteredAt { get; init; }
    public long CursorSeq { get; init; }
}

public sealed class DeliveryRow
{
    public long ApiKeyId { get; init; }
    public long Seq { get; init; }
    public string TicketId { get; init; } = "";
    public string Body { get; init; } = "";
    public int Attempts { get; init; }
    public DateTimeOffset? DeliveredAt { get; init; }
    public DateTimeOffset? FailedAt { get; init; }
    public string? LastError { get; init; }
    public string? Url { get; init; }
    public string? SigningKey { get; init; }
    public DateTimeOffset? KeyRevokedAt { get; init; }
}

public sealed record DeliveryKey(long ApiKeyId, long Seq, string TicketId);

/// <summary>
/// Callbacks of integrated 12345 systems and the deliveries of their tickets' changes. A delivery
/// row per (key, event seq, ticket) is the at-most-once guard: queuing the same change again inserts
/// nothing, and a send finds it delivered.
/// </summary>
public sealed class HotlinePushRepository(IDbContextFactory<GridDbContext> contexts)
{
    // A first registration starts after the newest change (the pull feed has the past): the last event
    // a reader may take now (Realtime.EventRepository's stable end), not max(seq), since an older
    // transaction may still commit an event with a lower seq (migration 0100). Registering again (a
    // new URL) keeps the cursor, so nothing is skipped or repeated.
    private const string UpsertCallbackSql = """
        insert into hotline_callbacks (api_key_id, url, signing_key, registered_at, cursor_seq)
        values (@KeyId, @Url, @SigningKey, @Now,
                coalesce((select e.seq from case_events e where e.xact_id < (select pg_snapshot_xmin(pg_current_snapshot()))
                          order by e.xact_id desc, e.seq desc limit 1), 0))
        on conflict (api_key_id) do update set url = excluded.url, signing_key = excluded.signing_key, registered_at = excluded.registered_at
        returning url as "Url", registered_at as "RegisteredAt", cursor_seq as "CursorSeq"
        """;

    public async Task<HotlineCallback> RegisterAsync(long keyId, string url, string signingKey, DateTimeOffset now, string keyPrefix)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var cb = (await db.Database.SqlQueryRaw<HotlineCallback>(UpsertCallbackSql, new NpgsqlParameter("KeyId", keyId), new NpgsqlParameter("Url", url),
            new NpgsqlParameter("SigningKey", signingKey), new NpgsqlParameter("Now", now)).ToListAsync()).Single();
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = null, Action = "hotline_callback_registered", Subject = $"api_key:{keyId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { url, keyPrefix }),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return cb;
    }

    private const string DeleteCallbackSql = "delete from hotline_callbacks where api_key_id = @KeyId returning url as \"Value\"";

    public async Task<bool> UnregisterAsync(long keyId, DateTimeOffset now, string keyPrefix)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var url = (await db.Database.SqlQueryRaw<string>(DeleteCallbackSql, new NpgsqlParameter("KeyId", keyId)).ToListAsync()).SingleOrDefault();
        if (url is null) return false;
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = null, Action = "hotline_callback_removed", Subject = $"api_key:{keyId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { url, keyPrefix }),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    public async Task<HotlineCallback?> FindAsync(long keyId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<HotlineCallbackRecord>().Where(c => c.ApiKeyId == keyId)
            .Select(c => new HotlineCallback { Url = c.Url, RegisteredAt = c.RegisteredAt, CursorSeq = c.CursorSeq })
            .SingleOrDefaultAsync();
    }

    private const string RecentDeliveriesSql = """
        select api_key_id as "ApiKeyId", seq as "Seq", ticket_id as "TicketId", body::text as "Body", attempts as "Attempts",
               delivered_at as "DeliveredAt", failed_at as "FailedAt", last_error as "LastError",
               null::text as "Url", null::text as "SigningKey", null::timestamptz as "KeyRevokedAt"
        from hotline_deliveries where api_key_id = @KeyId
        order by seq desc, ticket_id limit @Limit
        """;

    public async Task<IReadOnlyList<DeliveryRow>> RecentAsync(long keyId, int limit)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<DeliveryRow>(RecentDeliveriesSql, new NpgsqlParameter("KeyId", keyId),
            new NpgsqlParameter("Limit", NpgsqlDbType.Integer) { Value = limit }).ToListAsync();
    }

    // One callback at a time per node (skip locked: another node is queuing it). The changes are the
    // pull feed's (same events, same note columns), limited to the tickets this key pushed.
    private const string ClaimCallbacksSql = """
        select api_key_id as "Value" from hotline_callbacks order by api_key_id for update skip locked
        """;

    // The cursor is the seq of the last event looked at. Events are read after that event's position
    // in (transaction, seq) order, only of transactions that have ended (like the hub and the pull feed,
    // Realtime.EventRepository.StableRowsAfterSql), so a change that commits late is not skipped and none
    // is queued twice. The batch limits events, not deliveries, so every ticket of an event is in it,
    // and the cursor moves over every event read, of this key's tickets or not.
    private const string QueueChangesSql = """
        with after as (
            select coalesce((select x.xact_id from case_events x where x.seq = cb.cursor_seq), '0') as xact, cb.cursor_seq as seq
            from hotline_callbacks cb where cb.api_key_id = @KeyId
        ), ev as (
            select e.seq, e.xact_id, e.at, e.kind, e.case_id, e.payload
            from case_events e, after
            where (e.xact_id, e.seq) > (after.xact, after.seq)
              and e.xact_id < (select pg_snapshot_xmin(pg_current_snapshot()))
            order by e.xact_id, e.seq
            limit @Batch
        ), changes as (
            select e.seq, e.at, t.external_id as ticket_id, c.id as case_id, c.case_no, e.payload->>'action' as action,
                   e.payload->>'state' as state,
                   (select h.reason from case_history h where h.case_id = e.case_id and h.at = e.at and h.action = e.payload->>'action'
                    order by h.id desc limit 1) as note,
                   (select h.public_note from case_history h where h.case_id = e.case_id and h.at = e.at and h.action = e.payload->>'action'
                    order by h.id desc limit 1) as public_note
            from ev e
            join cases c on c.id = e.case_id or c.merged_into = e.case_id
            join hotline_tickets t on t.case_id = c.id and t.api_key_id = @KeyId
            where e.kind in ('case_reported','case_changed','case_escalated')
        ), queued as (
            insert into hotline_deliveries (api_key_id, seq, ticket_id, body, queued_at)
            select @KeyId, ch.seq, ch.ticket_id,
                   jsonb_build_object('seq', ch.seq, 'at', ch.at, 'ticketId', ch.ticket_id, 'caseId', ch.case_id, 'caseNo', ch.case_no,
                                      'action', ch.action, 'state', ch.state,
                                      'status', case when ch.state in ('closed','cancelled') then 'closed' else 'open' end,
                                      'note', ch.note, 'publicNote', ch.public_note),
                   @Now
            from changes ch
            on conflict do nothing
            returning seq
        )
        select (select count(*) from queued) as "Queued", (select count(*) from ev) as "Seen",
               (select seq from ev order by xact_id desc, seq desc limit 1) as "LastSeq"
        """;

    private const string AdvanceCursorSql = """
        update hotline_callbacks set cursor_seq = @LastSeq where api_key_id = @KeyId
        """;

    private sealed class QueueResult
    {
        public long Queued { get; init; }
        public long Seen { get; init; }
        public long? LastSeq { get; init; }
    }

    /// <summary>Turns the new changes of every registered key's tickets into deliveries; returns how many were queued.</summary>
    public async Task<int> QueueNewChangesAsync(DateTimeOffset now, int batch, CancellationToken ct)
    {
        var total = 0;
        while (!ct.IsCancellationRequested)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var keys = await db.Database.SqlQueryRaw<long>(ClaimCallbacksSql).ToListAsync(ct);
            var full = false;
            foreach (var key in keys)
            {
                var r = (await db.Database.SqlQueryRaw<QueueResult>(QueueChangesSql, new NpgsqlParameter("KeyId", key),
                    new NpgsqlParameter("Batch", NpgsqlDbType.Integer) { Value = batch }, new NpgsqlParameter("Now", now)).ToListAsync(ct)).Single();
                // A full batch: the next round goes on from its last event.
                if (r.LastSeq is { } last)
                {
                    await db.Database.ExecuteSqlRawAsync(AdvanceCursorSql, [new NpgsqlParameter("KeyId", key), new NpgsqlParameter("LastSeq", last)], ct);
                }
                total += (int)r.Queued;
                full |= r.Seen == batch;
            }
            await tx.CommitAsync(ct);
            if (!full) break;
        }
        return total;
    }

    // Deliveries not yet handed to Hangfire (just queued, or a node died between queuing and
    // enqueueing): claimed with skip locked so two nodes do not both enqueue them.
    private const string ClaimUnsentSql = """
        select api_key_id as "ApiKeyId", seq as "Seq", ticket_id as "TicketId" from hotline_deliveries
        where job_id is null
        order by queued_at, seq
        limit @Batch
        for update skip locked
        """;

    private const string SetJobSql = """
        update hotline_deliveries set job_id = @JobId where api_key_id = @ApiKeyId and seq = @Seq and ticket_id = @TicketId
        """;

    private sealed class KeyRow
    {
        public long ApiKeyId { get; init; }
        public long Seq { get; init; }
        public string TicketId { get; init; } = "";
    }

    private static object[] KeyArgs(long apiKeyId, long seq, string ticketId) =>
        [new NpgsqlParameter("ApiKeyId", apiKeyId), new NpgsqlParameter("Seq", seq), new NpgsqlParameter("TicketId", ticketId)];

    /// <summary>Hands each delivery without a job to <paramref name="enqueue"/> and records the job id.</summary>
    public async Task<int> EnqueueUnsentAsync(Func<DeliveryKey, string> enqueue, int batch, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var rows = await db.Database.SqlQueryRaw<KeyRow>(ClaimUnsentSql, new NpgsqlParameter("Batch", NpgsqlDbType.Integer) { Value = batch }).ToListAsync(ct);
        foreach (var row in rows)
        {
            // Enqueued before this commits: a send job that starts first waits on the row lock.
            var jobId = enqueue(new DeliveryKey(row.ApiKeyId, row.Seq, row.TicketId));
            await db.Database.ExecuteSqlRawAsync(SetJobSql, [.. KeyArgs(row.ApiKeyId, row.Seq, row.TicketId), new NpgsqlParameter("JobId", jobId)], ct);
        }
        await tx.CommitAsync(ct);
        return rows.Count;
    }

    // The send holds the delivery row for the length of one POST, so two runs of the same send job
    // (Hangfire delivers at least once) take turns, and the second finds it delivered.
    private const string LockDeliverySql = """
        select d.api_key_id as "ApiKeyId", d.seq as "Seq", d.ticket_id as "TicketId", d.body::text as "Body", d.attempts as "Attempts",
               d.delivered_at as "DeliveredAt", d.failed_at as "FailedAt", d.last_error as "LastError",
               cb.url as "Url", cb.signing_key as "SigningKey", k.revoked_at as "KeyRevokedAt"
        from hotline_deliveries d
        left join hotline_callbacks cb on cb.api_key_id = d.api_key_id
        join open311_api_keys k on k.id = d.api_key_id
        where d.api_key_id = @ApiKeyId and d.seq = @Seq and d.ticket_id = @TicketId
        for update of d
        """;

    private const string DeliveredSql = """
        update hotline_deliveries set delivered_at = @Now, attempts = attempts + 1, last_error = null, failed_at = null
        where api_key_id = @ApiKeyId and seq = @Seq and ticket_id = @TicketId
        """;

    private const string AttemptFailedSql = """
        update hotline_deliveries set attempts = attempts + 1, last_error = @Error,
               failed_at = case when attempts + 1 >= @MaxAttempts then @Now end
        where api_key_id = @ApiKeyId and seq = @Seq and ticket_id = @TicketId
        """;

    /// <summary>
    /// Sends one delivery once: under the row lock, does nothing when it is delivered already (or
    /// its callback or key is gone), else runs <paramref name="post"/> and records the outcome.
    /// Returns null when sent or when nothing was to be sent, else the failure (the caller throws,
    /// so Hangfire retries it).
    /// </summary>
    public async Task<string?> SendOnceAsync(DeliveryKey key, Func<DeliveryRow, Task<string?>> post, int maxAttempts, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = (await db.Database.SqlQueryRaw<DeliveryRow>(LockDeliverySql, KeyArgs(key.ApiKeyId, key.Seq, key.TicketId)).ToListAsync(ct)).SingleOrDefault();
        if (row is null || row.DeliveredAt is not null || row.Url is null || row.KeyRevokedAt is not null)
        {
            await tx.CommitAsync(ct);
            return null;
        }
        var error = await post(row);
        await db.Database.ExecuteSqlRawAsync(error is null ? DeliveredSql : AttemptFailedSql,
        [
            .. KeyArgs(key.ApiKeyId, key.Seq, key.TicketId), new NpgsqlParameter("Now", now),
            new NpgsqlParameter("Error", NpgsqlDbType.Text) { Value = (object?)error ?? DBNull.Value },
            new NpgsqlParameter("MaxAttempts", NpgsqlDbType.Integer) { Value = maxAttempts },
        ], ct);
        await tx.CommitAsync(ct);
        return error;
    }
}
