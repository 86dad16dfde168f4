using System.Globalization;
using System.Text;

namespace Grid.Server.Stats;

/// <summary>Writes CSV straight to the response as rows arrive: a year of cases never sits in memory.</summary>
public static class Csv
{
    public static async Task WriteAsync<T>(HttpContext http, string fileName, IReadOnlyList<string> header, IAsyncEnumerable<T> rows,
        Func<T, IEnumerable<object?>> fields)
    {
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        // The BOM makes spreadsheet programs read the Chinese names as UTF-8.
        await using var writer = new StreamWriter(http.Response.Body, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true), 64 * 1024);
        await writer.WriteLineAsync(string.Join(',', header.Select(Escape)));
        var n = 0;
        await foreach (var row in rows.WithCancellation(http.RequestAborted))
        {
            await writer.WriteLineAsync(string.Join(',', fields(row).Select(Format)));
            if (++n % 1000 == 0) await writer.FlushAsync(http.RequestAborted);
        }
        await writer.FlushAsync(http.RequestAborted);
    }

    public static async IAsyncEnumerable<T> Of<T>(IEnumerable<T> rows)
    {
        foreach (var row in rows) yield return row;
        await Task.CompletedTask;
    }

    private static string Format(object? value) => value switch
    {
        null => "",
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double x => x.ToString("0.####", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Escape(value.ToString() ?? ""),
    };

    // Also defuses spreadsheet formulas (a cell starting with = + - @).
    private static string Escape(string s)
    {
        if (s.Length > 0 && s[0] is '=' or '+' or '-' or '@') s = "'" + s;
        return s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    }
}
