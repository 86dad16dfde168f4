using System.Text.Json;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Intake;

/// <summary>A report as any channel hands it in: field app, command center, Open311, hotline, monitoring system.</summary>
/// <param name="ReportedBy">The signed-in reporter; null for citizens, hotline callers and devices.</param>
public sealed record IntakeReport(double? Lat, double? Lon, string? Address, string? CategoryCode, string? Description,
    string Priority, string Source, string? ReporterName, string? ReporterPhone, string? ReporterEmail, Guid? ReportedBy)
{
    /// <summary>The case number answered when the report arrived, before it had a place (Open311 address-only).</summary>
    public string? ReservedCaseNo { get; init; }
}

/// <summary>How a channel names the fields, so error messages use the names its clients send.</summary>
public sealed record IntakeFields(string Lat, string Lon, string Category, string Description, string Address, string Name,
    string Phone, string Email, string CategoryHint)
{
    public static readonly IntakeFields Api = new("lat", "lon", "categoryCode", "description", "address", "reporterName",
        "reporterPhone", "reporterEmail", "GET /api/categories lists them.");
}

public enum IntakeStatus { Filed, Replayed, KeyReusedForOtherRequest, NoCell }

/// <param name="Filed">The new case as its insert read it back, when nothing was written after it (no channel rows, no
/// duplicate flags): what GET /api/cases/{id} would read, without reading it again.</param>
public sealed record IntakeResult(IntakeStatus Status, long CaseId, IReadOnlyList<long> LikelyDuplicates, string? Message,
    CaseRepository.FiledCase? Filed = null);

