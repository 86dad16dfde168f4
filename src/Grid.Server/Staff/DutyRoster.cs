using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Incidents;
using Candidate = Grid.Domain.Incidents.Candidate;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Staff;

/// <summary>
/// Duty rosters per cell (issue 11): shifts on duty and leave with a substitute, kept from /admin/duty and
/// /api/admin/duty, and read by routing. A cell with no shift rows has no roster: everyone holding a post and
/// marked on duty counts as on duty (the behaviour before rosters). With a roster, a post holder is on duty
/// only inside one of his shifts and outside his leave; during a leave his substitute stands in his posts.
/// </summary>
public sealed class DutyRoster(IDbContextFactory<GridDbContext> contexts, TimeProvider clock)
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    /// <summary>The candidates of a cell as the roster has them now, and whether the cell has a roster at all.</summary>
    public async Task<(IReadOnlyList<Candidate> Candidates, bool HasRoster)> OnDutyAsync(string cellCode, IReadOnlyList<Candidate> holders, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        if (!await db.Set<DutyShiftRecord>().AnyAsync(s => s.CellCode == cellCode && s.Kind == "duty")) return (holders, false);
        var current = await db.Set<DutyShiftRecord>()
            .Where(s => s.CellCode == cellCode && s.StartsAt <= now && s.EndsAt > now).ToListAsync();
        var onShift = current.Where(s => s.Kind == "duty").Select(s => s.PersonId).ToHashSet();
        var onLeave = current.Where(s => s.Kind == "leave").ToList();
        var result = new List<Candidate>();
        foreach (var h in holders)
        {
            var leave = onLeave.FirstOrDefault(l => l.PersonId == h.PersonId);
            if (leave is null)
            {
                result.Add(h with { OnDuty = onShift.Contains(h.PersonId) });
                continue;
            }
            result.Add(h with { OnDuty = false });
            if (leave.SubstituteId is { } sub)
            {
                // The substitute stands in the post for the leave; his load counts like anyone's.
                var open = await db.Set<CaseRecord>().CountAsync(c => c.AssigneeId == sub && c.State != "closed" && c.State != "cancelled");
                var active = await db.Set<PersonRecord>().AnyAsync(p => p.Id == sub && p.DeactivatedAt == null);
                result.Add(new Candidate(sub, h.Role, active, open));
            }
        }
        return (result, true);
    }

    public const int MaxShiftDays = 31;

    private static (RosterView?, string?) No(string message) => (null, message);

    /// <summary>The cell's roster for the administrator: null and why when he may not see it.</summary>
    public async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RosterAsync(Viewer viewer, string cellCode)
    {
        if (!viewer.Has(Role.Admin)) return (null, "Only administrators keep duty rosters.", AdminRefusal.Forbidden);
        await using var db = await contexts.CreateDbContextAsync();
        var cell = await db.Set<GridCellRecord>().Where(c => c.Code == cellCode).Select(c => new { c.Code, c.Name }).SingleOrDefaultAsync();
        if (cell is null) return (null, $"There is no cell {cellCode}.", AdminRefusal.NotFound);
        if (viewer.AreaStreet is { } street && !cellCode.StartsWith(street, StringComparison.Ordinal))
            return (null, $"Cell {cellCode} is not in your street {street}.", AdminRefusal.Forbidden);
        var now = clock.GetUtcNow();
        var posts = await (from s in db.Set<CellStaffRecord>()
                           join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                           where s.CellCode == cellCode
                           select new { s.Role, p.Id, p.DisplayName, p.Username, p.OnDuty, Active = p.DeactivatedAt == null }).ToListAsync();
        var order = Roles.CellTeam.Select(r => r.ToCode()).ToList();
        var postViews = order.Select(role =>
        {
            var h = posts.FirstOrDefault(x => x.Role == role);
            return h is null ? new PostView(role, null, null, null, false) : new PostView(role, h.Id, h.DisplayName, h.Username, h.Active);
        }).ToList();
        var shifts = await (from s in db.Set<DutyShiftRecord>()
                            join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                            where s.CellCode == cellCode && s.EndsAt > now
                            orderby s.StartsAt, s.Id
                            select new DutyShiftView(s.Id, s.CellCode, s.PersonId, p.DisplayName, s.Kind, s.StartsAt, s.EndsAt, s.SubstituteId,
                                db.Set<PersonRecord>().Where(x => x.Id == s.SubstituteId).Select(x => x.DisplayName).FirstOrDefault(), s.Note))
            .Take(500).ToListAsync();
        var holders = posts.Select(p => new Candidate(p.Id, Roles.Parse(p.Role), p.OnDuty, 0)).ToList();
        var (onDuty, hasRoster) = await OnDutyAsync(cellCode, holders, now);
        return (new RosterView(cell.Code, cell.Name, postViews, shifts, onDuty.Where(c => c.OnDuty).Select(c => c.PersonId).Distinct().ToList(), hasRoster), null, AdminRefusal.None);
    }

    public async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> AddAsync(Viewer viewer, string cellCode, DutyShiftForm form)
    {
        var (roster, error, refusal) = await RosterAsync(viewer, cellCode);
        if (roster is null) return (null, error, refusal);
        var problems = new List<string>();
        if (form.Kind is not ("duty" or "leave")) problems.Add("Choose a duty shift or a leave.");
        var holder = roster.Posts.FirstOrDefault(p => p.PersonId == form.PersonId && form.PersonId is not null);
        if (holder is null) problems.Add($"Choose one of the people holding a post in cell {cellCode}.");
        if (form.StartsAt is not { } start || form.EndsAt is not { } end) problems.Add("Give the start and the end.");
        else if (end <= start) problems.Add("The end must come after the start.");
        else if (end - start > TimeSpan.FromDays(MaxShiftDays)) problems.Add($"A shift or leave spans at most {MaxShiftDays} days; enter a longer one in parts.");
        else if (end <= clock.GetUtcNow()) problems.Add("The shift is over already; enter shifts from now on.");
        if (form.Kind == "duty" && form.SubstituteId is not null) problems.Add("Only a leave has a substitute.");
        if (form.Note is { Length: > 500 }) problems.Add("The note is longer than 500 characters.");
        if (Http.InputGuard.BadCharacter(form.Note) is { } bad) problems.Add($"The note contains {bad}; remove it.");
        await using var db = await contexts.CreateDbContextAsync();
        if (form.SubstituteId is { } sub && holder is not null)
        {
            if (sub == form.PersonId) problems.Add("A person cannot stand in for himself.");
            else if (!await db.Set<PersonRecord>().AnyAsync(p => p.Id == sub && p.DeactivatedAt == null
                         && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == holder.Role)))
                problems.Add($"The substitute must be an active person with the role {holder.Role}.");
            else if (viewer.AreaStreet is { } street && !await db.Set<PersonRecord>().AnyAsync(p => p.Id == sub
                         && (p.StreetCode == street || db.Set<CellStaffRecord>().Any(s => s.PersonId == p.Id && s.CellCode.StartsWith(street)))))
                problems.Add($"The substitute is not staff of your street {street}.");
        }
        if (problems.Count > 0) return (null, string.Join(" ", problems), AdminRefusal.Invalid);
        var now = clock.GetUtcNow();
        var row = new DutyShiftRecord
        {
            CellCode = cellCode, PersonId = form.PersonId!.Value, Kind = form.Kind, StartsAt = form.StartsAt!.Value.ToUniversalTime(),
            EndsAt = form.EndsAt!.Value.ToUniversalTime(), SubstituteId = form.SubstituteId, Note = form.Note?.Trim() ?? "",
            CreatedBy = viewer.PersonId, CreatedAt = now,
        };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Add(row);
        await db.SaveChangesAsync();
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = viewer.PersonId, Action = "duty_shift_added", Subject = $"cell:{cellCode}",
            Details = JsonSerializer.Serialize(new { before = (object?)null, after = Shown(row) }, AuditJson),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        var (after, _, _) = await RosterAsync(viewer, cellCode);
        return (after, null, AdminRefusal.None);
    }

    public async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RemoveAsync(Viewer viewer, string cellCode, long id)
    {
        var (roster, error, refusal) = await RosterAsync(viewer, cellCode);
        if (roster is null) return (null, error, refusal);
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var row = await db.Set<DutyShiftRecord>().Where(s => s.Id == id && s.CellCode == cellCode).SingleOrDefaultAsync();
        if (row is null) return (null, $"Cell {cellCode} has no shift {id} (someone may have removed it already).", AdminRefusal.NotFound);
        await db.Set<DutyShiftRecord>().Where(s => s.Id == id).ExecuteDeleteAsync();
        db.Add(new AuditLogRecord
        {
            At = clock.GetUtcNow(), ActorId = viewer.PersonId, Action = "duty_shift_removed", Subject = $"cell:{cellCode}",
            Details = JsonSerializer.Serialize(new { before = Shown(row), after = (object?)null }, AuditJson),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        var (after, _, _) = await RosterAsync(viewer, cellCode);
        return (after, null, AdminRefusal.None);
    }

    private static object Shown(DutyShiftRecord r) =>
        new { r.Id, r.PersonId, r.Kind, r.StartsAt, r.EndsAt, r.SubstituteId, r.Note };
}
