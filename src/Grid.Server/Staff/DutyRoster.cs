using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Incidents;
using Candidate = Grid.Domain.Incidents.Candidate;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Staff;

/// <summary>
/// Duty rosters per cell and per responsible unit (issue 11): shifts on duty and leave with a substitute, kept
/// from /admin/duty, /api/admin/duty and /api/admin/unit-duty, and read by routing. A cell with no shift rows has
/// no roster: everyone holding a post and marked on duty counts as on duty (the behaviour before rosters). With a
/// roster, a post holder is on duty only inside one of his shifts and outside his leave; during a leave his
/// substitute stands in his posts. A unit's roster works the same for its staff; a unit without one names nobody
/// (routing sends the case to the unit itself).
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

    /// <summary>
    /// The staff of a unit on duty now by its roster, each with his open cases (a substitute standing in for
    /// someone on leave counts too), and whether the unit has a roster at all. Without one: nobody.
    /// </summary>
    public async Task<(IReadOnlyList<Candidate> OnDuty, bool HasRoster)> UnitOnDutyAsync(string unitId, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        if (!await db.Set<DutyShiftRecord>().AnyAsync(s => s.UnitId == unitId && s.Kind == "duty")) return ([], false);
        var current = await db.Set<DutyShiftRecord>().Where(s => s.UnitId == unitId && s.StartsAt <= now && s.EndsAt > now).ToListAsync();
        var onLeave = current.Where(s => s.Kind == "leave").Select(s => s.PersonId).ToHashSet();
        var ids = current.Where(s => s.Kind == "duty" && !onLeave.Contains(s.PersonId)).Select(s => s.PersonId)
            .Concat(current.Where(s => s.Kind == "leave" && s.SubstituteId is not null).Select(s => s.SubstituteId!.Value))
            .Distinct().ToArray();
        var open = db.Set<CaseRecord>().Where(c => c.State != "closed" && c.State != "cancelled");
        // Only active staff of the unit: someone who left the unit (or was deactivated) after the roster was made takes no cases from it.
        var staff = await db.Set<PersonRecord>()
            .Where(p => ids.Contains(p.Id) && p.DeactivatedAt == null && p.UnitId == unitId
                && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == "unit_staff"))
            .Select(p => new Candidate(p.Id, Role.UnitStaff, true, open.Count(c => c.AssigneeId == p.Id))).ToListAsync();
        return (staff, true);
    }

    public const int MaxShiftDays = 31;

    /// <summary>Whose roster: a cell's or a unit's (exactly one is set).</summary>
    private sealed record Owner(string? Cell, string? Unit)
    {
        public string Key => Cell ?? Unit!;
        public string Subject => Cell is not null ? $"cell:{Cell}" : $"unit:{Unit}";
    }

    /// <summary>The cell's roster for the administrator: null and why when he may not see it.</summary>
    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RosterAsync(Viewer viewer, string cellCode) =>
        RosterAsync(viewer, new Owner(cellCode, null));

    /// <summary>The unit's roster for the administrator (a street administrator: his street's units only).</summary>
    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> UnitRosterAsync(Viewer viewer, string unitId) =>
        RosterAsync(viewer, new Owner(null, unitId));

    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> AddAsync(Viewer viewer, string cellCode, DutyShiftForm form) =>
        AddAsync(viewer, new Owner(cellCode, null), form);

    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> AddUnitShiftAsync(Viewer viewer, string unitId, DutyShiftForm form) =>
        AddAsync(viewer, new Owner(null, unitId), form);

    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RemoveAsync(Viewer viewer, string cellCode, long id) =>
        RemoveAsync(viewer, new Owner(cellCode, null), id);

    public Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RemoveUnitShiftAsync(Viewer viewer, string unitId, long id) =>
        RemoveAsync(viewer, new Owner(null, unitId), id);

    private async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RosterAsync(Viewer viewer, Owner owner)
    {
        if (!viewer.Has(Role.Admin)) return (null, "Only administrators keep duty rosters.", AdminRefusal.Forbidden);
        await using var db = await contexts.CreateDbContextAsync();
        var now = clock.GetUtcNow();
        string name;
        List<PostView> postViews;
        List<Candidate> onDuty;
        bool hasRoster;
        if (owner.Cell is { } cellCode)
        {
            var cell = await db.Set<GridCellRecord>().Where(c => c.Code == cellCode).Select(c => new { c.Code, c.Name }).SingleOrDefaultAsync();
            if (cell is null) return (null, $"There is no cell {cellCode}.", AdminRefusal.NotFound);
            if (viewer.AreaStreet is { } street && !cellCode.StartsWith(street, StringComparison.Ordinal))
                return (null, $"Cell {cellCode} is not in your street {street}.", AdminRefusal.Forbidden);
            name = cell.Name;
            var posts = await (from s in db.Set<CellStaffRecord>()
                               join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                               where s.CellCode == cellCode
                               select new { s.Role, p.Id, p.DisplayName, p.Username, p.OnDuty, Active = p.DeactivatedAt == null }).ToListAsync();
            postViews = Roles.CellTeam.Select(r => r.ToCode()).Select(role =>
            {
                var h = posts.FirstOrDefault(x => x.Role == role);
                return h is null ? new PostView(role, null, null, null, false) : new PostView(role, h.Id, h.DisplayName, h.Username, h.Active);
            }).ToList();
            var holders = posts.Select(p => new Candidate(p.Id, Roles.Parse(p.Role), p.OnDuty, 0)).ToList();
            var (cellOnDuty, cellRoster) = await OnDutyAsync(cellCode, holders, now);
            (onDuty, hasRoster) = (cellOnDuty.ToList(), cellRoster);
        }
        else
        {
            var unitId = owner.Unit!;
            var unit = await db.Set<UnitRecord>().Where(u => u.Id == unitId).Select(u => new { u.Id, u.NameZh, u.StreetCode }).SingleOrDefaultAsync();
            if (unit is null) return (null, $"There is no responsible unit '{unitId}'.", AdminRefusal.NotFound);
            if (viewer.AreaStreet is { } street && unit.StreetCode != street)
                return (null, unit.StreetCode is null
                    ? $"{unit.NameZh} serves the whole district; a district administrator keeps its roster."
                    : $"{unit.NameZh} belongs to street {unit.StreetCode}, not to your street {street}.", AdminRefusal.Forbidden);
            name = unit.NameZh;
            postViews = await db.Set<PersonRecord>()
                .Where(p => p.UnitId == unitId && p.DeactivatedAt == null && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == "unit_staff"))
                .OrderBy(p => p.Username).Take(200)
                .Select(p => new PostView("unit_staff", p.Id, p.DisplayName, p.Username, true)).ToListAsync();
            var (unitOnDuty, unitRoster) = await UnitOnDutyAsync(unitId, now);
            (onDuty, hasRoster) = (unitOnDuty.ToList(), unitRoster);
        }
        var shifts = await (from s in db.Set<DutyShiftRecord>()
                            join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                            where (owner.Cell != null ? s.CellCode == owner.Cell : s.UnitId == owner.Unit) && s.EndsAt > now
                            orderby s.StartsAt, s.Id
                            select new DutyShiftView(s.Id, owner.Key, s.PersonId, p.DisplayName, s.Kind, s.StartsAt, s.EndsAt, s.SubstituteId,
                                db.Set<PersonRecord>().Where(x => x.Id == s.SubstituteId).Select(x => x.DisplayName).FirstOrDefault(), s.Note))
            .Take(500).ToListAsync();
        return (new RosterView(owner.Key, name, postViews, shifts, onDuty.Where(c => c.OnDuty).Select(c => c.PersonId).Distinct().ToList(), hasRoster,
            owner.Unit is not null), null, AdminRefusal.None);
    }

    private async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> AddAsync(Viewer viewer, Owner owner, DutyShiftForm form)
    {
        var (roster, error, refusal) = await RosterAsync(viewer, owner);
        if (roster is null) return (null, error, refusal);
        var problems = new List<string>();
        if (form.Kind is not ("duty" or "leave")) problems.Add("Choose a duty shift or a leave.");
        var holder = roster.Posts.FirstOrDefault(p => p.PersonId == form.PersonId && form.PersonId is not null);
        if (holder is null)
            problems.Add(owner.Cell is not null ? $"Choose one of the people holding a post in cell {owner.Cell}." : $"Choose one of the staff of {roster.CellName}.");
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
            else if (owner.Unit is { } unit)
            {
                if (roster.Posts.All(p => p.PersonId != sub)) problems.Add($"The substitute must be active staff of {roster.CellName}.");
            }
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
            CellCode = owner.Cell, UnitId = owner.Unit, PersonId = form.PersonId!.Value, Kind = form.Kind, StartsAt = form.StartsAt!.Value.ToUniversalTime(),
            EndsAt = form.EndsAt!.Value.ToUniversalTime(), SubstituteId = form.SubstituteId, Note = form.Note?.Trim() ?? "",
            CreatedBy = viewer.PersonId, CreatedAt = now,
        };
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Add(row);
        await db.SaveChangesAsync();
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = viewer.PersonId, Action = "duty_shift_added", Subject = owner.Subject,
            Details = JsonSerializer.Serialize(new { before = (object?)null, after = Shown(row) }, AuditJson),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        var (after, _, _) = await RosterAsync(viewer, owner);
        return (after, null, AdminRefusal.None);
    }

    private async Task<(RosterView? Roster, string? Error, AdminRefusal Refusal)> RemoveAsync(Viewer viewer, Owner owner, long id)
    {
        var (roster, error, refusal) = await RosterAsync(viewer, owner);
        if (roster is null) return (null, error, refusal);
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var row = await db.Set<DutyShiftRecord>()
            .Where(s => s.Id == id && (owner.Cell != null ? s.CellCode == owner.Cell : s.UnitId == owner.Unit)).SingleOrDefaultAsync();
        if (row is null)
            return (null, $"{(owner.Cell is not null ? $"Cell {owner.Cell}" : roster.CellName)} has no shift {id} (someone may have removed it already).", AdminRefusal.NotFound);
        await db.Set<DutyShiftRecord>().Where(s => s.Id == id).ExecuteDeleteAsync();
        db.Add(new AuditLogRecord
        {
            At = clock.GetUtcNow(), ActorId = viewer.PersonId, Action = "duty_shift_removed", Subject = owner.Subject,
            Details = JsonSerializer.Serialize(new { before = Shown(row), after = (object?)null }, AuditJson),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        var (after, _, _) = await RosterAsync(viewer, owner);
        return (after, null, AdminRefusal.None);
    }

    private static object Shown(DutyShiftRecord r) =>
        new { r.Id, r.CellCode, r.UnitId, r.PersonId, r.Kind, r.StartsAt, r.EndsAt, r.SubstituteId, r.Note };
}
