using System.Linq.Expressions;
using System.Text.Json;
using Grid.Domain.Incidents;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Staff;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using NetTopologySuite.Geometries;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Incidents;

/// <summary>A case row as the API shows it.</summary>
public class CaseRow : ICaseOrderKeys
{
    public long Id { get; init; }
    public string CaseNo { get; init; } = "";
    public double Lat { get; init; }
    public double Lon { get; init; }
    public string Address { get; init; } = "";
    public string CategoryCode { get; init; } = "";
    public string CategoryNameZh { get; init; } = "";
    public string CategoryNameEn { get; init; } = "";
    public bool SelfHandleAllowed { get; init; }
    public string Source { get; init; } = "";
    public string Priority { get; init; } = "";
    public string Description { get; init; } = "";
    public string? ReporterName { get; init; }
    public string? ReporterPhone { get; init; }
    public string State { get; init; } = "";
    public string CellCode { get; init; } = "";
    public string CellName { get; init; } = "";
    public Guid? ReportedBy { get; init; }
    public string? AssignedUnitId { get; init; }
    public string? AssignedUnitName { get; init; }
    public Guid? AssigneeId { get; init; }
    public string? AssigneeName { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public long? HeldRemainingS { get; init; }
    public int ExtensionCount { get; init; }
    public int ReworkCount { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RegisteredAt { get; init; }
    public DateTimeOffset? DispatchedAt { get; init; }
    public DateTimeOffset? AcceptedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public int Version { get; init; }

    public Case ToDomain() => Case.Restore(Id, CellCode, CategoryCode, CaseCodes.ParseState(State), Version, Priority == "urgent",
        ReportedBy, AssignedUnitId, AssigneeId, Deadline, HeldRemainingS is { } s ? TimeSpan.FromSeconds(s) : null,
        ExtensionCount, ReworkCount, RegisteredAt, DispatchedAt, AcceptedAt, ResolvedAt, ClosedAt);
}

public sealed class HistoryRow
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public Guid? ActorId { get; init; }
    public string? ActorName { get; init; }
    public string Action { get; init; } = "";
    public string? FromState { get; init; }
    public string ToState { get; init; } = "";
    public string? Reason { get; init; }
    public string Evidence { get; init; } = "[]";
    public string Details { get; init; } = "{}";
    public string? PublicNote { get; init; }
}

public sealed record NewCase(double Lat, double Lon, string Address, string CategoryCode, string Source, string Priority,
    string Description, string? ReporterName, string? ReporterPhone, string CellCode, Guid? ReportedBy, DateTimeOffset Now,
    string? ReporterEmail = null)
{
    /// <summary>A case number taken when the report arrived (an address-only Open311 request), else a new one.</summary>
    public string? ReservedCaseNo { get; init; }
}

/// <summary>Who may see which cases, as SQL parameters; see <see cref="CaseRepository.ScopeSql"/>.</summary>
public sealed record Scope(Guid Me, bool All, string? Street, string? Unit);

/// <param name="Offset">Rows to skip instead of whole pages (the desk's virtualised grid asks for any window).</param>
public sealed record CaseFilter(string[]? States, string? Category, string? Cell, string? Street, Guid? Assignee, bool? Overdue,
    double[]? Bbox, string? Text, DateTimeOffset? From, DateTimeOffset? To, int Page, int PageSize, string? Source = null,
    CaseOrder Order = CaseOrder.Newest, int? Offset = null);

/// <summary>The columns a case list is ordered by, shared by <see cref="CaseRecord"/> and <see cref="CaseRow"/>.</summary>
public interface ICaseOrderKeys
{
    long Id { get; }
    string CaseNo { get; }
    string State { get; }
    string CategoryCode { get; }
    DateTimeOffset? Deadline { get; }
    DateTimeOffset CreatedAt { get; }
}

/// <summary>The orders a case list can be read in (a fixed set: never built from input).</summary>
public enum CaseOrder { Newest, Oldest, CaseNo, CaseNoDesc, State, StateDesc, Deadline, DeadlineDesc, Category, CategoryDesc }

public sealed record Candidate(Guid PersonId, string Role, bool OnDuty, int OpenCases);

public sealed class CaseRepository(IDbContextFactory<GridDbContext> contexts, Escalation.RungClaims rungs)
{
    /// <summary>Cases with their category, cell, unit and assignee names, as the API shows them.</summary>
    private static IQueryable<CaseRow> Rows(GridDbContext db, IQueryable<CaseRecord> cases) =>
        from c in cases
        join k in db.Set<CategoryRecord>() on c.CategoryCode equals k.Code
        join g in db.Set<GridCellRecord>() on c.CellCode equals g.Code
        join u0 in db.Set<UnitRecord>() on c.AssignedUnitId equals u0.Id into units
        from u in units.DefaultIfEmpty()
        join a0 in db.Set<PersonRecord>() on c.AssigneeId equals a0.Id into assignees
        from a in assignees.DefaultIfEmpty()
        select new CaseRow
        {
            Id = c.Id, CaseNo = c.CaseNo, Lat = c.Location.Y, Lon = c.Location.X, Address = c.Address, CategoryCode = c.CategoryCode,
            CategoryNameZh = k.NameZh, CategoryNameEn = k.NameEn, SelfHandleAllowed = k.SelfHandleAllowed, Source = c.Source,
            Priority = c.Priority, Description = c.Description, ReporterName = c.ReporterName, ReporterPhone = c.ReporterPhone,
            State = c.State, CellCode = c.CellCode, CellName = g.Name, ReportedBy = c.ReportedBy, AssignedUnitId = c.AssignedUnitId,
            AssignedUnitName = u.NameZh, AssigneeId = c.AssigneeId, AssigneeName = a.DisplayName, Deadline = c.Deadline,
            HeldRemainingS = c.HeldRemainingS, ExtensionCount = c.ExtensionCount, ReworkCount = c.ReworkCount, CreatedAt = c.CreatedAt,
            RegisteredAt = c.RegisteredAt, DispatchedAt = c.DispatchedAt, AcceptedAt = c.AcceptedAt, ResolvedAt = c.ResolvedAt,
            ClosedAt = c.ClosedAt, UpdatedAt = c.UpdatedAt, Version = c.Version,
        };

