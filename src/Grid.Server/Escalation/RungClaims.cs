using Grid.Domain.Escalation;
using Grid.Domain.Time;
using Grid.Server.Catalogue;
using Grid.Server.Incidents;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Escalation;

/// <summary>What one claim pass did: cases looked at and rungs fired.</summary>
public sealed record ClaimOutcome(int Claimed, int Fired);

/// <summary>
/// The escalation ladder's data work. Each case keeps the moment of its next rung in
/// cases.next_rung_at (indexed); the claim job takes the due ones in bounded batches
/// (<c>for update skip locked</c>, so nodes split the work and a lifecycle step on the same case
/// waits or is skipped), fires their due rungs and writes each case's next moment, all in one
/// transaction. The effect of a rung is guarded by the unique index escalations_once_ux on
/// (case, level, deadline): a rung that fired already inserts nothing and notifies no one, so a job
/// that runs twice or a batch replayed after a node died changes nothing.
/// </summary>
public sealed class RungClaims(NpgsqlDataSource db, CatalogueRepository catalogue)
{
    private const string ClaimSql = """
        select c.id, c.state, c.deadline, c.dispatched_at, c.dispatch_deadline, c.category_code, c.priority, c.cell_code,
               c.assigned_unit_id, c.assignee_id
        from cases c
        where c.next_rung_at <= @Now
        order by c.next_rung_at, c.id
        limit @Limit
        for update skip locked
        """;

    private const string LockCaseSql = """
        select c.id, c.state, c.deadline, c.dispatched_at, c.dispatch_deadline, c.category_code, c.priority, c.cell_code,
               c.assigned_unit_id, c.assignee_id
        from cases c
        where c.id = @Id
        """;

    private const string SelectLaddersSql = """
        select category_prefix, priority, warning_fraction::float8, delays_s from escalation_ladders
        """;

    // Only the current deadline's rungs count: a new deadline starts its own ladder.
    private const string SelectDoneSql = """
        select e.case_id, e.level from escalations e join cases c on c.id = e.case_id
        where e.case_id = any(@Ids) and e.level <> 'supervise' and e.deadline = c.deadline
        """;

    private const string SetNextRungSql = "update cases set next_rung_at = @Next where id = @Id";

    private const string EarliestSql = "select min(next_rung_at) from cases where next_rung_at is not null";

    // One statement per rung: the guarded insert, and only when it inserted, the inbox items, the
    // history entry. Who hears of it: the assignee, or with nobody named the staff of the
    // responsible unit, and with neither the grid head; the cell's grid head; supervisors of the
    // case's street; district-wide supervisors (no street). Only active people: a deactivated
    // assignee or unit staff member counts as nobody named (the grid head hears of it), and a
    // deactivated grid head's post is vacant (EscalationRepository.TargetsAsync, the same rule).
    private const string FireRungSql = """
        with r as (
            insert into escalations (case_id, level, deadline, due_at, at, cell_code, unit_id, assignee_id)
            values (@CaseId, @Level, @Deadline, @DueAt, @At, @CellCode, @UnitId, @AssigneeId)
            on conflict (case_id, level, deadline) where level <> 'supervise' do nothing
            returning id
        ),
        a as (
            select p.id from people p
            where p.deactivated_at is null
              and (p.id = @AssigneeId
                   or (@AssigneeId is null and p.unit_id = @UnitId
                       and exists (select 1 from person_roles pr where pr.person_id = p.id and pr.role = 'unit_staff')))
        ),
        g as (
            select s.person_id as id from cell_staff s join people p on p.id = s.person_id and p.deactivated_at is null
            where s.cell_code = @CellCode and s.role = 'grid_head'
        ),
        t as (
            select id from a where @Level in ('warning','assignee')
            union
            select id from g where @Level = 'grid_head' or (@Level in ('warning','assignee') and not exists (select 1 from a))
            union
            select p.id from people p join person_roles pr on pr.person_id = p.id and pr.role = 'supervisor'
            where @Level = 'street_leader' and p.street_code = left(@CellCode, 9) and p.deactivated_at is null
            union
            select p.id from people p join person_roles pr on pr.person_id = p.id and pr.role = 'supervisor'
            where @Level = 'district' and p.street_code is null and p.deactivated_at is null
        ),
        i as (
            insert into inbox_items (person_id, escalation_id, case_id, created_at)
            select t.id, r.id, @CaseId, @At from r, t
            on conflict (escalation_id, person_id) do nothing
        ),
        h as (
            insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
            select @CaseId, @At, null, 'escalate', @State, @State, null, '[]',
                   jsonb_build_object(
                       'details', jsonb_build_object('level', @Level, 'dueAt', @DueAt, 'deadline', @Deadline, 'escalationId', r.id),
                       'targets', coalesce((select jsonb_agg(t.id) from t), '[]'::jsonb))
            from r
        )
        select r.id from r
        """;

