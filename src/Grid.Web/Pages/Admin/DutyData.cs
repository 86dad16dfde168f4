namespace Grid.Web.Pages.Admin;

/// <summary>A shift on duty or a leave of a cell's post holder or a unit's staff member (with the substitute who stands in
/// during the leave). <paramref name="CellCode"/> is the cell, or the unit id on a unit's roster.</summary>
public sealed record DutyShiftView(long Id, string CellCode, Guid PersonId, string PersonName, string Kind, DateTimeOffset StartsAt,
    DateTimeOffset EndsAt, Guid? SubstituteId, string? SubstituteName, string Note);

/// <summary>A cell's roster: its posts, its shifts and leaves from now on (and the current ones), and who is on duty now by it.
/// A unit's roster has the same shape: <see cref="CellCode"/> and <see cref="CellName"/> are the unit's id and name, the posts
/// its staff (role unit_staff), and <see cref="IsUnit"/> is set.</summary>
public sealed record RosterView(string CellCode, string CellName, IReadOnlyList<PostView> Posts, IReadOnlyList<DutyShiftView> Shifts,
    IReadOnlyList<Guid> OnDutyNow, bool HasRoster, bool IsUnit = false);

/// <summary>A new shift or leave as the form sends it.</summary>
public sealed class DutyShiftForm
{
    public Guid? PersonId { get; set; }
    /// <summary><c>duty</c> or <c>leave</c>.</summary>
    public string Kind { get; set; } = "duty";
    public DateTimeOffset? StartsAt { get; set; }
    public DateTimeOffset? EndsAt { get; set; }
    public Guid? SubstituteId { get; set; }
    public string? Note { get; set; }
}

/// <summary>The duty page's data and actions (implemented by the server: the same checks as /api/admin/duty).</summary>
public interface IDutyAdminSource
{
    Task<IReadOnlyList<CellPosts>> CellsAsync(string? text);
    Task<(RosterView? Roster, string? Error)> RosterAsync(string cellCode);
    Task<(RosterView? Roster, string? Error)> AddAsync(string cellCode, DutyShiftForm form);
    Task<(RosterView? Roster, string? Error)> RemoveAsync(string cellCode, long shiftId);
    Task<IReadOnlyList<PostCandidate>> SubstitutesAsync(string cellCode, string role);
    /// <summary>The active units the administrator manages (their rosters).</summary>
    Task<IReadOnlyList<UnitItem>> UnitsAsync();
    Task<(RosterView? Roster, string? Error)> UnitRosterAsync(string unitId);
    Task<(RosterView? Roster, string? Error)> AddUnitShiftAsync(string unitId, DutyShiftForm form);
    Task<(RosterView? Roster, string? Error)> RemoveUnitShiftAsync(string unitId, long shiftId);
}
