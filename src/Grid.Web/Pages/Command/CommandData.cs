namespace Grid.Web.Pages.Command;

/// <summary>How the case grid is sorted (server side).</summary>
public enum CaseSort
{
    /// <summary>By report time (the default: newest first).</summary>
    Created,
    /// <summary>By case number.</summary>
    CaseNo,
    /// <summary>By state code.</summary>
    State,
    /// <summary>By handling deadline (cases without one last).</summary>
    Deadline,
    /// <summary>By category code.</summary>
    Category,
}

/// <summary>
/// What the case grid asks for: the filters an operator set, the sort and the window of rows the grid shows.
/// <paramref name="State"/> is "open" (every state before closing), a state code, or null/empty for all.
/// <paramref name="Community"/> narrows <paramref name="Street"/>; both are code prefixes of the cell code.
/// </summary>
public sealed record CaseQuery(string? State = CaseQuery.Open, string? Category = null, string? Street = null, string? Community = null,
    string? Cell = null, string? Source = null, bool Overdue = false, string? Text = null, CaseSort Sort = CaseSort.Created,
    bool Descending = true, int Offset = 0, int Count = 50)
{
    public const string Open = "open";
    public static readonly string[] States = ["reported", "registered", "dispatched", "in_progress", "on_hold", "returned", "resolved", "closed", "cancelled"];
    public static readonly string[] OpenStates = ["reported", "registered", "dispatched", "in_progress", "on_hold", "returned", "resolved"];
    public static readonly string[] Sources = ["field", "citizen", "hotline", "higher_level", "video", "sensor", "open311", "web"];

    /// <summary>The states this query lists, or null for every state.</summary>
    public string[]? StateCodes => string.IsNullOrEmpty(State) ? null : State == Open ? OpenStates : [State];

    /// <summary>The cell-code prefix of the place filter: the community when chosen, else the street.</summary>
    public string? Place => string.IsNullOrWhiteSpace(Community) ? (string.IsNullOrWhiteSpace(Street) ? null : Street.Trim()) : Community.Trim();

    /// <summary>Whether a case with these facts is one this query lists (used for live changes between reloads).</summary>
    public bool Matches(string state, string cellCode, string categoryCode, string source, bool overdue) =>
        (StateCodes is null || StateCodes.Contains(state))
        && (string.IsNullOrEmpty(Category) || categoryCode == Category)
        && (Place is null || cellCode.StartsWith(Place, StringComparison.Ordinal))
        && (string.IsNullOrWhiteSpace(Cell) || cellCode == Cell.Trim())
        && (string.IsNullOrEmpty(Source) || source == Source)
        && (!Overdue || overdue);
}

/// <summary>One row of the case grid and one marker of the map.</summary>
public sealed record CaseItem(long Id, string CaseNo, string State, double Lat, double Lon, string CategoryCode, string CategoryName,
    string Source, string Priority, string CellCode, string Address, DateTimeOffset? Deadline, bool Overdue, int Version, DateTimeOffset CreatedAt);

/// <param name="Capped">More cases match than were counted: <paramref name="Total"/> is a lower bound ("N+").</param>
public sealed record CaseSlice(IReadOnlyList<CaseItem> Items, long Total, bool Capped = false);

/// <summary>One step of a case's history. <paramref name="Photos"/> are photo references (photo:&lt;sha256&gt;) only.
/// <paramref name="Deadline"/>: the handling deadline the step set (dispatch, extension, resume, rework), else null.
/// <paramref name="ReasonKey"/> and <paramref name="ReasonArgs"/>: a sentence the system wrote (see <see cref="HistoryTexts"/>), shown in
/// the reader's language; null for a person's own words and older rows, which show <paramref name="Reason"/> as stored.</summary>
public sealed record HistoryEntry(DateTimeOffset At, string? ActorName, string Action, string ToState, string? Reason, string? PublicNote,
    IReadOnlyList<string> Photos, DateTimeOffset? Deadline = null, string? ReasonKey = null, IReadOnlyList<string>? ReasonArgs = null,
    string? PublicNoteKey = null);

/// <summary>
/// A case as the drawer shows it, read at <paramref name="ReadAt"/>. <paramref name="ClockRunning"/>: working time is passing now, so
/// the remaining time counts down (or the overdue time up) by the second. <paramref name="Actions"/> are the lifecycle actions the
/// server allows the signed-in person on this case in its state.
/// </summary>
public sealed record CaseDetail(long Id, string CaseNo, string State, double Lat, double Lon, string CategoryCode, string CategoryName,
    string Source, string Priority, string Description, string Address, string CellCode, string CellName, string? UnitName,
    string? AssigneeName, string? ReporterName, string? ReporterPhone, DateTimeOffset? Deadline, double? RemainingSeconds, bool Overdue,
    bool Paused, bool ClockRunning, DateTimeOffset ReadAt, int Version, IReadOnlyList<string> Actions, IReadOnlyList<HistoryEntry> History);

/// <summary>One step an operator takes: a lifecycle action, "spam" or "supervise".</summary>
public sealed record StepInput(string Action, int Version, string? Reason = null, string? UnitId = null, Guid? AssigneeId = null,
    DateTimeOffset? Deadline = null, string? PublicNote = null);

/// <summary>The case after a step, or the server's reason for refusing it (for the person to act on).</summary>
public sealed record StepOutcome(CaseDetail? Case, string? Error);

public sealed record Choice(string Value, string Text);

/// <summary>What a dispatch would use (the suggestion) and what may be chosen instead.</summary>
public sealed record DispatchPlan(string UnitId, Guid? AssigneeId, string? AssigneeName, DateTimeOffset Deadline, IReadOnlyList<Choice> Units,
    IReadOnlyList<Choice> People, string? Rule = null, bool GridHeadVacant = false);

/// <summary>The city as the map and filters need it: cells as GeoJSON text, and the streets and communities in them.</summary>
public sealed record CityLayout(IReadOnlyList<Choice> Streets, IReadOnlyList<Choice> Communities);

/// <summary>Open and overdue cases of one cell (the map's colours).</summary>
public sealed record CellLoad(string Code, int Open, int Overdue);

public sealed record StaffSpot(Guid PersonId, string DisplayName, double Lat, double Lon, DateTimeOffset At);

/// <summary>The command center's data and steps for the circuit's person, with the same rules and answers as the REST API
/// (implemented by the server; each call reads the database anew).</summary>
public interface ICommandSource
{
    /// <summary>The street an operator's account is limited to, if any.</summary>
    Task<string?> HomeStreetAsync();
    Task<CaseSlice> ListAsync(CaseQuery query);
    /// <summary>Cases per state with the query's other filters (its state filter is ignored).</summary>
    Task<IReadOnlyDictionary<string, long>> CountsAsync(CaseQuery query);
    /// <summary>The case, or the reason it cannot be shown.</summary>
    Task<(CaseDetail? Case, string? Error)> FindAsync(long id);
    Task<StepOutcome> StepAsync(long id, StepInput step);
    Task<(DispatchPlan? Plan, string? Error)> DispatchPlanAsync(long id);
    /// <summary>Shows a photo of a citizen's case on the tracking page; null when done, else the reason.</summary>
    Task<string?> PublishPhotoAsync(long id, string photo, string kind);
    Task<CityLayout> LayoutAsync(string? street);
    Task<IReadOnlyList<CellLoad>> CellLoadsAsync(string? street);
    Task<IReadOnlyList<Choice>> CategoriesAsync();
    Task<IReadOnlyList<StaffSpot>> StaffAsync();
}
