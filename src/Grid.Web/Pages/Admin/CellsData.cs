namespace Grid.Web.Pages.Admin;

/// <summary>The size of a cell import, the same on the page and the API.</summary>
public static class CellImportLimits
{
    /// <summary>About 25 MB: tens of thousands of cells of a few dozen positions each.</summary>
    public const int MaxFileBytes = 25 * 1024 * 1024;

    /// <summary>A city of tens of thousands of cells in one file.</summary>
    public const int MaxFeatures = 50_000;
}

/// <summary>
/// One problem of a cell import: <see cref="Feature"/> is the feature's 1-based place in the file (0: not a
/// feature of the file, e.g. a cell of today that the file would retire while it has open cases).
/// </summary>
public sealed record CellImportProblem(int Feature, string? Code, string Field, string Message);

/// <summary>A cell the file changes: its name and/or its boundary.</summary>
public sealed record CellImportChange(string Code, string Name, string OldName, bool NameChanged, bool GeometryChanged);

/// <summary>
/// What a GeoJSON file would do to today's cells, computed without writing anything. The file covers the
/// communities named by its codes: cells of those communities that are not in the file are
/// <see cref="Removed"/> (retired, never deleted: their cases and figures keep them). A cell with open cases is
/// never retired (a problem instead). <see cref="Fingerprint"/> names this file against today's cells; the
/// apply step refuses when either changed since. <see cref="Map"/> (page only) is GeoJSON of the difference,
/// each feature with <c>code</c>, <c>name</c> and <c>diff</c> (added, changed, removed, unchanged).
/// </summary>
public sealed record CellImportPreview(int Features, IReadOnlyList<CellImportProblem> Problems, IReadOnlyList<string> Added,
    IReadOnlyList<CellImportChange> Changed, IReadOnlyList<string> Removed, int Unchanged, IReadOnlyList<string> Communities,
    string Fingerprint, string? Map = null)
{
    public bool Valid => Problems.Count == 0 && Features > 0;
}

/// <summary>An import the administrator confirmed, as the background job moves it on.</summary>
public sealed record CellImportStatus(Guid Id, string Status, string Phase, int Done, int Total, string? Message,
    int Added, int Changed, int Removed, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt)
{
    public bool Finished => Status is "applied" or "failed";
}

/// <summary>A cell as the rename list shows it.</summary>
public sealed record CellListItem(string Code, string Name, string CommunityName);

/// <summary>
/// The cells page's data and actions for the circuit's person (implemented by the server: the same checks as
/// /api/admin/cells/...). A file that cannot be read at all comes back as a preview with one problem.
/// </summary>
public interface ICellsAdminSource
{
    /// <summary>The street the administrator is limited to (null: the whole district).</summary>
    Task<string?> ScopeAsync();
    /// <summary>Today's cells in the administrator's area as GeoJSON (code, name, diff = unchanged).</summary>
    Task<string> MapAsync();
    Task<IReadOnlyList<CellListItem>> FindAsync(string? text);
    Task<CellImportPreview> PreviewAsync(byte[] file);
    /// <summary>Starts the background apply of a previewed file: the import, or the refusal (409: another import runs, or the cells changed).</summary>
    Task<AdminResult<CellImportStatus>> ApplyAsync(byte[] file, string fingerprint);
    Task<CellImportStatus?> StatusAsync(Guid id);
    /// <summary>The import queued or running now, if any (the page shows its progress after a reload).</summary>
    Task<CellImportStatus?> RunningAsync();
    Task<AdminResult<CellListItem>> RenameAsync(string code, string name, string expectedName);
}