    /// <summary>The visibility rule, in SQL: whole area, own street, own unit's cases, cells one serves,
    /// and cases one reported or was assigned. Readers that stay SQL (photos) use it; <see cref="Visible"/>
    /// is the same rule in LINQ.</summary>
    public const string ScopeSql = """
        (@All
         or (@Street::text is not null and c.cell_code like @Street || '%')
         or (@Unit::text is not null and c.assigned_unit_id = @Unit)
         or c.reported_by = @Me or c.assignee_id = @Me
         or exists (select 1 from cell_staff s where s.cell_code = c.cell_code and s.person_id = @Me))
        """;

    /// <summary>The cases <paramref name="scope"/> may see (see <see cref="ScopeSql"/>).</summary>
    private static IQueryable<CaseRecord> Visible(GridDbContext db, Scope scope) => Visible(db, db.Set<CaseRecord>(), scope);

    private static IQueryable<CaseRecord> Visible(GridDbContext db, IQueryable<CaseRecord> cases, Scope scope)
    {
        if (scope.All) return cases;
        var me = scope.Me;
        var staff = db.Set<CellStaffRecord>();
        Expression<Func<CaseRecord, bool>> rule = (scope.Street, scope.Unit) switch
        {
            ({ } street, { } unit) => c => c.CellCode.StartsWith(street) || c.AssignedUnitId == unit || c.ReportedBy == me || c.AssigneeId == me
                || staff.Any(s => s.CellCode == c.CellCode && s.PersonId == me),
            ({ } street, null) => c => c.CellCode.StartsWith(street) || c.ReportedBy == me || c.AssigneeId == me
                || staff.Any(s => s.CellCode == c.CellCode && s.PersonId == me),
            (null, { } unit) => c => c.AssignedUnitId == unit || c.ReportedBy == me || c.AssigneeId == me
                || staff.Any(s => s.CellCode == c.CellCode && s.PersonId == me),
            _ => c => c.ReportedBy == me || c.AssigneeId == me || staff.Any(s => s.CellCode == c.CellCode && s.PersonId == me),
        };
        return cases.Where(rule);
    }

    public async Task<CaseRow?> FindAsync(long id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Rows(db, db.Set<CaseRecord>().Where(c => c.Id == id)).SingleOrDefaultAsync();
    }

    /// <summary>The case and whether <paramref name="personId"/> serves its cell, in one round trip (the answer to
    /// a report or a step reads both right after the write).</summary>
    public async Task<(CaseRow? Row, bool ServesCell)> FindForAsync(long id, Guid personId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var found = await Rows(db, db.Set<CaseRecord>().Where(c => c.Id == id))
            .Select(r => new { Row = r, Serves = db.Set<CellStaffRecord>().Any(s => s.CellCode == r.CellCode && s.PersonId == personId) })
            .SingleOrDefaultAsync();
        return found is null ? (null, false) : (found.Row, found.Serves);
    }

