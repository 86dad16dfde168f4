using System.Globalization;
using System.Text;

namespace Grid.Server.Stats;

/// <summary>
/// Writes a table as CSV straight to the response as rows arrive (a year of cases never sits in memory), or, when
/// the route asked for ".xlsx", as a spreadsheet (MiniExcel; built in memory, as the xlsx format needs).
/// </summary>
public static class Csv
{
    public static async Task WriteAsync<T>(HttpContext http, string fileName, IReadOnlyList<string> header, IAsyncEnumerable<T> rows,
        Func<T, IEnumerable<object?>> fields)
    {
        if (http.Request.Path.Value?.EndsWith(".xlsx", StringComparison.Ordinal) == true)
        {
            await WriteXlsxAsync(http, Path.ChangeExtension(fileName, ".xlsx"), header, rows, fields);
            return;
        }
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

    private static async Task WriteXlsxAsync<T>(HttpContext http, string fileName, IReadOnlyList<string> header, IAsyncEnumerable<T> rows,
        Func<T, IEnumerable<object?>> fields)
    {
        var sheet = new List<Dictionary<string, object?>>();
        await foreach (var row in rows.WithCancellation(http.RequestAborted))
        {
            var values = fields(row).ToList();
            var line = new Dictionary<string, object?>(header.Count);
            for (var i = 0; i < header.Count; i++) line[header[i]] = XlsxValue(i < values.Count ? values[i] : null);
            sheet.Add(line);
        }
        using var buffer = new MemoryStream();
        await MiniExcelLibs.MiniExcel.SaveAsAsync(buffer, sheet, sheetName: "data", excelType: MiniExcelLibs.ExcelType.XLSX,
            cancellationToken: http.RequestAborted);
        http.Response.ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        buffer.Position = 0;
        await buffer.CopyToAsync(http.Response.Body, http.RequestAborted);
    }

    /// <summary>Numbers stay numbers; times are written as UTC text like the CSV; text that a spreadsheet would run as a formula is defused.</summary>
    private static object? XlsxValue(object? value) => value switch
    {
        null => null,
        DateTimeOffset t => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        string s when s.Length > 0 && s[0] is '=' or '+' or '-' or '@' => "'" + s,
        IFormattable and not Enum => value,
        _ => value.ToString(),
    };

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
