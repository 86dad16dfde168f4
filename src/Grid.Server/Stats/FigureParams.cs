using System.Globalization;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Web.Pages;

namespace Grid.Server.Stats;

/// <summary>Who may read the figures, and the period and grouping a request asks for.</summary>
public static class FigureParams
{
    public static readonly IReadOnlySet<Role> Readers = new HashSet<Role> { Role.Supervisor, Role.ShiftLead, Role.Operator, Role.Admin };
    public const int MaxDays = 400;
    private static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static FiguresAccess AccessOf(Viewer viewer) =>
        viewer.Roles.Any(Readers.Contains)
            ? new FiguresAccess(true, viewer.AreaPrefix, "")
            : new FiguresAccess(false, null, "The figures are for supervisors, shift leads and operators; ask one of them for a report.");

    /// <summary>Local dates (Asia/Shanghai), <paramref name="to"/> inclusive; default: this month so far.</summary>
    public static FigureQuery? Parse(string? from, string? to, string? group, DateTimeOffset now, Errors errors)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Zone).DateTime);
        var first = ParseDate(from, "from", errors) ?? new DateOnly(today.Year, today.Month, 1);
        var last = ParseDate(to, "to", errors) ?? today;
        var g = string.IsNullOrWhiteSpace(group) ? FigureGroups.Street : group.Trim();
        if (!FigureGroups.All.Contains(g)) errors.Add("group", $"Group '{group}' is unknown; use {string.Join(", ", FigureGroups.All)}.");
        if (last < first) errors.Add("to", $"'to' ({last:yyyy-MM-dd}) is before 'from' ({first:yyyy-MM-dd}).");
        else if (last.DayNumber - first.DayNumber >= MaxDays) errors.Add("to", $"A period is at most {MaxDays} days; split longer ones.");
        if (errors.Any) return null;
        return new FigureQuery(LocalMidnight(first), LocalMidnight(last.AddDays(1)), g);
    }

    public static DateOnly LocalDate(DateTimeOffset t) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(t, Zone).DateTime);

    private static DateTimeOffset LocalMidnight(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    private static DateOnly? ParseDate(string? text, string field, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)) return d;
        errors.Add(field, $"'{field}' must be a date like 2026-11-01, not '{text}'.");
        return null;
    }
}
