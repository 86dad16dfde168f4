using System.Text.Json;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Grid.Web;
using Microsoft.EntityFrameworkCore;
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
public sealed class DuplicateRepository(IDbContextFactory<GridDbContext> contexts)
{
    private static IQueryable<DuplicateRow> Rows(GridDbContext db, IQueryable<DuplicateFlagRecord> flags) =>
        from f in flags
        join n in db.Set<CaseRecord>() on f.CaseId equals n.Id
        join o in db.Set<CaseRecord>() on f.CandidateId equals o.Id
        join k in db.Set<CategoryRecord>() on n.CategoryCode equals k.Code
        select new DuplicateRow
        {
            Id = f.Id, Status = f.Status, DistanceM = f.DistanceM, FlaggedAt = f.FlaggedAt, DecidedAt = f.DecidedAt, Reason = f.Reason,
            CaseId = n.Id, CaseNo = n.CaseNo, CaseSource = n.Source, CaseState = n.State, CaseDescription = n.Description,
            CaseAddress = n.Address, CaseCreatedAt = n.CreatedAt,
            CandidateId = o.Id, CandidateNo = o.CaseNo, CandidateSource = o.Source, CandidateState = o.State,
            CandidateDescription = o.Description, CandidateAddress = o.Address, CandidateCreatedAt = o.CreatedAt,
            CategoryCode = n.CategoryCode, CategoryNameZh = k.NameZh, CellCode = n.CellCode,
        };

    public async Task<IReadOnlyList<DuplicateRow>> ListAsync(string? status, string? street, long? caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        // Only the filters that were given become SQL.
        var rows = Rows(db, db.Set<DuplicateFlagRecord>());
        if (status is not null) rows = rows.Where(r => r.Status == status);
        if (street is not null) rows = rows.Where(r => r.CellCode.StartsWith(street));
        if (caseId is not null) rows = rows.Where(r => r.CaseId == caseId || r.CandidateId == caseId);
        return await rows.OrderByDescending(r => r.FlaggedAt).ThenByDescending(r => r.Id).Take(200).ToListAsync();
    }

    public async Task<DuplicateRow?> FindAsync(long id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Rows(db, db.Set<DuplicateFlagRecord>().Where(f => f.Id == id)).SingleOrDefaultAsync();
    }

    private sealed record Pair(long Dup, long Keep);

    // Guarded on status = 'open': of two operators deciding the same flag at once, one decides.
    private const string DecideFlagSql = """
        update duplicate_flags set status = @Status, decided_at = @Now, decided_by = @Actor, reason = @Reason
        where id = @Id and status = 'open'
        returning case_id as "Dup", candidate_id as "Keep"
        """;

