using System.Text.Json;
using Dapper;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Npgsql;

namespace Grid.Server.Intake;

public sealed class DuplicateRow
{
    public long Id { get; init; }
    public string Status { get; init; } = "";
    public double DistanceM { get; init; }
    public DateTimeOffset FlaggedAt { get; init; }
    public DateTimeOffset? DecidedAt { get; init; }
    public string? Reason { get; init; }
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string CaseSource { get; init; } = "";
    public string CaseState { get; init; } = "";
    public string CaseDescription { get; init; } = "";
    public string CaseAddress { get; init; } = "";
    public DateTimeOffset CaseCreatedAt { get; init; }
    public long CandidateId { get; init; }
    public string CandidateNo { get; init; } = "";
    public string CandidateSource { get; init; } = "";
    public string CandidateState { get; init; } = "";
    public string CandidateDescription { get; init; } = "";
    public string CandidateAddress { get; init; } = "";
    public DateTimeOffset CandidateCreatedAt { get; init; }
    public string CategoryCode { get; init; } = "";
    public string CategoryNameZh { get; init; } = "";
    public string CellCode { get; init; } = "";
}

public sealed record MergeOutcome(bool Done, string? Refusal, bool Conflict);

/// <summary>Duplicate flags and the two decisions on them: merge, or keep apart.</summary>
public sealed class DuplicateRepository(NpgsqlDataSource db)
{
    private const string SelectSql = """
        select f.id, f.status, f.distance_m, f.flagged_at, f.decided_at, f.reason,
               n.id as case_id, n.case_no, n.source as case_source, n.state as case_state, n.description as case_description,
               n.address as case_address, n.created_at as case_created_at,
               o.id as candidate_id, o.case_no as candidate_no, o.source as candidate_source, o.state as candidate_state,
               o.description as candidate_description, o.address as candidate_address, o.created_at as candidate_created_at,
               n.category_code, k.name_zh as category_name_zh, n.cell_code
        from duplicate_flags f
        join cases n on n.id = f.case_id
        join cases o on o.id = f.candidate_id
        join categories k on k.code = n.category_code
        """;

    private const string ListSql = SelectSql + """
         where (@Status::text is null or f.status = @Status)
           and (@Street::text is null or n.cell_code like @Street || '%')
           and (@CaseId::bigint is null or f.case_id = @CaseId or f.candidate_id = @CaseId)
         order by f.flagged_at desc, f.id desc
         limit 200
        """;

