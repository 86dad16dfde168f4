using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Hotline;

public sealed class FeedRow
{
    public long Seq { get; init; }
    public DateTimeOffset At { get; init; }
    public string TicketId { get; init; } = "";
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string Action { get; init; } = "";
    public string State { get; init; } = "";
    public string? Note { get; init; }
    public string? PublicNote { get; init; }
}

public sealed class HotlineRepository(IDbContextFactory<GridDbContext> contexts)
{
    public async Task<(long CaseId, string RequestHash)?> FindTicketAsync(string externalId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var row = await db.Set<HotlineTicketRecord>().Where(t => t.ExternalId == externalId)
            .Select(t => new { t.CaseId, t.RequestHash }).FirstOrDefaultAsync();
        return row is null ? null : (row.CaseId, row.RequestHash);
    }

    /// <summary>The ticket's row, written with the case it made (the intake's transaction and context);
    /// <paramref name="apiKeyId"/> is the hotline system's key, whose callback hears of the ticket's changes.</summary>
    public static Task InsertTicketAsync(GridDbContext db, string externalId, long caseId, string hash, DateTimeOffset now, long? apiKeyId)
    {
        db.Add(new HotlineTicketRecord { ExternalId = externalId, CaseId = caseId, RequestHash = hash, ReceivedAt = now, ApiKeyId = apiKeyId });
        return db.SaveChangesAsync();
    }

    // The note is the staff's (the hotline system is a trusted partner that sees the case record);
    // public_note is the answer meant for the caller (12345 回复).
    // Status changes of each ticket's case and, once merged, of the case it was merged into. The
    // cursor is the seq of the last item; rows are read in (transaction, seq) order from that event's
    // position, only of transactions that have ended (Realtime.EventRepository.StableRowsAfterSql),
    // so the hotline never misses a change that commits late and never sees one twice. The limit
    // counts events, not rows: one event of a case that several tickets were merged into gives a row
    // per ticket, and all of them come in the same page (the cursor moves past the whole event).
    private const string FeedSql = """
        with ev as (
            select e.* from case_events e
            where (e.xact_id, e.seq) > (coalesce((select x.xact_id from case_events x where x.seq = @After), '0'), @After)
              and e.xact_id < (select pg_snapshot_xmin(pg_current_snapshot()))
              and e.kind in ('case_reported','case_changed','case_escalated')
              and exists (select 1 from cases c join hotline_tickets t on t.case_id = c.id
                          where c.id = e.case_id or c.merged_into = e.case_id)
            order by e.xact_id, e.seq
            limit @Limit
        )
        select e.seq as "Seq", e.at as "At", t.external_id as "TicketId", c.id as "CaseId", c.case_no as "CaseNo",
               e.payload->>'action' as "Action", e.payload->>'state' as "State",
               (select h.reason from case_history h where h.case_id = e.case_id and h.at = e.at and h.action = e.payload->>'action'
                order by h.id desc limit 1) as "Note",
               (select h.public_note from case_history h where h.case_id = e.case_id and h.at = e.at and h.action = e.payload->>'action'
                order by h.id desc limit 1) as "PublicNote"
        from ev e
        join cases c on c.id = e.case_id or c.merged_into = e.case_id
        join hotline_tickets t on t.case_id = c.id
        order by e.xact_id, e.seq, t.external_id
        """;

    public async Task<IReadOnlyList<FeedRow>> FeedAsync(long after, int limit)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        // A change the hotline made (or saw answered) just before this call is in the answer,
        // unless an older transaction runs on for seconds; then it comes in a later page.
        await Realtime.EventRepository.WaitUntilCommittedAreReadableAsync(db, TimeSpan.FromSeconds(3));
        return await db.Database.SqlQueryRaw<FeedRow>(FeedSql, new NpgsqlParameter("After", after), new NpgsqlParameter("Limit", limit))
            .ToListAsync();
    }
}