    /// <summary>The case's history and that of the duplicates merged into it, in the order written.</summary>
    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(long id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        // One IN list of the case and its merged duplicates. "case_id = @id or case_id in (merged)" is an
        // OR over a hashed subplan that no index serves: PostgreSQL read the whole history table per
        // call (76 ms at 137,000 rows in bench/intake, growing with the city; 1 ms this way).
        var ids = db.Set<CaseRecord>().Where(m => m.Id == id || m.MergedInto == id).Select(m => m.Id);
        return await (from h in db.Set<CaseHistoryRecord>()
                      where ids.Contains(h.CaseId)
                      join p0 in db.Set<PersonRecord>() on h.ActorId equals p0.Id into actors
                      from p in actors.DefaultIfEmpty()
                      orderby h.Id
                      select new HistoryRow
                      {
                          Id = h.Id, At = h.At, ActorId = h.ActorId, ActorName = p.DisplayName, Action = h.Action, FromState = h.FromState,
                          ToState = h.ToState, Reason = h.Reason, Evidence = h.Evidence, Details = h.Details, PublicNote = h.PublicNote,
                      }).ToListAsync();
    }

    private static readonly string[] Handling = ["dispatched", "in_progress"];

    // The map's box is PostGIS's bounding-box operator && on the GiST index, with no exact test: for
    // points the same rows as ST_Intersects, which adds an exact test per row (felt on a street box of
    // 330,000 cases in bench/map). LINQ has no &&, so the box is SQL that the LINQ filters compose on
    // (PostgreSQL flattens the subquery). Every column, because EF reads the whole mapped row.
    private const string CasesInBoxSql = """
        select * from cases where location && ST_MakeEnvelope(@MinLon, @MinLat, @MaxLon, @MaxLat, 4326)
        """;

    /// <summary>The cases of the filter that <paramref name="scope"/> may see; only the filters that were given become SQL,
    /// so each query is planned for what it asks.</summary>
    private static IQueryable<CaseRecord> Filtered(GridDbContext db, CaseFilter f, Scope scope, DateTimeOffset now)
    {
        var source = f.Bbox is { } b
            ? db.Set<CaseRecord>().FromSqlRaw(CasesInBoxSql, new NpgsqlParameter("MinLon", b[0]), new NpgsqlParameter("MinLat", b[1]),
                new NpgsqlParameter("MaxLon", b[2]), new NpgsqlParameter("MaxLat", b[3]))
            : db.Set<CaseRecord>();
        var cases = Visible(db, source, scope);
        if (f.States is { } states)
        {
            cases = cases.Where(c => states.Contains(c.State));
            // Every asked state open: the predicate of the open-cases partial indexes (migration 0101) in
            // literals, so the planner can use them (it cannot see into the states parameter). The map and
            // the command center read open cases, a fifth of the table.
            if (states.Length > 0 && states.All(st => st is not ("closed" or "cancelled")))
                cases = cases.Where(c => c.State != "closed" && c.State != "cancelled");
        }
        if (f.Category is { } category) cases = cases.Where(c => c.CategoryCode == category);
        if (f.Source is { } from0) cases = cases.Where(c => c.Source == from0);
        if (f.Cell is { } cell) cases = cases.Where(c => c.CellCode == cell);
        if (f.Street is { } street) cases = cases.Where(c => c.CellCode.StartsWith(street));
        if (f.Assignee is { } assignee) cases = cases.Where(c => c.AssigneeId == assignee);
        if (f.Overdue is true) cases = cases.Where(c => Handling.Contains(c.State) && c.Deadline < now);
        if (f.Overdue is false) cases = cases.Where(c => !(Handling.Contains(c.State) && c.Deadline < now));
        if (f.Text is { } text)
        {
            var like = "%" + text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            cases = cases.Where(c => c.CaseNo == text || EF.Functions.ILike(c.Description, like, "\\") || EF.Functions.ILike(c.Address, like, "\\"));
        }
        if (f.From is { } from) cases = cases.Where(c => c.CreatedAt >= from);
        if (f.To is { } to) cases = cases.Where(c => c.CreatedAt < to);
        return cases;
    }

