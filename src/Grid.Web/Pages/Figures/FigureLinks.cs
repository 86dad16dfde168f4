using System.Globalization;

namespace Grid.Web.Pages.Figures;

/// <summary>Links and number formats shared by the figures pages.</summary>
public static class FigureLinks
{
    /// <summary>
    /// Axis labels for MudChart, escaped: MudBlazor writes them into the SVG as markup (a
    /// MarkupString <c>&lt;text&gt;</c>), so a street or unit name is encoded here to be shown as text.
    /// </summary>
    public static string[] SvgText(IEnumerable<string> labels) => labels.Select(l => System.Net.WebUtility.HtmlEncode(l) ?? "").ToArray();

    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static string LocalDate(DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, Zone).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public static string LocalTime(DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, Zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>The period as the form shows it: "to" is the last day included.</summary>
    public static (string From, string To) Period(FigureQuery q) => (LocalDate(q.From), LocalDate(q.To.AddDays(-1)));

    public static string Query(FigureQuery q, string? group = null)
    {
        var (from, to) = Period(q);
        return $"from={from}&to={to}&group={Uri.EscapeDataString(group ?? q.Group)}";
    }

    public static string Cases(FigureQuery q, string measure, string? key) =>
        $"/figures/cases?{Query(q)}&measure={measure}" + (key is null ? "" : $"&key={Uri.EscapeDataString(key)}");

    /// <summary>A published month's frozen table (its current version unless one is named).</summary>
    public static string Published(DateOnly month, string group, int? version) =>
        $"/figures/published?month={month:yyyy-MM}&group={Uri.EscapeDataString(group)}" + (version is null ? "" : $"&version={version}");

    /// <summary>The cases behind a frozen number: the drill-down page over the publication's snapshot.</summary>
    public static string PublishedCases(DateOnly month, int? version, string group, string measure, string? key) =>
        $"/figures/cases?published={month:yyyy-MM}" + (version is null ? "" : $"&version={version}") +
        $"&group={Uri.EscapeDataString(group)}&measure={measure}" + (key is null ? "" : $"&key={Uri.EscapeDataString(key)}");

    /// <summary>The API route of a published month's table ("indicators") or of the cases behind its numbers ("cases"):
    /// the CSV and xlsx links add their extension.</summary>
    public static string PublishedApi(DateOnly month, string what) => $"/api/evaluation/{month:yyyy-MM}/{what}";

    /// <summary>The grouping and version of a published month, as its API routes read them.</summary>
    public static string PublishedQuery(string group, int? version) =>
        $"group={Uri.EscapeDataString(group)}" + (version is null ? "" : $"&version={version}");

    /// <summary>The natural month the period is exactly, if it is one (local dates).</summary>
    public static DateOnly? MonthOf(FigureQuery q)
    {
        var (from, to) = Period(q);
        var first = DateOnly.ParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var last = DateOnly.ParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return first.Day == 1 && last == first.AddMonths(1).AddDays(-1) ? first : null;
    }

    public static string Percent(long numerator, long denominator) =>
        IndicatorRow.Rate(numerator, denominator) is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    public static string Duration(double seconds) =>
        seconds < 3600 ? $"{seconds / 60:0} min" : seconds < 3 * 86400 ? $"{seconds / 3600:0.0} h" : $"{seconds / 86400:0.0} d";
}