    // The events go last and all at once, in one statement. Readers of case_events (migration 0100)
    // deliver nothing written after this transaction's first row lock until it ends, so the batch
    // is bounded (limit) and does no waiting of its own between claim and commit.
    private const string InsertEventsSql = """
        with e as (
            insert into case_events (at, kind, case_id, cell_code, payload)
            select @At, 'case_escalated', c.id, c.cell_code,
        """ + CaseRepository.CaseEventPayloadSql + """

                   || jsonb_build_object('escalationId', x.id, 'level', x.level,
                          'targets', coalesce((select jsonb_agg(i.person_id order by i.id) from inbox_items i where i.escalation_id = x.id), '[]'::jsonb))
            from escalations x join cases c on c.id = x.case_id
            where x.id = any(@Ids)
            order by x.id
            returning seq
        )
        select count(pg_notify('grid_events', seq::text)) from e
        """;

    /// <summary>
    /// Claims up to <paramref name="limit"/> cases whose next rung is due at <paramref name="now"/>,
    /// fires what is due, in ladder order, and moves each case's next_rung_at on; one transaction.
    /// </summary>
    public async Task<ClaimOutcome> ClaimDueAsync(DateTimeOffset now, int limit, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var cases = new List<LadderCase>();
        await using (var cmd = new NpgsqlCommand(ClaimSql, conn, tx))
        {
            cmd.Parameters.AddWithValue("Now", now);
            cmd.Parameters.AddWithValue("Limit", limit);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) cases.Add(ReadCase(reader));
        }
        if (cases.Count == 0)
        {
            await tx.CommitAsync(ct);
            return new ClaimOutcome(0, 0);
        }
        // The calendar is read only when something is due: an idle pass costs one query.
        var calendar = await catalogue.CalendarAsync();
        var rules = await LaddersAsync(conn, tx, ct);
        var done = await DoneAsync(conn, tx, cases.Select(c => c.Id).ToArray(), ct);

