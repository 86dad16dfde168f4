using System.Globalization;

namespace Grid.Web.Pages.Figures;

/// <summary>Links and number formats shared by the figures pages.</summary>
public static class FigureLinks
{
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

    public static string Percent(long numerator, long denominator) =>
        IndicatorRow.Rate(numerator, denominator) is { } r ? (r * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "–";

    public static string Duration(double seconds) =>
        seconds < 3600 ? $"{seconds / 60:0} min" : seconds < 3 * 86400 ? $"{seconds / 3600:0.0} h" : $"{seconds / 86400:0.0} d";
}