    private static async Task<Pair?> DecideFlagAsync(GridDbContext db, long flagId, string status, Guid actor, string? reason, DateTimeOffset now) =>
        (await db.Database.SqlQueryRaw<Pair>(DecideFlagSql, new NpgsqlParameter("Status", status), new NpgsqlParameter("Now", now),
            new NpgsqlParameter("Actor", actor), new NpgsqlParameter("Reason", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)reason ?? DBNull.Value },
            new NpgsqlParameter("Id", flagId)).ToListAsync()).FirstOrDefault();

    private sealed record Locked(long Id, string State, string CaseNo, long? MergedInto);

    // Both cases locked in id order, so two merges of the same pair cannot deadlock.
    private const string LockCasesSql = """
        select id as "Id", state as "State", case_no as "CaseNo", merged_into as "MergedInto"
        from cases where id = any(@Ids) order by id for update
        """;

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
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (await DecideFlagAsync(db, flagId, "merged", actor, reason, now) is not (var dup, var keep))
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Duplicate flag {flagId} does not exist or was already decided.", true);
        }
        var rows = (await db.Database.SqlQueryRaw<Locked>(LockCasesSql, new NpgsqlParameter("Ids", new[] { dup, keep })).ToListAsync())
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
        // The duplicate leaves the lifecycle as cancelled-by-merge; the guard on state makes a
        // concurrent step (a dispatch at the same moment) win cleanly.
        var merged = await db.Set<CaseRecord>().Where(c => c.Id == dup && c.State == d.State && c.MergedInto == null)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.State, "cancelled").SetProperty(c => c.MergedInto, keep)
                .SetProperty(c => c.UpdatedAt, now).SetProperty(c => c.Version, c => c.Version + 1));
        if (merged == 0)
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Case {d.CaseNo} changed at the same moment; reload and try again.", true);
        }
        await db.Set<CaseRecord>().Where(c => c.Id == keep)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.UpdatedAt, now).SetProperty(c => c.Version, c => c.Version + 1));
        var note = $"Merged into case {k.CaseNo}: the same problem was already reported and is handled there." + (reason is null ? "" : $" {reason}");
        db.Add(new CaseHistoryRecord
        {
            CaseId = dup, At = now, ActorId = actor, Action = "merge", FromState = d.State, ToState = "cancelled", Reason = note,
            Evidence = "[]", Details = JsonSerializer.Serialize(HistoryTexts.With(
                new Dictionary<string, object?> { ["mergedInto"] = keep, ["mergedIntoNo"] = k.CaseNo, ["flag"] = flagId },
                HistoryTexts.MergedInto, k.CaseNo, reason ?? "")),
        });
        db.Add(new CaseHistoryRecord
        {
            CaseId = keep, At = now, ActorId = actor, Action = "merge_in", FromState = k.State, ToState = k.State,
            Reason = $"Case {d.CaseNo} merged in as a duplicate." + (reason is null ? "" : $" {reason}"),
            Evidence = "[]", Details = JsonSerializer.Serialize(HistoryTexts.With(
                new Dictionary<string, object?> { ["mergedFrom"] = dup, ["mergedFromNo"] = d.CaseNo, ["flag"] = flagId },
                HistoryTexts.MergedIn, d.CaseNo, reason ?? "")),
        });
        await db.SaveChangesAsync();
        await db.Database.ExecuteSqlRawAsync(MoveReportersSql, new NpgsqlParameter("Keep", keep), new NpgsqlParameter("Dup", dup),
            new NpgsqlParameter("Now", now), new NpgsqlParameter("Actor", actor));
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", "merge", dup);
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", "merge_in", keep);
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor, Action = "duplicate_merged", Subject = $"case:{dup}",
            Details = JsonSerializer.Serialize(new { flag = flagId, mergedInto = keep, reason }),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new MergeOutcome(true, null, false);
    }

    private const string TouchReturningStateSql = """
        update cases set updated_at = @Now, version = version + 1 where id = @Id returning state as "Value"
        """;

    /// <summary>The operator decided the two are different problems.</summary>
    public async Task<MergeOutcome> KeepApartAsync(long flagId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (await DecideFlagAsync(db, flagId, "kept_apart", actor, reason, now) is not (var dup, var keep))
        {
            await tx.RollbackAsync();
            return new MergeOutcome(false, $"Duplicate flag {flagId} does not exist or was already decided.", true);
        }
        var state = (await db.Database.SqlQueryRaw<string>(TouchReturningStateSql, new NpgsqlParameter("Now", now), new NpgsqlParameter("Id", dup))
            .ToListAsync()).Single();
        var keepNo = await db.Set<CaseRecord>().Where(c => c.Id == keep).Select(c => c.CaseNo).SingleAsync();
        db.Add(new CaseHistoryRecord
        {
            CaseId = dup, At = now, ActorId = actor, Action = "duplicate_kept_apart", FromState = state, ToState = state,
            Reason = $"Not a duplicate of case {keepNo}: {reason}", Evidence = "[]",
            Details = JsonSerializer.Serialize(HistoryTexts.With(
                new Dictionary<string, object?> { ["candidate"] = keep, ["flag"] = flagId }, HistoryTexts.KeptApart, keepNo, reason)),
        });
        await db.SaveChangesAsync();
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", "duplicate_kept_apart", dup);
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor, Action = "duplicate_kept_apart", Subject = $"case:{dup}",
            Details = JsonSerializer.Serialize(new { flag = flagId, candidate = keep, reason }),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new MergeOutcome(true, null, false);
    }

    public sealed record ReporterRow(long FromCaseId, string Source, string? Name, string? Phone, string? Email);

    public async Task<IReadOnlyList<ReporterRow>> ReportersAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<CaseReporterRecord>().Where(r => r.CaseId == caseId).OrderBy(r => r.Id)
            .Select(r => new ReporterRow(r.FromCaseId, r.Source, r.Name, r.Phone, r.Email)).ToListAsync();
    }

    /// <summary>Records that someone saw a reporter's details unmasked, and why.</summary>
    public async Task AuditRevealAsync(long caseId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor, Action = "reporter_revealed", Subject = $"case:{caseId}",
            Details = JsonSerializer.Serialize(new { reason }),
        });
        await db.SaveChangesAsync();
    }
}
