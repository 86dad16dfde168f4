namespace Grid.Web.Pages;

/// <summary>One publication of a month's evaluation (frozen figures).</summary>
public sealed record PublishedMonth(DateOnly Month, int Version, DateTimeOffset PublishedAt, string? PublishedByName, string? Reason, bool IsCurrent);

/// <summary>
/// Published (frozen) monthly evaluations, as the pages read them (implemented by the server), for
/// the signed-in person and limited to their street; the page asks IFiguresSource.AccessAsync first.
/// </summary>
public interface IPublishedFigures
{
    Task<IReadOnlyList<PublishedMonth>> MonthsAsync();
    /// <summary>The frozen indicators of the month (its current version unless one is named); null when not published.</summary>
    Task<IndicatorTable?> IndicatorsAsync(DateOnly month, string group, int? version);
    /// <summary>The cases behind one frozen number; null when the month (version) is not published.</summary>
    Task<FigureCasePage?> CasesAsync(DateOnly month, string group, int? version, string measure, string? key, int page, int pageSize);
}
