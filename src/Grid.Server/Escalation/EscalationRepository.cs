using System.Text.Json;
using Grid.Domain.Escalation;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Grid.Server.Staff;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

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

public sealed class EscalationRepository(IDbContextFactory<GridDbContext> contexts)
{
    // Row lock first: the job, the sweep and a lifecycle step on the same case take turns, so the
    // ladder is judged on the case as it is, and a concurrent step (extension, close) wins or waits.
    private const string LockCaseSql = """
        select c.id as "Id", c.state as "State", c.deadline as "Deadline", c.dispatched_at as "DispatchedAt",
               c.dispatch_deadline as "DispatchDeadline", c.category_code as "CategoryCode", c.priority as "Priority",
               c.cell_code as "CellCode", c.assigned_unit_id as "AssignedUnitId", c.assignee_id as "AssigneeId"
        from cases c where c.id = @Id
        for update
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
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var c = (await db.Database.SqlQueryRaw<LadderCase>(LockCaseSql, new NpgsqlParameter("Id", caseId)).ToListAsync()).SingleOrDefault();
        if (c is null) return null;
        var row = new EscalationRecord
        {
            CaseId = c.Id, Level = "supervise", Deadline = null, DueAt = now, At = now, OrderedBy = orderedBy, Note = note, CellCode = c.CellCode,
            UnitId = c.AssignedUnitId, AssigneeId = c.AssigneeId,
        };
        db.Add(row);
        await db.SaveChangesAsync();
        var targets = (await TargetsAsync(db, EscalationLevel.Assignee, c))
            .Concat(await TargetsAsync(db, EscalationLevel.GridHead, c)).Distinct().Where(p => p != orderedBy).ToList();
        await RecordAsync(db, c, row.Id, EscalationLevel.Supervise, orderedBy, note, targets, now,
            new { level = "supervise", escalationId = row.Id });
        await tx.CommitAsync();
        return new FiredRung(row.Id, EscalationLevel.Supervise, now, targets);
    }

    // Who hears of each rung. The assignee, or when nobody is named, the staff of the responsible
    // unit; the grid head of the cell; supervisors of the case's street; district-wide supervisors.
    // Only active people (RungClaims.FireRungSql, the same rule in SQL).
    private static async Task<List<Guid>> TargetsAsync(GridDbContext db, EscalationLevel level, LadderCase c)
    {
        var people = db.Set<PersonRecord>().Where(p => p.DeactivatedAt == null);
        var roles = db.Set<PersonRoleRecord>();
        IQueryable<Guid> GridHeads() => db.Set<CellStaffRecord>().Where(s => s.CellCode == c.CellCode && s.Role == "grid_head")
            .Where(s => people.Any(p => p.Id == s.PersonId)).Select(s => s.PersonId);
        IQueryable<PersonRecord> Supervisors() => people.Where(p => roles.Any(r => r.PersonId == p.Id && r.Role == "supervisor"));
        var street = c.CellCode.Length > 9 ? c.CellCode[..9] : c.CellCode;
        var query = level switch
        {
            EscalationLevel.Warning or EscalationLevel.Assignee => c.AssigneeId is { } assignee
                ? people.Where(p => p.Id == assignee).Select(p => p.Id)
                : people.Where(p => p.UnitId == c.AssignedUnitId && roles.Any(r => r.PersonId == p.Id && r.Role == "unit_staff")).Select(p => p.Id),
            EscalationLevel.GridHead => GridHeads(),
            EscalationLevel.StreetLeader => Supervisors().Where(p => p.StreetCode == street).Select(p => p.Id),
            EscalationLevel.District => Supervisors().Where(p => p.StreetCode == null).Select(p => p.Id),
            _ => throw new ArgumentOutOfRangeException(nameof(level)),
        };
        var found = await query.ToListAsync();
        // Nobody named and no unit staff: the grid head answers for the cell.
        if (found.Count == 0 && level is EscalationLevel.Warning or EscalationLevel.Assignee) found = await GridHeads().ToListAsync();
        return found.Distinct().ToList();
    }

    private static async Task RecordAsync(GridDbContext db, LadderCase c, long escalationId, EscalationLevel level,
        Guid? actorId, string? note, IReadOnlyList<Guid> targets, DateTimeOffset now, object details)
    {
        var action = level == EscalationLevel.Supervise ? "supervise" : "escalate";
        db.Add(new CaseHistoryRecord
        {
            CaseId = c.Id, At = now, ActorId = actorId, Action = action, FromState = c.State, ToState = c.State, Reason = note,
            Evidence = "[]", Details = JsonSerializer.Serialize(new { details, targets }),
        });
        await db.SaveChangesAsync();
        await db.Database.ExecuteSqlRawAsync(InsertEscalatedEventSql, new NpgsqlParameter("At", now), new NpgsqlParameter("Action", action),
            new NpgsqlParameter("CaseId", c.Id), new NpgsqlParameter("EscalationId", escalationId), new NpgsqlParameter("Level", level.ToCode()),
            new NpgsqlParameter("Targets", JsonSerializer.Serialize(targets)));
        await db.Database.ExecuteSqlRawAsync(InsertInboxSql, new NpgsqlParameter("People", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = targets.ToArray() },
            new NpgsqlParameter("EscalationId", escalationId), new NpgsqlParameter("CaseId", c.Id), new NpgsqlParameter("At", now));
    }

    public async Task<IReadOnlyList<EscalationRow>> OfCaseAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var items = db.Set<InboxItemRecord>();
        return await db.Set<EscalationRecord>().Where(e => e.CaseId == caseId).OrderBy(e => e.Id)
            .Select(e => new EscalationRow
            {
                Id = e.Id, CaseId = e.CaseId, Level = e.Level, Deadline = e.Deadline, DueAt = e.DueAt, At = e.At, OrderedBy = e.OrderedBy,
                Note = e.Note, Targets = items.Count(i => i.EscalationId == e.Id),
            }).ToListAsync();
    }

    // ---- inbox ----

    public async Task<IReadOnlyList<InboxRow>> InboxAsync(Guid me, bool unreadOnly, int page, int pageSize)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var items = db.Set<InboxItemRecord>().Where(i => i.PersonId == me);
        if (unreadOnly) items = items.Where(i => i.ReadAt == null);
        return await (from i in items
                      join e in db.Set<EscalationRecord>() on i.EscalationId equals e.Id
                      join c in db.Set<CaseRecord>() on i.CaseId equals c.Id
                      join o0 in db.Set<PersonRecord>() on e.OrderedBy equals o0.Id into orderers
                      from o in orderers.DefaultIfEmpty()
                      orderby i.Id descending
                      select new InboxRow
                      {
                          Id = i.Id, CaseId = i.CaseId, CaseNo = c.CaseNo, CaseState = c.State, Description = c.Description, CellCode = c.CellCode,
                          Level = e.Level, Note = e.Note, OrderedByName = o.DisplayName, Deadline = e.Deadline, CreatedAt = i.CreatedAt, ReadAt = i.ReadAt,
                      }).Skip((page - 1) * pageSize).Take(pageSize).ToListAsync();
    }

    public async Task<long> UnreadCountAsync(Guid me)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<InboxItemRecord>().LongCountAsync(i => i.PersonId == me && i.ReadAt == null);
    }

    /// <summary>False when the item is not the person's own.</summary>
    public async Task<bool> MarkReadAsync(Guid me, long id, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        // Guarded on read_at is null: the first reading is the one kept.
        await db.Set<InboxItemRecord>().Where(i => i.Id == id && i.PersonId == me && i.ReadAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.ReadAt, now));
        return await db.Set<InboxItemRecord>().AnyAsync(i => i.Id == id && i.PersonId == me);
    }
}
