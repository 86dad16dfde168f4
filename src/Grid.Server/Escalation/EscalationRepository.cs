using System.Text.Json;
using Dapper;
using Grid.Domain.Escalation;
using Grid.Server.Incidents;
using Npgsql;

namespace Grid.Server.Escalation;

/// <summary>The parts of a case the ladder looks at.</summary>
public sealed class LadderCase
{
    public long Id { get; init; }
    public string State { get; init; } = "";
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset? DispatchedAt { get; init; }
    /// <summary>The deadline as given at dispatch (db/migrations/0022): extensions and resumes do not move it.</summary>
    public DateTimeOffset? DispatchDeadline { get; init; }
    public string CategoryCode { get; init; } = "";
    public string Priority { get; init; } = "";
    public string CellCode { get; init; } = "";
    public string? AssignedUnitId { get; init; }
    public Guid? AssigneeId { get; init; }

    /// <summary>Only a case being handled has a running clock that can go overdue.</summary>
    public bool ClockRuns => State is "dispatched" or "in_progress" && Deadline is not null && DispatchedAt is not null;

    /// <summary>The clock the ladder is counted on; only when <see cref="ClockRuns"/>.</summary>
    public RunningClock Clock => new(DispatchedAt!.Value, DispatchDeadline ?? Deadline!.Value, Deadline!.Value);
}

public sealed record FiredRung(long EscalationId, EscalationLevel Level, DateTimeOffset DueAt, IReadOnlyList<Guid> Targets);

public sealed class InboxRow
{
    public long Id { get; init; }
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string CaseState { get; init; } = "";
    public string Description { get; init; } = "";
    public string CellCode { get; init; } = "";
    public string Level { get; init; } = "";
    public string? Note { get; init; }
    public string? OrderedByName { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ReadAt { get; init; }
}

public sealed class EscalationRow
{
    public long Id { get; init; }
    public long CaseId { get; init; }
    public string Level { get; init; } = "";
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset DueAt { get; init; }
    public DateTimeOffset At { get; init; }
    public Guid? OrderedBy { get; init; }
    public string? Note { get; init; }
    public int Targets { get; init; }
}

public sealed class EscalationRepository(NpgsqlDataSource db)
{
    // Row lock first: the job, the sweep and a lifecycle step on the same case take turns, so the
    // ladder is judged on the case as it is, and a concurrent step (extension, close) wins or waits.
    private const string LockCaseSql = """
        select c.id, c.state, c.deadline, c.dispatched_at, c.dispatch_deadline, c.category_code, c.priority, c.cell_code, c.assigned_unit_id, c.assignee_id
        from cases c where c.id = @Id
        for update
        """;

    private const string InsertManualSql = """
        insert into escalations (case_id, level, deadline, due_at, at, ordered_by, note, cell_code, unit_id, assignee_id)
        values (@CaseId, 'supervise', null, @At, @At, @OrderedBy, @Note, @CellCode, @UnitId, @AssigneeId)
        returning id
        """;

    // Who hears of each rung. The assignee, or when nobody is named, the staff of the responsible
    // unit; the grid head of the cell; supervisors of the case's street; district-wide supervisors.
    private const string AssigneeTargetsSql = """
        select p.id from people p
        where p.id = @AssigneeId
           or (@AssigneeId::uuid is null and p.unit_id = @UnitId
               and exists (select 1 from person_roles r where r.person_id = p.id and r.role = 'unit_staff'))
        """;

    private const string GridHeadTargetsSql = """
        select s.person_id from cell_staff s where s.cell_code = @CellCode and s.role = 'grid_head'
        """;

    private const string StreetLeaderTargetsSql = """
        select p.id from people p join person_roles r on r.person_id = p.id and r.role = 'supervisor'
        where p.street_code = left(@CellCode, 9)
        """;

    private const string DistrictTargetsSql = """
        select p.id from people p join person_roles r on r.person_id = p.id and r.role = 'supervisor'
        where p.street_code is null
        """;

