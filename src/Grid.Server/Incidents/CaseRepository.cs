using System.Text.Json;
using Dapper;
using Grid.Domain.Incidents;
using Grid.Server.Data;
using Npgsql;

namespace Grid.Server.Incidents;

/// <summary>A case row as the API shows it.</summary>
public sealed class CaseRow
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
    string? ReporterEmail = null);

/// <summary>Who may see which cases, as SQL parameters; see <see cref="CaseRepository.ScopeSql"/>.</summary>
public sealed record Scope(Guid Me, bool All, string? Street, string? Unit);

/// <param name="Offset">Rows to skip instead of whole pages (the desk's virtualised grid asks for any window).</param>
public sealed record CaseFilter(string[]? States, string? Category, string? Cell, string? Street, Guid? Assignee, bool? Overdue,
    double[]? Bbox, string? Text, DateTimeOffset? From, DateTimeOffset? To, int Page, int PageSize, string? Source = null,
    CaseOrder Order = CaseOrder.Newest, int? Offset = null);

/// <summary>The orders a case list can be read in; each is a fixed ORDER BY (never built from input).</summary>
public enum CaseOrder { Newest, Oldest, CaseNo, CaseNoDesc, State, StateDesc, Deadline, DeadlineDesc, Category, CategoryDesc }

public sealed record Candidate(Guid PersonId, string Role, bool OnDuty, int OpenCases);

public sealed class CaseRepository(NpgsqlDataSource db, Escalation.RungClaims rungs)
{
    private const string SelectColumns = """
        select c.id, c.case_no, ST_Y(c.location) as lat, ST_X(c.location) as lon, c.address, c.category_code,
               k.name_zh as category_name_zh, k.name_en as category_name_en, k.self_handle_allowed, c.source, c.priority,
               c.description, c.reporter_name, c.reporter_phone, c.state, c.cell_code, g.name as cell_name, c.reported_by,
               c.assigned_unit_id, u.name_zh as assigned_unit_name, c.assignee_id, a.display_name as assignee_name,
               c.deadline, c.held_remaining_s, c.extension_count, c.rework_count, c.created_at, c.registered_at,
               c.dispatched_at, c.accepted_at, c.resolved_at, c.closed_at, c.updated_at, c.version
        from cases c
        join categories k on k.code = c.category_code
        join grid_cells g on g.code = c.cell_code
        left join units u on u.id = c.assigned_unit_id
        left join people a on a.id = c.assignee_id
        """;

    /// <summary>The visibility rule, in SQL: whole area, own street, own unit's cases, cells one serves,
    /// and cases one reported or was assigned.</summary>
    public const string ScopeSql = """
        (@All
         or (@Street::text is not null and c.cell_code like @Street || '%')
         or (@Unit::text is not null and c.assigned_unit_id = @Unit)
         or c.reported_by = @Me or c.assignee_id = @Me
         or exists (select 1 from cell_staff s where s.cell_code = c.cell_code and s.person_id = @Me))
        """;

    private const string SelectByIdSql = SelectColumns + " where c.id = @Id";

    public async Task<CaseRow?> FindAsync(long id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<CaseRow>(SelectByIdSql, new { Id = id });
    }

    private const string SelectHistorySql = """
        select h.id, h.at, h.actor_id, p.display_name as actor_name, h.action, h.from_state, h.to_state, h.reason,
               h.evidence::text as evidence, h.details::text as details, h.public_note
        from case_history h left join people p on p.id = h.actor_id
        where h.case_id = @Id or h.case_id in (select m.id from cases m where m.merged_into = @Id)
        order by h.id
        """;

