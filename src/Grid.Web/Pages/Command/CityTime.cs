using System.Globalization;

namespace Grid.Web.Pages.Command;

/// <summary>Times on the desk are the city's (the working calendar's zone), whatever the server's or browser's zone.</summary>
public static class CityTime
{
    public static readonly TimeZoneInfo Zone = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static DateTimeOffset Local(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Zone);

    public static string Text(DateTimeOffset? t) => t is { } v ? Local(v).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";

    /// <summary>
    /// A time in a narrow column: "11-27 09:19" in the city's current year, else the date with its year ("2025-12-30").
    /// </summary>
    public static string Short(DateTimeOffset? t, DateTimeOffset now)
    {
        if (t is not { } v) return "—";
        var local = Local(v);
        return local.Year == Local(now).Year
            ? local.ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    }

    /// <summary>The value of an &lt;input type=datetime-local&gt; (city time).</summary>
    public static string InputValue(DateTimeOffset t) => Local(t).ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture);

    /// <summary>Reads a datetime-local value as city time; null when it is not one.</summary>
    public static DateTimeOffset? FromInput(string? value)
    {
        if (!DateTime.TryParseExact(value, ["yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            return null;
        return new DateTimeOffset(local, Zone.GetUtcOffset(local));
    }

    /// <summary>A span as "2d 3h 05m" (days only when there are some).</summary>
    public static string Span(double seconds)
    {
        var s = (long)Math.Abs(seconds);
        var d = s / 86400;
        var h = s % 86400 / 3600;
        var m = s % 3600 / 60;
        var sec = s % 60;
        return (d > 0 ? $"{d}d " : "") + $"{h}h {m:00}m {sec:00}s";
    }
}
