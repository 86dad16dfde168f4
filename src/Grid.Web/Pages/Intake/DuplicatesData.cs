namespace Grid.Web.Pages.Intake;

/// <summary>One side of a duplicate flag: a case as the duplicates page shows it (reporters' text is shown as text).</summary>
public sealed record DuplicateSide(long Id, string CaseNo, string Source, string State, string Description, string Address, DateTimeOffset CreatedAt);

public sealed record DuplicateFlag(long Id, double DistanceM, string CategoryNameZh, DuplicateSide Report, DuplicateSide Candidate);

/// <summary>The outcome of a decision: null error means done; otherwise the server's reason, for the person to act on.</summary>
public sealed record DecisionOutcome(string? Error);

/// <summary>Open duplicate flags of the signed-in person's area, and the two decisions (implemented by the server).</summary>
public interface IDuplicatesSource
{
    Task<IReadOnlyList<DuplicateFlag>> ListOpenAsync();
    Task<DecisionOutcome> MergeAsync(long flagId, string? reason);
    Task<DecisionOutcome> KeepApartAsync(long flagId, string? reason);
}
