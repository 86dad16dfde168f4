using Grid.Server.Data;
using Grid.Server.Staff;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Realtime;

public sealed class StaffPosition
{
    public long Seq { get; init; }
    public DateTimeOffset At { get; init; }
    public Guid PersonId { get; init; }
    public string DisplayName { get; init; } = "";
    public string? CellCode { get; init; }
    public double Lat { get; init; }
    public double Lon { get; init; }
    public double? Accuracy { get; init; }
}

/// <summary>
/// Reads case_events for the real-time channel and writes staff positions into it. The SQL is run
/// through EF (<c>SqlQueryRaw</c>, named parameters): the reading rule is one statement per read, so
/// the same snapshot decides both which rows are visible and how far a reader may go.
/// </summary>
public sealed class EventRepository(IDbContextFactory<GridDbContext> contexts)
{
    // The audience facts travel with the row: the reporter from the case (it never changes), the
    // assignee and unit from the payload, i.e. as they were when the event happened.
    private const string SelectEventColumns = """
        select e.seq as "Seq", e.xact_id::text::bigint as "Xact", e.at as "At", e.kind as "Kind", e.case_id as "CaseId",
               e.cell_code as "CellCode", e.person_id as "PersonId", e.payload::text as "Payload",
               c.reported_by as "ReportedBy", (e.payload->>'assigneeId')::uuid as "AssigneeId", e.payload->>'assignedUnitId' as "UnitId"
        from case_events e left join cases c on c.id = e.case_id
        """;

    // The oldest transaction still running when this statement's snapshot was taken (every
    // database of the cluster counts: transaction ids are cluster-wide). A sub-select, so it is
    // computed once and the same snapshot decides both this bound and which rows are visible.
    private const string HorizonSql = "(select pg_snapshot_xmin(pg_current_snapshot()))";

    /// <summary>
    /// Rows after a position, in (transaction, seq) order, of ended transactions only. A writer
    /// commits whenever it likes; its rows are read once every older transaction has ended too,
    /// and after that no row can appear before the reader's position (see migration 0100).
    /// </summary>
    public const string StableRowsAfterSql = """
         where (e.xact_id, e.seq) > (@Xact::text::xid8, @Seq)
           and e.xact_id < 
        """ + HorizonSql;

    private const string ReadAfterSql = SelectEventColumns + StableRowsAfterSql + """

         order by e.xact_id, e.seq
         limit @Limit
        """;

    /// <summary>
    /// A context on a connection this code opened itself (the node's LISTEN connection, which is not
    /// pooled): the feed's reads run through EF on it. The caller keeps owning the connection.
    /// </summary>
    public static GridDbContext ContextOn(NpgsqlConnection conn) =>
        new(new DbContextOptionsBuilder<GridDbContext>()
            .UseNpgsql(conn, npgsql => npgsql.UseNetTopologySuite())
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
            .Options);

    private static NpgsqlParameter[] PositionArgs(EventPosition after, int limit) =>
    [
        new("Xact", NpgsqlDbType.Bigint) { Value = after.Xact }, new("Seq", NpgsqlDbType.Bigint) { Value = after.Seq },
        new("Limit", NpgsqlDbType.Integer) { Value = limit },
    ];

    /// <summary>Every event after <paramref name="after"/> whose transaction has ended, in order: what a node's listener fans out.</summary>
    public static async Task<IReadOnlyList<EventRow>> ReadAfterAsync(GridDbContext db, EventPosition after, int limit, CancellationToken ct) =>
        await db.Database.SqlQueryRaw<EventRow>(ReadAfterSql, PositionArgs(after, limit)).ToListAsync(ct);

    // Every event committed so far is readable once the oldest running transaction is newer than the newest
    // writer among them; otherwise committed rows wait for an older transaction (held back). Asked of the newest
    // writer so it is one probe at the end of case_events_xact_seq_ix: asked as exists (... where xact_id >=
    // horizon) the planner, not knowing the horizon, chose a sequential scan that stops at the first match, and
    // the matches are the newest rows, at the table's end (72 ms at 211,000 events, after every event burst).
    private const string AllCommittedReadableSql =
        "select coalesce((select max(xact_id) from case_events) < " + HorizonSql + ", true) as \"Value\"";