    public async Task<IReadOnlyList<DuplicateRow>> ListAsync(string? status, string? street, long? caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<DuplicateRow>(ListSql, new { Status = status, Street = street, CaseId = caseId })).ToList();
    }

    public async Task<DuplicateRow?> FindAsync(long id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<DuplicateRow>(SelectSql + " where f.id = @Id", new { Id = id });
    }

    private const string DecideFlagSql = """
        update duplicate_flags set status = @Status, decided_at = @Now, decided_by = @Actor, reason = @Reason
        where id = @Id and status = 'open'
        returning case_id, candidate_id
        """;

    private const string LockCasesSql = """
        select id, state, case_no, merged_into from cases where id = any(@Ids) order by id for update
        """;

    // The duplicate leaves the lifecycle as cancelled-by-merge; the guard on state makes a
    // concurrent step (a dispatch at the same moment) win cleanly.
    private const string MergeAwaySql = """
        update cases set state = 'cancelled', merged_into = @Keep, updated_at = @Now, version = version + 1
        where id = @Dup and state = @From and merged_into is null
        returning id
        """;

    private const string TouchSql = "update cases set updated_at = @Now, version = version + 1 where id = @Id";

    private const string MoveReportersSql = """
        insert into case_reporters (case_id, from_case_id, source, name, phone, email, person_id, added_at)
        select @Keep, r.from_case_id, r.source, r.name, r.phone, r.email, r.person_id, @Now
        from case_reporters r where r.case_id = @Dup
        on conflict (case_id, from_case_id) do nothing;
        update cases set merged_into = @Keep where merged_into = @Dup;
        update duplicate_flags set status = 'merged', decided_at = @Now, decided_by = @Actor,
               reason = 'Settled by merging case ' || @Dup || ' into ' || @Keep
        where status = 'open' and (case_id = @Dup or candidate_id = @Dup);
        """;

    /// <summary>Merges the flagged case into its candidate: one case keeps both histories and reporters.</summary>
    public async Task<MergeOutcome> MergeAsync(long flagId, Guid actor, string? reason, Func<string, string?> mayCancel, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var pair = await conn.QueryFirstOrNullAsync<(long Dup, long Keep)>(DecideFlagSql,
            new { Id = flagId, Status = "merged", Now = now, Actor = actor, Reason = reason }, tx);
        if (pair is null)
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Duplicate flag {flagId} does not exist or was already decided.", true);
        }
        var (dup, keep) = pair.Value;
        var rows = (await conn.QueryAsync<(long Id, string State, string CaseNo, long? MergedInto)>(LockCasesSql, new { Ids = new[] { dup, keep } }, tx))
            .ToDictionary(r => r.Id);
        var d = rows[dup];
        var k = rows[keep];
        string? refusal = null;
        if (k.State is "closed" or "cancelled" || k.MergedInto is not null)
            refusal = $"Case {k.CaseNo} is {k.State}{(k.MergedInto is null ? "" : " (merged away)")}; nothing can be merged into it. Keep the two apart instead.";
        else if (d.MergedInto is not null) refusal = $"Case {d.CaseNo} was already merged into another case.";
        else if (mayCancel(d.State) is { } why) refusal = $"Case {d.CaseNo} cannot be merged away: {why}";
        if (refusal is not null)
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, refusal, true);
        }
        var merged = await conn.QueryFirstOrDefaultAsync<long?>(MergeAwaySql, new { Dup = dup, Keep = keep, From = d.State, Now = now }, tx);
        if (merged is null)
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Case {d.CaseNo} changed at the same moment; reload and try again.", true);
        }
        await conn.ExecuteAsync(TouchSql, new { Id = keep, Now = now }, tx);
        var note = $"Merged into case {k.CaseNo}: the same problem was already reported and is handled there." + (reason is null ? "" : $" {reason}");
        await conn.ExecuteAsync(CaseRepository.InsertHistorySql, new
        {
            CaseId = dup, At = now, ActorId = actor, Action = "merge", FromState = d.State, ToState = "cancelled", Reason = note,
            Evidence = "[]", Details = JsonSerializer.Serialize(new { mergedInto = keep, mergedIntoNo = k.CaseNo, flag = flagId }),
        }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertHistorySql, new
        {
            CaseId = keep, At = now, ActorId = actor, Action = "merge_in", FromState = k.State, ToState = k.State,
            Reason = $"Case {d.CaseNo} merged in as a duplicate." + (reason is null ? "" : $" {reason}"),
            Evidence = "[]", Details = JsonSerializer.Serialize(new { mergedFrom = dup, mergedFromNo = d.CaseNo, flag = flagId }),
        }, tx);
        await conn.ExecuteAsync(MoveReportersSql, new { Keep = keep, Dup = dup, Now = now, Actor = actor }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = "merge", CaseId = dup }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = "merge_in", CaseId = keep }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = actor, Action = "duplicate_merged", Subject = $"case:{dup}",
            Details = JsonSerializer.Serialize(new { flag = flagId, mergedInto = keep, reason }),
        }, tx);
        await tx.CommitAsync();
        return new MergeOutcome(true, null, false);
    }

    /// <summary>The operator decided the two are different problems.</summary>
    public async Task<MergeOutcome> KeepApartAsync(long flagId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var pair = await conn.QueryFirstOrNullAsync<(long Dup, long Keep)>(DecideFlagSql,
            new { Id = flagId, Status = "kept_apart", Now = now, Actor = actor, Reason = reason }, tx);
        if (pair is null)
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Duplicate flag {flagId} does not exist or was already decided.", true);
        }
        var (dup, keep) = pair.Value;
        var state = await conn.ExecuteScalarAsync<string>("update cases set updated_at = @Now, version = version + 1 where id = @Id returning state",
            new { Id = dup, Now = now }, tx);
        var keepNo = await conn.ExecuteScalarAsync<string>("select case_no from cases where id = @Id", new { Id = keep }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertHistorySql, new
        {
            CaseId = dup, At = now, ActorId = actor, Action = "duplicate_kept_apart", FromState = state, ToState = state,
            Reason = $"Not a duplicate of case {keepNo}: {reason}", Evidence = "[]",
            Details = JsonSerializer.Serialize(new { candidate = keep, flag = flagId }),
        }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = "duplicate_kept_apart", CaseId = dup }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = actor, Action = "duplicate_kept_apart", Subject = $"case:{dup}",
            Details = JsonSerializer.Serialize(new { flag = flagId, candidate = keep, reason }),
        }, tx);
        await tx.CommitAsync();
        return new MergeOutcome(true, null, false);
    }

    public sealed record ReporterRow(long FromCaseId, string Source, string? Name, string? Phone, string? Email);

    public async Task<IReadOnlyList<ReporterRow>> ReportersAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<ReporterRow>(
            "select from_case_id, source, name, phone, email from case_reporters where case_id = @Id order by id", new { Id = caseId })).ToList();
    }

    /// <summary>Records that someone saw a reporter's details unmasked, and why.</summary>
    public async Task AuditRevealAsync(long caseId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = actor, Action = "reporter_revealed", Subject = $"case:{caseId}",
            Details = JsonSerializer.Serialize(new { reason }),
        });
    }
}