    /// <summary>The list's order; the id breaks ties so pages and windows never overlap or skip. One definition for
    /// the table rows (the page is cut in SQL on them) and the API rows (the joined page keeps that order): both
    /// implement <see cref="ICaseOrderKeys"/>, and EF translates the interface's members to the same columns.</summary>
    private static IQueryable<T> Ordered<T>(IQueryable<T> q, CaseOrder o) where T : class, ICaseOrderKeys => o switch
    {
        CaseOrder.Oldest => q.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id),
        CaseOrder.CaseNo => q.OrderBy(c => c.CaseNo).ThenBy(c => c.Id),
        CaseOrder.CaseNoDesc => q.OrderByDescending(c => c.CaseNo).ThenByDescending(c => c.Id),
        CaseOrder.State => q.OrderBy(c => c.State).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        CaseOrder.StateDesc => q.OrderByDescending(c => c.State).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        CaseOrder.Deadline => q.OrderBy(c => c.Deadline == null).ThenBy(c => c.Deadline).ThenBy(c => c.Id),
        CaseOrder.DeadlineDesc => q.OrderBy(c => c.Deadline == null).ThenByDescending(c => c.Deadline).ThenByDescending(c => c.Id),
        CaseOrder.Category => q.OrderBy(c => c.CategoryCode).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        CaseOrder.CategoryDesc => q.OrderByDescending(c => c.CategoryCode).ThenByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
        _ => q.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id),
    };

    /// <summary>
    /// One page (or window) of the cases the viewer may see, in the filter's order, and how many match: exact up to
    /// <paramref name="countCap"/>, else <paramref name="countCap"/> with Capped set ("1000+"): an exact
    /// count of a city box reads every case in it (470 ms at 1,000,000 cases) for a number the page only shows.
    /// </summary>
    public async Task<(IReadOnlyList<CaseRow> Items, long Total, bool Capped)> ListAsync(CaseFilter f, Scope scope, DateTimeOffset now, int countCap)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var cases = Filtered(db, f, scope, now);
        var window = Ordered(cases, f.Order).Skip(f.Offset ?? (f.Page - 1) * f.PageSize).Take(f.PageSize);
        var items = await Ordered(Rows(db, window), f.Order).ToListAsync();
        var counted = await cases.Take(countCap + 1).LongCountAsync();
        return (items, Math.Min(counted, countCap), counted > countCap);
    }

    /// <summary>Cases per state with the filter's other conditions (its states are ignored): the command center's live counts.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStateAsync(CaseFilter f, Scope scope, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Filtered(db, f with { States = null }, scope, now).GroupBy(c => c.State)
            .Select(g => new { State = g.Key, Count = g.LongCount() }).ToDictionaryAsync(x => x.State, x => x.Count);
    }

    public const string InsertHistorySql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
        values (@CaseId, @At, @ActorId, @Action, @FromState, @ToState, @Reason, @Evidence::jsonb, @Details::jsonb)
        """;

    // The event row is built from the case row as committed, so what clients see is what was stored.
    // NOTIFY inside the transaction is delivered only at commit, and never for a rollback.
    public const string InsertCaseEventSql = """
        with e as (
            insert into case_events (at, kind, case_id, cell_code, payload)
            select @At, @Kind, c.id, c.cell_code,
        """ + CaseEventPayloadSql + """

            from cases c where c.id = @CaseId
            returning seq
        )
        select pg_notify('grid_events', seq::text) from e
        """;

    /// <summary>The payload of every case event, from the case row <c>c</c> and the step's @Action;
    /// other writers of case events (escalation) extend it with <c>||</c>.</summary>
    public const string CaseEventPayloadSql = """
                jsonb_build_object(
                'caseId', c.id, 'caseNo', c.case_no, 'action', @Action, 'state', c.state, 'cellCode', c.cell_code,
                'categoryCode', c.category_code, 'priority', c.priority, 'source', c.source,
                'lat', ST_Y(c.location), 'lon', ST_X(c.location), 'assigneeId', c.assignee_id,
                'assignedUnitId', c.assigned_unit_id, 'deadline', c.deadline, 'version', c.version)
        """;

    /// <summary>Writes the case event of a change through EF, in the context's transaction.</summary>
    public static Task InsertCaseEventAsync(GridDbContext db, DateTimeOffset at, string kind, string action, long caseId) =>
        db.Database.ExecuteSqlRawAsync(InsertCaseEventSql, new NpgsqlParameter("At", at), new NpgsqlParameter("Kind", kind),
            new NpgsqlParameter("Action", action), new NpgsqlParameter("CaseId", caseId));

    /// <param name="Candidates">The likely duplicates flagged for the new case, nearest first (none for a replay).</param>
    /// <param name="Filed">The new case as read back by its own statement: its row, its first history row and whether its
    /// reporter serves its cell. Null for a replayed request (the case is an earlier one).</param>
    public sealed record ReportOutcome(long CaseId, bool Replayed, bool KeyReusedForOtherRequest, IReadOnlyList<long> Candidates,
        FiledCase? Filed = null);

    /// <summary>A report's case as its insert returned it, before any channel rows or flags were added.</summary>
    public sealed record FiledCase(CaseRow Row, HistoryRow FirstHistory, bool ReporterServesCell);

    /// <summary>Where a new report's likely duplicates are looked for: open, unmerged cases of its category within
    /// <paramref name="Meters"/> (on the spheroid) reported since <paramref name="Since"/>.</summary>
    public sealed record DuplicateSearch(double Meters, DateTimeOffset Since);

    // A report is one statement: the case (its number: the one reserved on arrival, else the report's
    // day in the city's time zone and the sequence, by the database's case_no(); coalesce evaluates nextval only
    // when there is no reserved number), its first history row, the reporter row, the idempotency key when one was sent,
    // the likely-duplicate flags and the case_reported event with its NOTIFY (delivered at commit). One
    // round trip instead of one per SaveChanges. All parts share one snapshot, so each reads the new case
    // from "c" (the INSERT's RETURNING: the row as stored, after its triggers), never from the table;
    // the duplicate search reads the table, where the new case is not yet visible, so it cannot flag
    // itself. The flags' own history, audit and event rows follow only when there are flags.
    private const string InsertReportSql = """
        with c as (
            insert into cases (case_no, location, address, category_code, source, priority, description, reporter_name, reporter_phone,
                               reporter_email, state, cell_code, reported_by, created_at, updated_at, version)
            values (coalesce(@ReservedCaseNo, case_no(@Now, nextval('case_no_seq'))),
                    ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @Address, @Category, @Source, @Priority, @Description,
                    @ReporterName, @ReporterPhone, @ReporterEmail, 'reported', @Cell, @ReportedBy, @Now, @Now, 1)
            returning *
        ), h as (
            insert into case_history (case_id, at, actor_id, action, to_state, evidence, details)
            select c.id, @Now, @ReportedBy, 'report', 'reported', '[]'::jsonb, @Details::jsonb from c
            returning id, at, actor_id, action, from_state, to_state, reason, evidence, details, public_note
        ), k as (
            insert into idempotency_keys (person_id, key, request_hash, case_id, created_at)
            select @ReportedBy, @Key, @RequestHash, c.id, @Now from c where @Key::text is not null
        ), r as (
            insert into case_reporters (case_id, from_case_id, source, name, phone, email, person_id, added_at)
            select c.id, c.id, @Source, @ReporterName, @ReporterPhone, @ReporterEmail, @ReportedBy, @Now from c
        ), d as (
            insert into duplicate_flags (case_id, candidate_id, distance_m, flagged_at)
            select n.id, o.id, ST_Distance(o.location::geography, n.location::geography), @Now
            from c n
            join cases o on o.category_code = n.category_code
            where o.state not in ('closed','cancelled') and o.merged_into is null
              and o.created_at >= @Since
              and o.location && ST_Expand(n.location, @DegLon, @DegLat)
              and ST_DWithin(o.location::geography, n.location::geography, @Meters)
            order by ST_Distance(o.location::geography, n.location::geography), o.id
            limit 5
            returning candidate_id, distance_m
        ), e as (
            insert into case_events (at, kind, case_id, cell_code, payload)
            select @Now, 'case_reported', c.id, c.cell_code,
        """ + CaseEventPayloadSql + """

            from c
            returning seq
        )
        select c.id as "Id", array_to_string(array(select d.candidate_id from d order by d.distance_m, d.candidate_id), ',') as "Candidates",
               c.case_no as "CaseNo", ST_Y(c.location) as "Lat", ST_X(c.location) as "Lon", c.address as "Address",
               c.category_code as "CategoryCode", k.name_zh as "CategoryNameZh", k.name_en as "CategoryNameEn",
               k.self_handle_allowed as "SelfHandleAllowed", c.source as "Source", c.priority as "Priority", c.description as "Description",
               c.reporter_name as "ReporterName", c.reporter_phone as "ReporterPhone", c.state as "State", c.cell_code as "CellCode",
               g.name as "CellName", c.reported_by as "ReportedBy", c.assigned_unit_id as "AssignedUnitId", u.name_zh as "AssignedUnitName",
               c.assignee_id as "AssigneeId", a.display_name as "AssigneeName", c.deadline as "Deadline", c.held_remaining_s as "HeldRemainingS",
               c.extension_count as "ExtensionCount", c.rework_count as "ReworkCount", c.created_at as "CreatedAt",
               c.registered_at as "RegisteredAt", c.dispatched_at as "DispatchedAt", c.accepted_at as "AcceptedAt",
               c.resolved_at as "ResolvedAt", c.closed_at as "ClosedAt", c.updated_at as "UpdatedAt", c.version as "Version",
               exists (select 1 from cell_staff s where s.cell_code = c.cell_code and s.person_id = c.reported_by) as "ReporterServesCell",
               h.id as "HistoryId", h.at as "HistoryAt", h.actor_id as "HistoryActorId", p.display_name as "HistoryActorName",
               h.action as "HistoryAction", h.from_state as "HistoryFromState", h.to_state as "HistoryToState", h.reason as "HistoryReason",
               h.evidence::text as "HistoryEvidence", h.details::text as "HistoryDetails", h.public_note as "HistoryPublicNote"
        from c
        join categories k on k.code = c.category_code
        join grid_cells g on g.code = c.cell_code
        left join units u on u.id = c.assigned_unit_id
        left join people a on a.id = c.assignee_id
        cross join h
        left join people p on p.id = h.actor_id,
        lateral (select pg_notify('grid_events', e.seq::text) from e) n
        """;

    // The new case as GET /api/cases/{id} reads it (Rows: the same columns and joins), its first history row
    // (HistoryAsync's columns), whether its reporter serves its cell (FindForAsync), the flags and the id.
    private sealed class InsertedReport : CaseRow
    {
        public string Candidates { get; init; } = "";
        public bool ReporterServesCell { get; init; }
        public long HistoryId { get; init; }
        public DateTimeOffset HistoryAt { get; init; }
        public Guid? HistoryActorId { get; init; }
        public string? HistoryActorName { get; init; }
        public string HistoryAction { get; init; } = "";
        public string? HistoryFromState { get; init; }
        public string HistoryToState { get; init; } = "";
        public string? HistoryReason { get; init; }
        public string HistoryEvidence { get; init; } = "[]";
        public string HistoryDetails { get; init; } = "{}";
        public string? HistoryPublicNote { get; init; }
    }

    /// <summary>
    /// Stores a new report with its first history row, reporter row, event and likely-duplicate flags
    /// (one statement, see <see cref="InsertReportSql"/>). With an idempotency key, a retry of the same
    /// request returns the case made the first time; the advisory lock serializes concurrent retries.
    /// <paramref name="alsoInsert"/> writes a channel's own rows (ticket ids, device alarms) and what
    /// follows from the flags in the same transaction, through the same context.
    /// </summary>
    public async Task<ReportOutcome> InsertReportAsync(NewCase report, string? idempotencyKey, string requestHash, DuplicateSearch duplicates,
        Func<GridDbContext, long, IReadOnlyList<long>, Task>? alsoInsert = null)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (idempotencyKey is not null)
        {
            // Two statements on purpose: the lookup's snapshot must be taken after the lock is held, so
            // that it sees the key of a concurrent retry that committed while this one waited.
            await db.Database.ExecuteSqlRawAsync("select pg_advisory_xact_lock(hashtextextended(@Lock, 0))",
                new NpgsqlParameter("Lock", $"report:{report.ReportedBy}:{idempotencyKey}"));
            var prior = await db.Set<IdempotencyKeyRecord>()
                .Where(k => k.PersonId == report.ReportedBy && k.Key == idempotencyKey)
                .Select(k => new { k.CaseId, k.RequestHash })
                .FirstOrDefaultAsync();
            if (prior is not null)
            {
                await tx.RollbackAsync();
                return new ReportOutcome(prior.CaseId, true, prior.RequestHash != requestHash, []);
            }
        }
        var box = Grid.SearchBox.Around(report.Lat, duplicates.Meters);
        // This statement's plan does not depend on its values (the duplicate search's box is the new case's own, not a
        // parameter), so it is planned once per connection rather than on every report as the server's connections
        // otherwise do (GridApp: plan_cache_mode). The rest of this transaction runs on generic plans too: a channel's
        // own rows and the flags' follow-up (inserts and reads by key) and the count triggers at commit, none of them
        // a query whose plan depends on its values.
        // Planning it was about half of PostgreSQL's time per report (pgbench: 6.6 ms simple, 1.2 ms prepared).
        await db.Database.ExecuteSqlRawAsync("set local plan_cache_mode = force_generic_plan");
        var inserted = (await db.Database.SqlQueryRaw<InsertedReport>(InsertReportSql,
            new NpgsqlParameter("Now", NpgsqlDbType.TimestampTz) { Value = report.Now },
            new NpgsqlParameter("Lat", NpgsqlDbType.Double) { Value = report.Lat }, new NpgsqlParameter("Lon", NpgsqlDbType.Double) { Value = report.Lon },
            Text("Address", report.Address), Text("Category", report.CategoryCode), Text("Source", report.Source), Text("Priority", report.Priority),
            Text("Description", report.Description), Text("ReporterName", report.ReporterName), Text("ReporterPhone", report.ReporterPhone),
            Text("ReporterEmail", report.ReporterEmail), Text("Cell", report.CellCode),
            new NpgsqlParameter("ReportedBy", NpgsqlDbType.Uuid) { Value = (object?)report.ReportedBy ?? DBNull.Value },
            Text("Details", JsonSerializer.Serialize(new { source = report.Source, cell = report.CellCode })),
            Text("Key", idempotencyKey), Text("RequestHash", requestHash), Text("Action", "report"), Text("ReservedCaseNo", report.ReservedCaseNo),
            new NpgsqlParameter("Since", NpgsqlDbType.TimestampTz) { Value = duplicates.Since },
            new NpgsqlParameter("Meters", NpgsqlDbType.Double) { Value = duplicates.Meters },
            new NpgsqlParameter("DegLat", NpgsqlDbType.Double) { Value = box.DegLat }, new NpgsqlParameter("DegLon", NpgsqlDbType.Double) { Value = box.DegLon })
            .ToListAsync()).Single();
        IReadOnlyList<long> candidates = inserted.Candidates.Length == 0 ? []
            : inserted.Candidates.Split(',').Select(x => long.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        if (alsoInsert is not null)
        {
            await alsoInsert(db, inserted.Id, candidates);
        }
        await tx.CommitAsync();
        var first = new HistoryRow
        {
            Id = inserted.HistoryId, At = inserted.HistoryAt, ActorId = inserted.HistoryActorId, ActorName = inserted.HistoryActorName,
            Action = inserted.HistoryAction, FromState = inserted.HistoryFromState, ToState = inserted.HistoryToState, Reason = inserted.HistoryReason,
            Evidence = inserted.HistoryEvidence, Details = inserted.HistoryDetails, PublicNote = inserted.HistoryPublicNote,
        };
        return new ReportOutcome(inserted.Id, false, false, candidates, new FiledCase(inserted, first, inserted.ReporterServesCell));
    }

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    /// <summary>An Idempotency-Key sent with a step: stored with the step, in its transaction.</summary>
    public sealed record RequestKey(Guid PersonId, string Key, string Action, string RequestHash);

    private const string InsertRequestKeySql = """
        insert into request_keys (person_id, key, case_id, action, request_hash, created_at)
        values (@PersonId, @Key, @CaseId, @Action, @RequestHash, @Now)
        on conflict (person_id, key) do nothing
        """;

    /// <summary>The step or field request stored under this person's key, if any.</summary>
    public async Task<(long CaseId, string Action, string RequestHash)?> FindRequestKeyAsync(Guid personId, string key)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var row = await db.Set<RequestKeyRecord>().Where(k => k.PersonId == personId && k.Key == key)
            .Select(k => new { k.CaseId, k.Action, k.RequestHash }).FirstOrDefaultAsync();
        return row is null ? null : (row.CaseId, row.Action, row.RequestHash);
    }

    /// <summary>Saves a step taken on a case loaded at <c>c.Version</c>; null when someone else changed it first,
    /// or when <paramref name="key"/> was stored by a concurrent request first.</summary>
    public async Task<int?> SaveStepAsync(Case c, Step step, RequestKey? key = null, string? publicNote = null)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (key is not null && await db.Database.ExecuteSqlRawAsync(InsertRequestKeySql, new NpgsqlParameter("PersonId", key.PersonId),
                new NpgsqlParameter("Key", key.Key), new NpgsqlParameter("CaseId", c.Id), new NpgsqlParameter("Action", key.Action),
                new NpgsqlParameter("RequestHash", key.RequestHash), new NpgsqlParameter("Now", step.At)) == 0)
        {
            await tx.RollbackAsync();
            return null;
        }
        // The row as the step found it: version and state are concurrency tokens, so the UPDATE is
        // "where id = .. and version = .. and state = ..". A concurrent step changed one of them and
        // this one updates no row: EF throws, nothing of the step is saved, the caller answers 409.
        var row = new CaseRecord { Id = c.Id, Version = c.Version, State = step.From.ToCode() };
        db.Attach(row);
        row.State = c.State.ToCode();
        row.AssignedUnitId = c.UnitId;
        row.AssigneeId = c.AssigneeId;
        row.Deadline = c.Deadline;
        row.HeldRemainingS = c.HeldRemaining is { } h ? (long?)Math.Round(h.TotalSeconds) : null;
        row.ExtensionCount = c.ExtensionCount;
        row.ReworkCount = c.ReworkCount;
        row.RegisteredAt = c.RegisteredAt;
        row.DispatchedAt = c.DispatchedAt;
        row.AcceptedAt = c.AcceptedAt;
        row.ResolvedAt = c.ResolvedAt;
        row.ClosedAt = c.ClosedAt;
        row.UpdatedAt = step.At;
        row.Version = c.Version + 1;
        var entry = db.Entry(row);
        // Every column the step owns is written, also when it goes back to null (a return clears the assignee).
        foreach (var p in StepColumns) entry.Property(p).IsModified = true;
        try
        {
            await db.SaveChangesAsync();
        }
        catch (DbUpdateConcurrencyException)
        {
            await tx.RollbackAsync();
            return null;
        }
        // The escalation ladder follows the clock in the same transaction (next_rung_at), on the
        // context's connection.
        await rungs.PlaceNextRungAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction(), c.Id);
        db.Add(new CaseHistoryRecord
        {
            CaseId = c.Id, At = step.At, ActorId = step.ActorId, Action = step.Action.ToCode(), FromState = step.From.ToCode(),
            ToState = step.To.ToCode(), Reason = step.Reason, Evidence = JsonSerializer.Serialize(step.Evidence),
            Details = JsonSerializer.Serialize(step.Details), PublicNote = publicNote,
        });
        await db.SaveChangesAsync();
        await InsertCaseEventAsync(db, step.At, "case_changed", step.Action.ToCode(), c.Id);
        await tx.CommitAsync();
        return row.Version;
    }

    private static readonly string[] StepColumns =
    [
        nameof(CaseRecord.State), nameof(CaseRecord.AssignedUnitId), nameof(CaseRecord.AssigneeId), nameof(CaseRecord.Deadline),
        nameof(CaseRecord.HeldRemainingS), nameof(CaseRecord.ExtensionCount), nameof(CaseRecord.ReworkCount),
        nameof(CaseRecord.RegisteredAt), nameof(CaseRecord.DispatchedAt), nameof(CaseRecord.AcceptedAt), nameof(CaseRecord.ResolvedAt),
        nameof(CaseRecord.ClosedAt), nameof(CaseRecord.UpdatedAt), nameof(CaseRecord.Version),
    ];

    private static readonly string[] Finished = ["closed", "cancelled"];

    private sealed record NearbyId(long Id, double Distance);

    // Open cases of one category near a point. The distance is on the spheroid (a geography cast EF
    // does not translate for geometry columns), so this part stays SQL; the && box keeps the GiST index in play.
    private const string NearbyOpenSql = """
        select c.id as "Id", ST_Distance(c.location::geography, @Point::geography) as "Distance"
        from cases c
        where c.category_code = @Category
          and c.state not in ('closed','cancelled')
          and c.location && ST_Expand(@Point, @DegLon, @DegLat)
          and ST_DWithin(c.location::geography, @Point::geography, @Meters)
          and c.created_at >= @Since
          and
        """ + ScopeSql + """
        order by "Distance", c.id
        limit 20
        """;

    /// <summary>Open cases of one category near a point, nearest first: the duplicate check before a report is filed.</summary>
    public async Task<IReadOnlyList<CaseRow>> NearbyOpenAsync(double lat, double lon, string category, double meters, DateTimeOffset since, Scope scope)
    {
        var box = SearchBox.Around(lat, meters);
        await using var db = await contexts.CreateDbContextAsync();
        var near = await db.Database.SqlQueryRaw<NearbyId>(NearbyOpenSql,
            new NpgsqlParameter("Point", Geo.Point(lon, lat)), new NpgsqlParameter("Category", category),
            new NpgsqlParameter("DegLon", box.DegLon), new NpgsqlParameter("DegLat", box.DegLat), new NpgsqlParameter("Meters", meters),
            new NpgsqlParameter("Since", since), new NpgsqlParameter("All", scope.All),
            new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)scope.Street ?? DBNull.Value },
            new NpgsqlParameter("Unit", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)scope.Unit ?? DBNull.Value },
            new NpgsqlParameter("Me", scope.Me)).ToListAsync();
        var ids = near.Select(n => n.Id).ToList();
        var rows = await Rows(db, db.Set<CaseRecord>().Where(c => ids.Contains(c.Id))).ToListAsync();
        return rows.OrderBy(r => ids.IndexOf(r.Id)).ToList();
    }

    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(string cellCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var open = db.Set<CaseRecord>().Where(c => !Finished.Contains(c.State));
        return await (from s in db.Set<CellStaffRecord>()
                      join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                      // A deactivated holder keeps his post row (history) but takes no new cases; the posts page shows the post as vacant.
                      where s.CellCode == cellCode && p.DeactivatedAt == null
                      select new Candidate(s.PersonId, s.Role, p.OnDuty, open.Count(c => c.AssigneeId == s.PersonId))).ToListAsync();
    }
}