    public async Task<IReadOnlyList<HistoryRow>> HistoryAsync(long id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<HistoryRow>(SelectHistorySql, new { Id = id })).ToList();
    }

    private const string ListWhere = """
         where
        """ + ScopeSql + """
          and (@States::text[] is null or c.state = any(@States))
          and (@Category::text is null or c.category_code = @Category)
          and (@Source::text is null or c.source = @Source)
          and (@Cell::text is null or c.cell_code = @Cell)
          and (@FilterStreet::text is null or c.cell_code like @FilterStreet || '%')
          and (@Assignee::uuid is null or c.assignee_id = @Assignee)
          and (@Overdue::boolean is null or (@Overdue = (c.state in ('dispatched','in_progress') and c.deadline < @Now)))
          and (@HasBox = false or c.location && ST_MakeEnvelope(@MinLon, @MinLat, @MaxLon, @MaxLat, 4326))
          and (@Text::text is null or c.case_no = @Text or c.description ilike @Like escape '\' or c.address ilike @Like escape '\')
          and (@From::timestamptz is null or c.created_at >= @From)
          and (@To::timestamptz is null or c.created_at < @To)
        """;

    private const string ListSql = SelectColumns + ListWhere + " order by ";
    private const string PageSql = " limit @PageSize offset @Offset";

    private static string OrderSql(CaseOrder o) => o switch
    {
        CaseOrder.Oldest => "c.created_at, c.id",
        CaseOrder.CaseNo => "c.case_no, c.id",
        CaseOrder.CaseNoDesc => "c.case_no desc, c.id desc",
        CaseOrder.State => "c.state, c.created_at desc, c.id desc",
        CaseOrder.StateDesc => "c.state desc, c.created_at desc, c.id desc",
        CaseOrder.Deadline => "c.deadline nulls last, c.id",
        CaseOrder.DeadlineDesc => "c.deadline desc nulls last, c.id desc",
        CaseOrder.Category => "c.category_code, c.created_at desc, c.id desc",
        CaseOrder.CategoryDesc => "c.category_code desc, c.created_at desc, c.id desc",
        _ => "c.created_at desc, c.id desc",
    };

    private const string CountSql = "select count(*) from cases c" + ListWhere;

    private const string CountByStateSql = "select c.state, count(*) from cases c" + ListWhere + " group by c.state";

    /// <summary>Cases per state with the filter's other conditions (its states are ignored): the command center's live counts.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStateAsync(CaseFilter f, Scope scope, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string State, long Count)>(CountByStateSql, ListArgs(f with { States = null }, scope, now));
        return rows.ToDictionary(r => r.State, r => r.Count);
    }

    private static DynamicParameters ListArgs(CaseFilter f, Scope scope, DateTimeOffset now) => new(new
    {
        scope.Me, scope.All, scope.Street, scope.Unit,
        f.States, f.Category, f.Source, f.Cell, FilterStreet = f.Street, f.Assignee, f.Overdue, Now = now,
        HasBox = f.Bbox is not null, MinLon = f.Bbox?[0] ?? 0, MinLat = f.Bbox?[1] ?? 0, MaxLon = f.Bbox?[2] ?? 0, MaxLat = f.Bbox?[3] ?? 0,
        f.Text, Like = f.Text is null ? null : "%" + f.Text.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%",
        f.From, f.To, f.PageSize, Offset = f.Offset ?? (f.Page - 1) * f.PageSize,
    });

    public async Task<(IReadOnlyList<CaseRow> Items, long Total)> ListAsync(CaseFilter f, Scope scope, DateTimeOffset now)
    {
        var args = ListArgs(f, scope, now);
        await using var conn = await db.OpenConnectionAsync();
        var items = (await conn.QueryAsync<CaseRow>(ListSql + OrderSql(f.Order) + PageSql, args)).ToList();
        var total = await conn.ExecuteScalarAsync<long>(CountSql, args);
        return (items, total);
    }

    private const string SelectIdempotentSql = """
        select case_id, request_hash from idempotency_keys where person_id = @Person and key = @Key
        """;

    private const string InsertCaseSql = """
        insert into cases (case_no, location, address, category_code, source, priority, description, reporter_name, reporter_phone,
                           reporter_email, state, cell_code, reported_by, created_at, updated_at)
        values (to_char(@Now at time zone 'Asia/Shanghai', 'YYYYMMDD') || lpad(nextval('case_no_seq')::text, 6, '0'),
                ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @Address, @CategoryCode, @Source, @Priority, @Description,
                @ReporterName, @ReporterPhone, @ReporterEmail, 'reported', @CellCode, @ReportedBy, @Now, @Now)
        returning id
        """;

    public const string InsertHistorySql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
        values (@CaseId, @At, @ActorId, @Action, @FromState, @ToState, @Reason, @Evidence::jsonb, @Details::jsonb)
        """;

    /// <summary>A step's history row with the note the citizen is told.</summary>
    public const string InsertStepHistorySql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details, public_note)
        values (@CaseId, @At, @ActorId, @Action, @FromState, @ToState, @Reason, @Evidence::jsonb, @Details::jsonb, @PublicNote)
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

    private const string InsertIdempotencySql = """
        insert into idempotency_keys (person_id, key, request_hash, case_id) values (@Person, @Key, @Hash, @CaseId)
        """;

    public sealed record ReportOutcome(long CaseId, bool Replayed, bool KeyReusedForOtherRequest);

    /// <summary>
    /// Stores a new report and its first history row. With an idempotency key, a retry of the same
    /// request returns the case made the first time; the advisory lock serializes concurrent retries.
    /// <paramref name="alsoInsert"/> writes a channel's own rows (duplicate flags, ticket ids) in the same transaction.
    /// </summary>
    public async Task<ReportOutcome> InsertReportAsync(NewCase report, string? idempotencyKey, string requestHash,
        Func<NpgsqlConnection, NpgsqlTransaction, long, Task>? alsoInsert = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (idempotencyKey is not null)
        {
            await conn.ExecuteAsync("select pg_advisory_xact_lock(hashtextextended(@Lock, 0))",
                new { Lock = $"report:{report.ReportedBy}:{idempotencyKey}" }, tx);
            var prior = await conn.QueryFirstOrNullAsync<(long CaseId, string RequestHash)>(SelectIdempotentSql,
                new { Person = report.ReportedBy, Key = idempotencyKey }, tx);
            if (prior is { } p)
            {
                await tx.RollbackAsync();
                return new ReportOutcome(p.CaseId, true, p.RequestHash != requestHash);
            }
        }
        var id = await conn.ExecuteScalarAsync<long>(InsertCaseSql, report, tx);
        await conn.ExecuteAsync(InsertHistorySql, new
        {
            CaseId = id, At = report.Now, ActorId = report.ReportedBy, Action = "report", FromState = (string?)null, ToState = "reported",
            Reason = (string?)null, Evidence = "[]", Details = JsonSerializer.Serialize(new { source = report.Source, cell = report.CellCode }),
        }, tx);
        await conn.ExecuteAsync(InsertCaseEventSql, new { At = report.Now, Kind = "case_reported", Action = "report", CaseId = id }, tx);
        if (alsoInsert is not null) await alsoInsert(conn, tx, id);
        if (idempotencyKey is not null)
        {
            await conn.ExecuteAsync(InsertIdempotencySql, new { Person = report.ReportedBy, Key = idempotencyKey, Hash = requestHash, CaseId = id }, tx);
        }
        await tx.CommitAsync();
        return new ReportOutcome(id, false, false);
    }

    // The version and state in the where clause make a concurrent step lose cleanly: it updates no row.
    private const string UpdateCaseSql = """
        update cases set
            state = @State, assigned_unit_id = @UnitId, assignee_id = @AssigneeId, deadline = @Deadline,
            held_remaining_s = @HeldRemainingS, extension_count = @ExtensionCount, rework_count = @ReworkCount,
            registered_at = @RegisteredAt, dispatched_at = @DispatchedAt, accepted_at = @AcceptedAt,
            resolved_at = @ResolvedAt, closed_at = @ClosedAt, updated_at = @Now, version = version + 1
        where id = @Id and version = @Version and state = @FromState
        returning version
        """;

    /// <summary>An Idempotency-Key sent with a step: stored with the step, in its transaction.</summary>
    public sealed record RequestKey(Guid PersonId, string Key, string Action, string RequestHash);

    private const string InsertRequestKeySql = """
        insert into request_keys (person_id, key, case_id, action, request_hash, created_at)
        values (@PersonId, @Key, @CaseId, @Action, @RequestHash, @Now)
        on conflict (person_id, key) do nothing
        """;

    private const string SelectRequestKeySql = """
        select case_id, action, request_hash from request_keys where person_id = @PersonId and key = @Key
        """;

    /// <summary>The step or field request stored under this person's key, if any.</summary>
    public async Task<(long CaseId, string Action, string RequestHash)?> FindRequestKeyAsync(Guid personId, string key)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstOrNullAsync<(long, string, string)>(SelectRequestKeySql, new { PersonId = personId, Key = key });
    }

    /// <summary>Saves a step taken on a case loaded at <c>c.Version</c>; null when someone else changed it first,
    /// or when <paramref name="key"/> was stored by a concurrent request first.</summary>
    public async Task<int?> SaveStepAsync(Case c, Step step, RequestKey? key = null, string? publicNote = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (key is not null && await conn.ExecuteAsync(InsertRequestKeySql, new { key.PersonId, key.Key, CaseId = c.Id, key.Action, key.RequestHash, Now = step.At }, tx) == 0)
        {
            await tx.RollbackAsync();
            return null;
        }
        var version = await conn.QuerySingleOrDefaultAsync<int?>(UpdateCaseSql, new
        {
            c.Id, c.Version, FromState = step.From.ToCode(), State = c.State.ToCode(), c.UnitId, c.AssigneeId, c.Deadline,
            HeldRemainingS = c.HeldRemaining is { } h ? (long?)Math.Round(h.TotalSeconds) : null,
            c.ExtensionCount, c.ReworkCount, c.RegisteredAt, c.DispatchedAt, c.AcceptedAt, c.ResolvedAt, c.ClosedAt, Now = step.At,
        }, tx);
        if (version is null)
        {
            await tx.RollbackAsync();
            return null;
        }
        // The escalation ladder follows the clock in the same transaction (next_rung_at).
        await rungs.PlaceNextRungAsync(conn, tx, c.Id);
        await conn.ExecuteAsync(InsertStepHistorySql, new
        {
            CaseId = c.Id, step.At, step.ActorId, Action = step.Action.ToCode(), FromState = step.From.ToCode(), ToState = step.To.ToCode(),
            step.Reason, Evidence = JsonSerializer.Serialize(step.Evidence), Details = JsonSerializer.Serialize(step.Details),
            PublicNote = publicNote,
        }, tx);
        await conn.ExecuteAsync(InsertCaseEventSql, new { step.At, Kind = "case_changed", Action = step.Action.ToCode(), CaseId = c.Id }, tx);
        await tx.CommitAsync();
        return version;
    }

    // Open cases of one category near a point: the duplicate check before a report is filed.
    private const string SelectNearbyOpenSql = SelectColumns + """
         where c.category_code = @Category
           and c.state not in ('closed','cancelled')
           and c.location && ST_Expand(ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @DegLon, @DegLat)
           and ST_DWithin(c.location::geography, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326)::geography, @Meters)
           and c.created_at >= @Since
           and
        """ + ScopeSql + """
         order by ST_Distance(c.location::geography, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326)::geography), c.id
         limit 20
        """;

    public async Task<IReadOnlyList<CaseRow>> NearbyOpenAsync(double lat, double lon, string category, double meters, DateTimeOffset since, Scope scope)
    {
        var box = Grid.SearchBox.Around(lat, meters);
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<CaseRow>(SelectNearbyOpenSql, new
        {
            Lat = lat, Lon = lon, Category = category, Meters = meters, Since = since,
            box.DegLat, box.DegLon,
            scope.Me, scope.All, scope.Street, scope.Unit,
        })).ToList();
    }

    private const string SelectCandidatesSql = """
        select s.person_id, s.role, p.on_duty,
               (select count(*)::int from cases c where c.assignee_id = s.person_id and c.state not in ('closed','cancelled')) as open_cases
        from cell_staff s join people p on p.id = s.person_id
        where s.cell_code = @CellCode
        """;

    public async Task<IReadOnlyList<Candidate>> CandidatesAsync(string cellCode)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<Candidate>(SelectCandidatesSql, new { CellCode = cellCode })).ToList();
    }
}