    private const string InsertHistorySql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
        values (@CaseId, @At, @ActorId, @Action, @State, @State, @Reason, '[]', @Details::jsonb)
        """;

    // The lifecycle's event payload (CaseRepository.CaseEventPayloadSql) plus the rung, so the
    // real-time channel can tell who was escalated to.
    private const string InsertEscalatedEventSql = """
        with e as (
            insert into case_events (at, kind, case_id, cell_code, payload)
            select @At, 'case_escalated', c.id, c.cell_code,
        """ + CaseRepository.CaseEventPayloadSql + """

                || jsonb_build_object('escalationId', @EscalationId, 'level', @Level, 'targets', @Targets::jsonb)
            from cases c where c.id = @CaseId
            returning seq
        )
        select pg_notify('grid_events', seq::text) from e
        """;

    private const string InsertInboxSql = """
        insert into inbox_items (person_id, escalation_id, case_id, created_at)
        select unnest(@People::uuid[]), @EscalationId, @CaseId, @At
        on conflict (escalation_id, person_id) do nothing
        """;

    /// <summary>督办 ordered by hand: the assignee (or unit) and the grid head get an inbox item with the note.</summary>
    public async Task<FiredRung?> SuperviseAsync(long caseId, Guid orderedBy, string note, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var c = await conn.QuerySingleOrDefaultAsync<LadderCase>(LockCaseSql, new { Id = caseId }, tx);
        if (c is null) return null;
        var id = await conn.QuerySingleAsync<long>(InsertManualSql, new
        {
            CaseId = c.Id, At = now, OrderedBy = orderedBy, Note = note, c.CellCode, UnitId = c.AssignedUnitId, c.AssigneeId,
        }, tx);
        var targets = (await TargetsAsync(conn, tx, EscalationLevel.Assignee, c))
            .Concat(await TargetsAsync(conn, tx, EscalationLevel.GridHead, c)).Distinct().Where(p => p != orderedBy).ToList();
        await RecordAsync(conn, tx, c, id, EscalationLevel.Supervise, orderedBy, note, targets, now,
            new { level = "supervise", escalationId = id });
        await tx.CommitAsync();
        return new FiredRung(id, EscalationLevel.Supervise, now, targets);
    }

    private static async Task<List<Guid>> TargetsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, EscalationLevel level, LadderCase c)
    {
        var sql = level switch
        {
            EscalationLevel.Warning or EscalationLevel.Assignee => AssigneeTargetsSql,
            EscalationLevel.GridHead => GridHeadTargetsSql,
            EscalationLevel.StreetLeader => StreetLeaderTargetsSql,
            EscalationLevel.District => DistrictTargetsSql,
            _ => throw new ArgumentOutOfRangeException(nameof(level)),
        };
        var people = (await conn.QueryAsync<Guid>(sql, new { c.AssigneeId, UnitId = c.AssignedUnitId, c.CellCode }, tx)).ToList();
        // Nobody named and no unit staff: the grid head answers for the cell.
        if (people.Count == 0 && level is EscalationLevel.Warning or EscalationLevel.Assignee)
        {
            people = (await conn.QueryAsync<Guid>(GridHeadTargetsSql, new { c.CellCode }, tx)).ToList();
        }
        return people.Distinct().ToList();
    }

    private static async Task RecordAsync(NpgsqlConnection conn, NpgsqlTransaction tx, LadderCase c, long escalationId, EscalationLevel level,
        Guid? actorId, string? note, IReadOnlyList<Guid> targets, DateTimeOffset now, object details)
    {
        var action = level == EscalationLevel.Supervise ? "supervise" : "escalate";
        await conn.ExecuteAsync(InsertHistorySql, new
        {
            CaseId = c.Id, At = now, ActorId = actorId, Action = action, c.State, Reason = note,
            Details = JsonSerializer.Serialize(new { details, targets }),
        }, tx);
        await conn.ExecuteAsync(InsertEscalatedEventSql, new
        {
            At = now, Action = action, CaseId = c.Id, EscalationId = escalationId, Level = level.ToCode(),
            Targets = JsonSerializer.Serialize(targets),
        }, tx);
        await conn.ExecuteAsync(InsertInboxSql, new { People = targets.ToArray(), EscalationId = escalationId, CaseId = c.Id, At = now }, tx);
    }

    private const string SelectEscalationsOfCaseSql = """
        select e.id, e.case_id, e.level, e.deadline, e.due_at, e.at, e.ordered_by, e.note,
               (select count(*)::int from inbox_items i where i.escalation_id = e.id) as targets
        from escalations e where e.case_id = @Id order by e.id
        """;

    public async Task<IReadOnlyList<EscalationRow>> OfCaseAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<EscalationRow>(SelectEscalationsOfCaseSql, new { Id = caseId })).ToList();
    }

    // ---- inbox ----

    private const string SelectInboxSql = """
        select i.id, i.case_id, c.case_no, c.state as case_state, c.description, c.cell_code, e.level, e.note,
               o.display_name as ordered_by_name, e.deadline, i.created_at, i.read_at
        from inbox_items i
        join escalations e on e.id = i.escalation_id
        join cases c on c.id = i.case_id
        left join people o on o.id = e.ordered_by
        where i.person_id = @Me and (@UnreadOnly = false or i.read_at is null)
        order by i.id desc
        limit @Limit offset @Offset
        """;

    private const string CountUnreadSql = "select count(*) from inbox_items where person_id = @Me and read_at is null";

    private const string MarkReadSql = """
        update inbox_items set read_at = @Now where id = @Id and person_id = @Me and read_at is null
        """;

    private const string OwnsItemSql = "select exists (select 1 from inbox_items where id = @Id and person_id = @Me)";

    public async Task<IReadOnlyList<InboxRow>> InboxAsync(Guid me, bool unreadOnly, int page, int pageSize)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<InboxRow>(SelectInboxSql, new { Me = me, UnreadOnly = unreadOnly, Limit = pageSize, Offset = (page - 1) * pageSize })).ToList();
    }

    public async Task<long> UnreadCountAsync(Guid me)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(CountUnreadSql, new { Me = me });
    }

    /// <summary>False when the item is not the person's own.</summary>
    public async Task<bool> MarkReadAsync(Guid me, long id, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(MarkReadSql, new { Id = id, Me = me, Now = now });
        return await conn.ExecuteScalarAsync<bool>(OwnsItemSql, new { Id = id, Me = me });
    }
}