/// <summary>
/// The one path every channel files a report through: the same checks, the same cell lookup, one
/// transaction for the case, its first history row, its event, the channel's own rows and the
/// duplicate flags against open cases of the same category nearby.
/// </summary>
public sealed class IntakeService(CaseRepository cases, CatalogueRepository catalogue, GridRepository grid,
    IOptions<GridOptions> options, TimeProvider clock)
{
    public GridOptions City => options.Value;

    /// <summary>Checks the parts every channel shares.</summary>
    public async Task CheckAsync(IntakeReport r, Errors errors, IntakeFields f, bool pointRequired = true)
    {
        if (pointRequired || r.Lat is not null || r.Lon is not null) Coordinates.Check(r.Lat, r.Lon, City, errors, f.Lat, f.Lon);
        if (string.IsNullOrWhiteSpace(r.CategoryCode)) errors.Add(f.Category, $"'{f.Category}' is required, e.g. E0102 (暴露垃圾). {f.CategoryHint}");
        else if (!await catalogue.CategoryExistsAsync(r.CategoryCode.Trim())) errors.Add(f.Category, $"There is no category '{r.CategoryCode}'. {f.CategoryHint}");
        if (string.IsNullOrWhiteSpace(r.Description)) errors.Add(f.Description, $"Describe the problem in '{f.Description}' (1 to 2000 characters).");
        errors.MaxLength(r.Description, 2000, f.Description);
        errors.MaxLength(r.Address, 200, f.Address);
        errors.MaxLength(r.ReporterName, 100, f.Name);
        errors.MaxLength(r.ReporterPhone, 40, f.Phone);
        errors.MaxLength(r.ReporterEmail, 200, f.Email);
        if (r.ReporterPhone is { Length: > 0 } phone && !phone.All(ch => char.IsAsciiDigit(ch) || ch is '+' or '-' or ' '))
            errors.Add(f.Phone, $"'{phone}' is not a phone number; use digits, spaces, + and - only.");
        if (r.ReporterEmail is { Length: > 0 } email && (!email.Contains('@') || email.Any(char.IsWhiteSpace)))
            errors.Add(f.Email, $"'{email}' is not an e-mail address.");
        if (r.Priority is not ("normal" or "urgent")) errors.Add("priority", $"Priority '{r.Priority}' is unknown; use normal or urgent.");
    }

    /// <summary>Locates and files a checked report. <paramref name="channelRows"/> runs inside the same transaction,
    /// on the same context.</summary>
    public async Task<IntakeResult> FileAsync(IntakeReport r, string? idempotencyKey = null, string? requestHash = null,
        Func<GridDbContext, long, Task>? channelRows = null)
    {
        var located = await grid.LocateAsync(r.Lat!.Value, r.Lon!.Value, City.NearestCellMaxMeters);
        if (located is null)
        {
            return new IntakeResult(IntakeStatus.NoCell, 0, [], Coordinates.NoCellMessage(r.Lat.Value, r.Lon.Value, City.NearestCellMaxMeters));
        }
        var now = clock.GetUtcNow();
        var report = new NewCase(r.Lat.Value, r.Lon.Value, r.Address?.Trim() ?? "", r.CategoryCode!.Trim(), r.Source, r.Priority,
            r.Description!.Trim(), Blank(r.ReporterName), Blank(r.ReporterPhone), located.Code, r.ReportedBy, now, Blank(r.ReporterEmail))
        {
            ReservedCaseNo = r.ReservedCaseNo,
        };
        var outcome = await cases.InsertReportAsync(report, idempotencyKey, requestHash ?? "",
            new CaseRepository.DuplicateSearch(City.DuplicateRadiusMeters, now.AddDays(-City.DuplicateWindowDays)), async (db, id, candidates) =>
        {
            if (channelRows is not null) await channelRows(db, id);
            if (candidates.Count > 0) await RecordFlagsAsync(db, id, candidates, r.ReportedBy, now);
        });
        if (outcome.KeyReusedForOtherRequest)
            return new IntakeResult(IntakeStatus.KeyReusedForOtherRequest, outcome.CaseId, [], null);
        return new IntakeResult(outcome.Replayed ? IntakeStatus.Replayed : IntakeStatus.Filed, outcome.CaseId, outcome.Candidates, null,
            channelRows is null && outcome.Candidates.Count == 0 ? outcome.Filed : null);
    }

    /// <summary>The history action of a duplicate flag; not a lifecycle step (state and version unchanged).</summary>
    public const string FlagHistoryAction = "duplicate_flagged";

    // The flags themselves are written with the report (CaseRepository.InsertReportSql: same category,
    // still open, not itself merged away, within the radius and the time window, nearest five).
    private async Task RecordFlagsAsync(GridDbContext db, long caseId, IReadOnlyList<long> candidates, Guid? actor, DateTimeOffset now)
    {
        var meters = City.DuplicateRadiusMeters;
        // A flag is not a lifecycle step: the case's state and version stay as they are. It is
        // audited, announced, and written to the new case's history (same state before and after)
        // so that whoever opens the case sees which case it probably repeats; the operator's
        // decision on it (merge or keep apart) follows as its own history row.
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor, Action = "duplicate_flagged", Subject = $"case:{caseId}",
            Details = JsonSerializer.Serialize(new { candidates, radiusMeters = meters, windowDays = City.DuplicateWindowDays }),
        });
        var flags = await (from f in db.Set<DuplicateFlagRecord>()
                           join c in db.Set<CaseRecord>() on f.CandidateId equals c.Id
                           join n in db.Set<CaseRecord>() on f.CaseId equals n.Id
                           where f.CaseId == caseId
                           orderby f.DistanceM, c.Id
                           select new { c.Id, c.CaseNo, f.DistanceM, n.State }).ToListAsync();
        var state = flags[0].State;
        var candidateList = string.Join(", ", flags.Select(f => $"{f.CaseNo} ({Math.Round(f.DistanceM)} m)"));
        db.Add(new CaseHistoryRecord
        {
            CaseId = caseId, At = now, ActorId = actor, Action = FlagHistoryAction, FromState = state, ToState = state,
            Reason = "Flagged as likely duplicate of case " + candidateList,
            Evidence = "[]",
            Details = JsonSerializer.Serialize(HistoryTexts.With(
                new Dictionary<string, object?>
                {
                    ["candidates"] = flags.Select(f => new { caseId = f.Id, caseNo = f.CaseNo, distanceM = Math.Round(f.DistanceM, 1) }).ToList(),
                },
                HistoryTexts.DuplicateFlagged, candidateList)),
        });
        await db.SaveChangesAsync();
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", "duplicate_flagged", caseId);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
