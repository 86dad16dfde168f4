using Dapper;
using Npgsql;

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

/// <summary>Reads case_events for the real-time channel and writes staff positions into it.</summary>
public sealed class EventRepository(NpgsqlDataSource db)
{
    // The audience facts travel with the row: the reporter from the case (it never changes), the
    // assignee and unit from the payload, i.e. as they were when the event happened.
    private const string SelectEventColumns = """
        select e.seq, e.xact_id::text::bigint as xact, e.at, e.kind, e.case_id, e.cell_code, e.person_id, e.payload::text as payload,
               c.reported_by, (e.payload->>'assigneeId')::uuid as assignee_id, e.payload->>'assignedUnitId' as unit_id
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

    /// <summary>Every event after <paramref name="after"/> whose transaction has ended, in order: what a node's listener fans out.</summary>
    public static async Task<IReadOnlyList<EventRow>> ReadAfterAsync(NpgsqlConnection conn, EventPosition after, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<EventRow>(new CommandDefinition(ReadAfterSql, new { after.Xact, after.Seq, Limit = limit }, cancellationToken: ct))).ToList();

    // Committed rows the reader may not take yet because an older transaction is still running.
    private const string HeldBackSql = "select exists (select 1 from case_events where xact_id >= " + HorizonSql + ")";

    /// <summary>True when committed events wait for an older transaction to end: the reader should look again soon.</summary>
    public static async Task<bool> HeldBackAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(HeldBackSql, cancellationToken: ct));

    // Every event committed so far is readable once the oldest running transaction is newer than
    // the newest writer among them.
    private const string AllCommittedReadableSql =
        "select coalesce((select max(xact_id) from case_events) < " + HorizonSql + ", true)";

    /// <summary>
    /// Waits (a few ms while transactions are short, at most <paramref name="max"/>) until every event
    /// committed before the call is readable, so a poller that reads right after its own change sees
    /// it. Returns false when it gave up; the rows then come on a later read.
    /// </summary>
    public static async Task<bool> WaitUntilCommittedAreReadableAsync(NpgsqlConnection conn, TimeSpan max, CancellationToken ct = default)
    {
        var until = DateTime.UtcNow + max;
        var look = TimeSpan.FromMilliseconds(2);
        while (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(AllCommittedReadableSql, cancellationToken: ct)))
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

    public const string CatchUpSql = SelectEventColumns + StableRowsAfterSql + """

           and
        """ + AudienceSql + """
         order by e.xact_id, e.seq
         limit @Limit
        """;

    /// <summary>What a subscriber missed after <paramref name="after"/>, in order, only what it may see.</summary>
    public async Task<IReadOnlyList<EventRow>> CatchUpAsync(Audience a, EventPosition after, int limit, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<EventRow>(new CommandDefinition(CatchUpSql, new
        {
            after.Xact, after.Seq, Limit = limit, a.All, a.Street, a.Unit, a.Me, Cells = a.Cells.ToArray(),
        }, cancellationToken: ct))).ToList();
    }

    private const string SelectStableEndSql = """
        select e.xact_id::text::bigint as xact, e.seq from case_events e
        where e.xact_id < 
        """ + HorizonSql + """

        order by e.xact_id desc, e.seq desc
        limit 1
        """;

    /// <summary>The position of the last event a reader may take now: "from now on" starts after it.</summary>
    public static async Task<EventPosition> StableEndAsync(NpgsqlConnection conn, CancellationToken ct) =>
        await FirstPositionAsync(conn, new CommandDefinition(SelectStableEndSql, cancellationToken: ct)) ?? EventPosition.Start;

    public async Task<EventPosition> StableEndAsync(CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await StableEndAsync(conn, ct);
    }

    private const string SelectPositionOfSql = "select xact_id::text::bigint as xact, seq from case_events where seq = @Seq";

    /// <summary>The position of event <paramref name="seq"/> (0: before everything); null when there is no such event.</summary>
    public async Task<EventPosition?> PositionOfAsync(long seq, CancellationToken ct = default)
    {
        if (seq == 0) return EventPosition.Start;
        await using var conn = await db.OpenConnectionAsync(ct);
        return await FirstPositionAsync(conn, new CommandDefinition(SelectPositionOfSql, new { Seq = seq }, cancellationToken: ct));
    }

    private static async Task<EventPosition?> FirstPositionAsync(NpgsqlConnection conn, CommandDefinition command) =>
        (await conn.QueryAsync<(long Xact, long Seq)>(command)).Select(p => (EventPosition?)new EventPosition(p.Xact, p.Seq)).FirstOrDefault();

    private const string SelectCellsServedSql = "select cell_code from cell_staff where person_id = @Me order by cell_code";

    public async Task<IReadOnlyList<string>> CellsServedAsync(Guid me)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>(SelectCellsServedSql, new { Me = me })).ToList();
    }

    /// <summary>
    /// A staff position as a staff_position event, announced by NOTIFY at commit. Every writer of
    /// positions (this endpoint, the field app's patrol track) uses it, so the map reads one shape.
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
        select seq from e, pg_notify('grid_events', seq::text)
        """;

    /// <summary>Stores a position as a staff_position event and announces it like every other event.</summary>
    public async Task<long> InsertPositionAsync(Guid person, double lat, double lon, double? accuracy, string? cell, DateTimeOffset at)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var seq = await conn.ExecuteScalarAsync<long>(InsertPositionEventSql, new { At = at, Cell = cell, Person = person, Lat = lat, Lon = lon, Accuracy = accuracy }, tx);
        await tx.CommitAsync();
        return seq;
    }

    private const string SelectLatestPositionsSql = """
        select distinct on (e.person_id) e.seq, e.at, e.person_id, p.display_name, e.cell_code,
               (e.payload->>'lat')::float8 as lat, (e.payload->>'lon')::float8 as lon, (e.payload->>'accuracy')::float8 as accuracy
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
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<StaffPosition>(SelectLatestPositionsSql, new
        {
            Since = since, a.All, a.Street, a.Unit, a.Me, Cells = a.Cells.ToArray(),
        })).ToList();
    }
}