    private static async Task<bool> AllCommittedReadableAsync(GridDbContext db, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<bool>(AllCommittedReadableSql).ToListAsync(ct)).Single();

    /// <summary>True when committed events wait for an older transaction to end: the reader should look again soon.</summary>
    public static async Task<bool> HeldBackAsync(GridDbContext db, CancellationToken ct) => !await AllCommittedReadableAsync(db, ct);

    /// <summary>
    /// Waits (a few ms while transactions are short, at most <paramref name="max"/>) until every event
    /// committed before the call is readable, so a poller that reads right after its own change sees
    /// it. Returns false when it gave up; the rows then come on a later read.
    /// </summary>
    public static async Task<bool> WaitUntilCommittedAreReadableAsync(GridDbContext db, TimeSpan max, CancellationToken ct = default)
    {
        var until = DateTime.UtcNow + max;
        var look = TimeSpan.FromMilliseconds(2);
        while (!await AllCommittedReadableAsync(db, ct))
        {
            if (DateTime.UtcNow + look > until) return false;
            await Task.Delay(look, ct);
            look = TimeSpan.FromTicks(Math.Min(look.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
        }
        return true;
    }

    /// <summary>The rule of <see cref="Audience.Matches"/> in SQL (mirrors CaseRepository.ScopeSql).</summary>
    public const string AudienceSql = """
        (@All
         or (@Street::text is not null and e.cell_code like @Street || '%')
         or (@Unit::text is not null and e.payload->>'assignedUnitId' = @Unit)
         or c.reported_by = @Me or (e.payload->>'assigneeId')::uuid = @Me or e.person_id = @Me
         or e.cell_code = any(@Cells))
        """;

    // A parameter list belongs to one command, so each statement gets its own.
    private static NpgsqlParameter[] AudienceArgs(Audience a) =>
    [
        new("All", NpgsqlDbType.Boolean) { Value = a.All },
        new("Street", NpgsqlDbType.Text) { Value = (object?)a.Street ?? DBNull.Value },
        new("Unit", NpgsqlDbType.Text) { Value = (object?)a.Unit ?? DBNull.Value },
        new("Me", NpgsqlDbType.Uuid) { Value = a.Me },
        new("Cells", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = a.Cells.ToArray() },
    ];

    public const string CatchUpSql = SelectEventColumns + StableRowsAfterSql + """

           and
        """ + AudienceSql + """
         order by e.xact_id, e.seq
         limit @Limit
        """;

    /// <summary>What a subscriber missed after <paramref name="after"/>, in order, only what it may see.</summary>
    public async Task<IReadOnlyList<EventRow>> CatchUpAsync(Audience a, EventPosition after, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Database.SqlQueryRaw<EventRow>(CatchUpSql, [.. PositionArgs(after, limit), .. AudienceArgs(a)]).ToListAsync(ct);
    }

    private sealed class PositionRow
    {
        public long Xact { get; init; }
        public long Seq { get; init; }
    }

    private const string SelectStableEndSql = """
        select e.xact_id::text::bigint as "Xact", e.seq as "Seq" from case_events e
        where e.xact_id < 
        """ + HorizonSql + """

        order by e.xact_id desc, e.seq desc
        limit 1
        """;

    /// <summary>The position of the last event a reader may take now: "from now on" starts after it.</summary>
    public static async Task<EventPosition> StableEndAsync(GridDbContext db, CancellationToken ct) =>
        await FirstPositionAsync(db, SelectStableEndSql, [], ct) ?? EventPosition.Start;

    public async Task<EventPosition> StableEndAsync(CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await StableEndAsync(db, ct);
    }

    private const string SelectPositionOfSql = "select xact_id::text::bigint as \"Xact\", seq as \"Seq\" from case_events where seq = @Seq";

    /// <summary>The position of event <paramref name="seq"/> (0: before everything); null when there is no such event.</summary>
    public async Task<EventPosition?> PositionOfAsync(long seq, CancellationToken ct = default)
    {
        if (seq == 0) return EventPosition.Start;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await FirstPositionAsync(db, SelectPositionOfSql, [new NpgsqlParameter("Seq", NpgsqlDbType.Bigint) { Value = seq }], ct);
    }

    // Not composed (no FirstOrDefault in SQL): the statement is run exactly as written.
    private static async Task<EventPosition?> FirstPositionAsync(GridDbContext db, string sql, object[] args, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<PositionRow>(sql, args).ToListAsync(ct))
            .Select(p => (EventPosition?)new EventPosition(p.Xact, p.Seq)).FirstOrDefault();

    public async Task<IReadOnlyList<string>> CellsServedAsync(Guid me)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<CellStaffRecord>().Where(s => s.PersonId == me).OrderBy(s => s.CellCode).Select(s => s.CellCode).ToListAsync();
    }

    /// <summary>
    /// A staff position as a staff_position event, announced by NOTIFY at commit. Every writer of
    /// positions (this endpoint, the field app's patrol track) uses it, so the map reads one shape.
    /// Parameters: @At, @Cell (text), @Person, @Lat, @Lon, @Accuracy (float8).
    /// </summary>
    public const string InsertPositionEventSql = """
        with e as (
            insert into case_events (at, kind, cell_code, person_id, payload)
            select @At, 'staff_position', @Cell, p.id, jsonb_build_object(
                'personId', p.id, 'displayName', p.display_name, 'lat', @Lat::float8, 'lon', @Lon::float8,
                'accuracy', @Accuracy::float8, 'cellCode', @Cell::text, 'at', @At::timestamptz)
            from people p where p.id = @Person
            returning seq
        )
        select seq as "Value" from e, pg_notify('grid_events', seq::text)
        """;

    /// <summary>The parameters of <see cref="InsertPositionEventSql"/>.</summary>
    public static NpgsqlParameter[] PositionEventArgs(Guid person, double lat, double lon, double? accuracy, string? cell, DateTimeOffset at) =>
    [
        new("At", NpgsqlDbType.TimestampTz) { Value = at }, new("Person", NpgsqlDbType.Uuid) { Value = person },
        new("Lat", NpgsqlDbType.Double) { Value = lat }, new("Lon", NpgsqlDbType.Double) { Value = lon },
        new("Accuracy", NpgsqlDbType.Double) { Value = (object?)accuracy ?? DBNull.Value },
        new("Cell", NpgsqlDbType.Text) { Value = (object?)cell ?? DBNull.Value },
    ];

    /// <summary>Stores a position as a staff_position event and announces it like every other event.</summary>
    public async Task<long> InsertPositionAsync(Guid person, double lat, double lon, double? accuracy, string? cell, DateTimeOffset at)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var seq = (await db.Database.SqlQueryRaw<long>(InsertPositionEventSql, PositionEventArgs(person, lat, lon, accuracy, cell, at)).ToListAsync()).Single();
        await tx.CommitAsync();
        return seq;
    }

    private const string SelectLatestPositionsSql = """
        select distinct on (e.person_id) e.seq as "Seq", e.at as "At", e.person_id as "PersonId", p.display_name as "DisplayName",
               e.cell_code as "CellCode", (e.payload->>'lat')::float8 as "Lat", (e.payload->>'lon')::float8 as "Lon",
               (e.payload->>'accuracy')::float8 as "Accuracy"
        from case_events e
        join people p on p.id = e.person_id
        left join cases c on c.id = e.case_id
        where e.kind = 'staff_position' and e.at >= @Since and
        """ + AudienceSql + """
         order by e.person_id, e.seq desc
        """;

    /// <summary>The latest position of each person this audience may see, if reported since <paramref name="since"/>.</summary>
    public async Task<IReadOnlyList<StaffPosition>> LatestPositionsAsync(Audience a, DateTimeOffset since)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<StaffPosition>(SelectLatestPositionsSql,
            [new NpgsqlParameter("Since", NpgsqlDbType.TimestampTz) { Value = since }, .. AudienceArgs(a)]).ToListAsync();
    }
}
