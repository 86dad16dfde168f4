namespace Grid.Web.Pages;

/// <summary>One publication of a month's evaluation (frozen figures).</summary>
public sealed record PublishedMonth(DateOnly Month, int Version, DateTimeOffset PublishedAt, string? PublishedByName, string? Reason, bool IsCurrent);

/// <summary>Published (frozen) monthly evaluations, as the pages read them (implemented by the server).</summary>
public interface IPublishedFigures
{
    Task<IReadOnlyList<PublishedMonth>> MonthsAsync();
    /// <summary>The frozen indicators of the month's current version; null when the month is not published.</summary>
    Task<IndicatorTable?> IndicatorsAsync(DateOnly month, string group);
}