        var batch = new NpgsqlBatch(conn, tx);
        foreach (var c in cases)
        {
            var plan = Plan(c, rules, calendar, done.GetValueOrDefault(c.Id) ?? [], now);
            foreach (var step in plan.Due) batch.BatchCommands.Add(FireCommand(c, step, now));
            batch.BatchCommands.Add(SetNextCommand(c.Id, plan.Next?.DueAt));
        }
        // Only the rung statements return rows (the id of a rung that was inserted); the updates none.
        var fired = new List<long>();
        await using (batch)
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            do
            {
                while (await reader.ReadAsync(ct)) fired.Add(reader.GetInt64(0));
            } while (await reader.NextResultAsync(ct));
        }
        if (fired.Count > 0)
        {
            await using var events = new NpgsqlCommand(InsertEventsSql, conn, tx);
            events.Parameters.AddWithValue("At", now);
            events.Parameters.AddWithValue("Action", "escalate");
            events.Parameters.AddWithValue("Ids", fired.ToArray());
            await events.ExecuteScalarAsync(ct);
        }
        await tx.CommitAsync(ct);
        return new ClaimOutcome(cases.Count, fired.Count);
    }

    /// <summary>
    /// Writes the moment of the case's next rung, inside the caller's transaction: every lifecycle
    /// step calls it after changing the case, so the ladder follows the clock (a new deadline starts
    /// its own ladder; hold, return and close leave none). A moment already past is picked up by the
    /// next claim.
    /// </summary>
    public async Task PlaceNextRungAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long caseId, CancellationToken ct = default)
    {
        var calendar = await catalogue.CalendarAsync();
        LadderCase? c = null;
        await using (var cmd = new NpgsqlCommand(LockCaseSql, conn, tx))
        {
            cmd.Parameters.AddWithValue("Id", caseId);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            if (await reader.ReadAsync(ct)) c = ReadCase(reader);
        }
        if (c is null) return;
        DateTimeOffset? next = null;
        if (c.ClockRuns)
        {
            var rules = await LaddersAsync(conn, tx, ct);
            var done = await DoneAsync(conn, tx, [caseId], ct);
            next = LadderRule.Pick(rules, c.CategoryCode, c.Priority).Next(calendar, c.Clock, done.GetValueOrDefault(caseId) ?? [])?.DueAt;
        }
        await using var set = new NpgsqlCommand(SetNextRungSql, conn, tx);
        set.Parameters.Add(new NpgsqlParameter("Next", NpgsqlDbType.TimestampTz) { Value = (object?)next ?? DBNull.Value });
        set.Parameters.AddWithValue("Id", caseId);
        await set.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The earliest moment any case has a rung due, or null when none has.</summary>
    public async Task<DateTimeOffset?> EarliestAsync(CancellationToken ct = default)
    {
        await using var cmd = db.CreateCommand(EarliestSql);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DateTime dt ? new DateTimeOffset(dt, TimeSpan.Zero) : null;
    }

    internal sealed record LadderPlan(IReadOnlyList<LadderStep> Due, LadderStep? Next);

    /// <summary>What is due now and, after it, the next rung; nothing for a case without a running clock.</summary>
    internal static LadderPlan Plan(LadderCase c, IReadOnlyList<LadderRule> rules, WorkingCalendar calendar, HashSet<EscalationLevel> done, DateTimeOffset now)
    {
        if (!c.ClockRuns) return new LadderPlan([], null);
        var ladder = LadderRule.Pick(rules, c.CategoryCode, c.Priority);
        var due = ladder.Due(calendar, c.Clock, now, done);
        var after = done.Concat(due.Select(d => d.Level)).ToHashSet();
        return new LadderPlan(due, ladder.Next(calendar, c.Clock, after));
    }

    internal static NpgsqlBatchCommand FireCommand(LadderCase c, LadderStep step, DateTimeOffset now)
    {
        var cmd = new NpgsqlBatchCommand(FireRungSql);
        cmd.Parameters.AddWithValue("CaseId", c.Id);
        cmd.Parameters.AddWithValue("Level", step.Level.ToCode());
        cmd.Parameters.AddWithValue("Deadline", c.Deadline!.Value);
        cmd.Parameters.AddWithValue("DueAt", step.DueAt);
        cmd.Parameters.AddWithValue("At", now);
        cmd.Parameters.AddWithValue("State", c.State);
        cmd.Parameters.AddWithValue("CellCode", c.CellCode);
        cmd.Parameters.Add(new NpgsqlParameter("UnitId", NpgsqlDbType.Text) { Value = (object?)c.AssignedUnitId ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("AssigneeId", NpgsqlDbType.Uuid) { Value = (object?)c.AssigneeId ?? DBNull.Value });
        return cmd;
    }

    private static NpgsqlBatchCommand SetNextCommand(long caseId, DateTimeOffset? next)
    {
        var cmd = new NpgsqlBatchCommand(SetNextRungSql);
        cmd.Parameters.Add(new NpgsqlParameter("Next", NpgsqlDbType.TimestampTz) { Value = (object?)next ?? DBNull.Value });
        cmd.Parameters.AddWithValue("Id", caseId);
        return cmd;
    }

    private static LadderCase ReadCase(NpgsqlDataReader r) => new()
    {
        Id = r.GetInt64(0),
        State = r.GetString(1),
        Deadline = r.IsDBNull(2) ? null : r.GetFieldValue<DateTimeOffset>(2),
        DispatchedAt = r.IsDBNull(3) ? null : r.GetFieldValue<DateTimeOffset>(3),
        DispatchDeadline = r.IsDBNull(4) ? null : r.GetFieldValue<DateTimeOffset>(4),
        CategoryCode = r.GetString(5),
        Priority = r.GetString(6),
        CellCode = r.GetString(7),
        AssignedUnitId = r.IsDBNull(8) ? null : r.GetString(8),
        AssigneeId = r.IsDBNull(9) ? null : r.GetGuid(9),
    };

    internal static async Task<IReadOnlyList<LadderRule>> LaddersAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct)
    {
        var rules = new List<LadderRule>();
        await using var cmd = new NpgsqlCommand(SelectLaddersSql, conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var fraction = r.GetDouble(2);
            var delays = r.GetFieldValue<int[]>(3).Select(s => TimeSpan.FromSeconds(s)).ToList();
            rules.Add(new LadderRule(r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1),
                new EscalationLadder(fraction > 0 ? fraction : null, delays)));
        }
        return rules;
    }

    private static async Task<Dictionary<long, HashSet<EscalationLevel>>> DoneAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long[] ids,
        CancellationToken ct)
    {
        var byCase = new Dictionary<long, HashSet<EscalationLevel>>();
        await using var cmd = new NpgsqlCommand(SelectDoneSql, conn, tx);
        cmd.Parameters.AddWithValue("Ids", ids);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var id = r.GetInt64(0);
            if (!byCase.TryGetValue(id, out var set)) byCase[id] = set = [];
            set.Add(EscalationLevels.Parse(r.GetString(1)));
        }
        return byCase;
    }
}
