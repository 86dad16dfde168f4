using System.Text;
using Grid.Domain.People;
using MiniExcelLibs;

namespace Grid.Server.Staff;

/// <summary>
/// The staff list as a file (xlsx through MiniExcel, or CSV): one person a row, the columns of
/// <see cref="Header"/> (Chinese headers are read too). Roles and cells are lists separated by ',', ';' or
/// '、'. The export writes the same columns, so a list can go out, be edited and (new people) come back.
/// The community column narrows an area-wide role to one community; a file without that column (written before
/// it existed) leaves every existing person's community as it is, which <see cref="Row.CommunityCode"/> tells apart
/// (null: no such column; empty: the column is there and the cell is blank).
/// </summary>
public static class StaffSheet
{
    public sealed record Row(int Line, string Username, string DisplayName, string? Phone, string Roles, string? StreetCode, string? UnitId,
        string? Cells, string? Password, string? CommunityCode = null);

    public static readonly string[] Header = ["username", "display_name", "phone", "roles", "street_code", "community_code", "unit_id", "cells", "password"];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["用户名"] = "username", ["账号"] = "username", ["姓名"] = "display_name", ["name"] = "display_name", ["电话"] = "phone",
        ["手机"] = "phone", ["角色"] = "roles", ["role"] = "roles", ["街道"] = "street_code", ["street"] = "street_code",
        ["社区"] = "community_code", ["community"] = "community_code",
        ["单位"] = "unit_id", ["unit"] = "unit_id", ["网格"] = "cells", ["cell"] = "cells", ["初始密码"] = "password", ["密码"] = "password",
    };

    private static readonly Dictionary<string, Role> RoleNames = new()
    {
        ["网格长"] = Role.GridHead, ["网格员"] = Role.GridWorker, ["巡查员"] = Role.Patroller, ["信息员"] = Role.Informant,
        ["督查员"] = Role.Inspector, ["联络员"] = Role.Liaison, ["受理员"] = Role.Operator, ["值班长"] = Role.ShiftLead,
        ["派遣员"] = Role.Dispatcher, ["领导"] = Role.Supervisor, ["监督员"] = Role.Supervisor, ["责任单位"] = Role.UnitStaff,
        ["单位人员"] = Role.UnitStaff, ["管理员"] = Role.Admin,
    };

    public const long MaxBytes = 5 * 1024 * 1024;

    public static Role? ParseRole(string word) =>
        Roles.TryParse(word.Trim().ToLowerInvariant(), out var r) ? r : RoleNames.TryGetValue(word.Trim(), out var named) ? named : null;

    public static IReadOnlyList<string> Split(string? list) => string.IsNullOrWhiteSpace(list) ? [] :
        list.Split([',', ';', '、', '，', '；', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();

    /// <summary>The rows of the file (line numbers as a spreadsheet shows them, the header being line 1), or why it cannot be read.</summary>
    public static (IReadOnlyList<Row>? Rows, string? Error) Read(byte[] content, string fileName)
    {
        if (content.Length == 0) return (null, "The file is empty.");
        if (content.Length > MaxBytes) return (null, $"The file is {content.Length / 1024} KB; at most {MaxBytes / 1024 / 1024} MB are read. Split it.");
        var xlsx = fileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);
        if (!xlsx && !fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return (null, $"'{fileName}' is neither .xlsx nor .csv; save the staff list as one of them.");
        List<IDictionary<string, object?>> raw;
        try
        {
            using var stream = new MemoryStream(content);
            raw = MiniExcel.Query(stream, useHeaderRow: true, excelType: xlsx ? ExcelType.XLSX : ExcelType.CSV)
                .Cast<IDictionary<string, object?>>().Take(PeopleAdmin.MaxImportRows + 1).ToList();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or FormatException or InvalidOperationException
                                      or System.Xml.XmlException or ArgumentException or IndexOutOfRangeException)
        {
            return (null, $"The file could not be read as {(xlsx ? "xlsx" : "CSV")} ({e.GetType().Name}); open it in a spreadsheet program and save it again.");
        }
        if (raw.Count > PeopleAdmin.MaxImportRows) return (null, $"The file has more than {PeopleAdmin.MaxImportRows} rows; split it.");
        if (raw.Count == 0) return (null, "The file has a header but no rows.");
        var columns = raw[0].Keys.ToDictionary(k => k, k => Column(k));
        var missing = new[] { "username", "display_name", "roles" }.Where(c => !columns.ContainsValue(c)).ToList();
        if (missing.Count > 0)
            return (null, $"The header lacks {string.Join(", ", missing)}; the first row must name the columns {string.Join(", ", Header)}.");
        var hasCommunity = columns.ContainsValue("community_code");
        var rows = new List<Row>();
        for (var i = 0; i < raw.Count; i++)
        {
            var values = new Dictionary<string, string?>();
            foreach (var (key, value) in raw[i])
            {
                if (columns.TryGetValue(key, out var col) && col is not null) values[col] = Text(value);
            }
            if (values.Values.All(string.IsNullOrWhiteSpace)) continue; // a blank line a spreadsheet left behind
            rows.Add(new Row(i + 2, values.GetValueOrDefault("username") ?? "", values.GetValueOrDefault("display_name") ?? "",
                values.GetValueOrDefault("phone"), values.GetValueOrDefault("roles") ?? "", values.GetValueOrDefault("street_code"),
                values.GetValueOrDefault("unit_id"), values.GetValueOrDefault("cells"), values.GetValueOrDefault("password"),
                hasCommunity ? values.GetValueOrDefault("community_code") ?? "" : null));
        }
        return rows.Count == 0 ? (null, "The file has a header but no rows.") : (rows, null);
    }

    private static string? Column(string header)
    {
        var h = header.Trim().TrimStart('\uFEFF');
        if (Header.Contains(h.ToLowerInvariant())) return h.ToLowerInvariant();
        return Aliases.GetValueOrDefault(h);
    }

    // Phone numbers and codes typed into a spreadsheet come back as numbers: written without a decimal point.
    private static string? Text(object? value) => value switch
    {
        null => null,
        double d when d == Math.Floor(d) && Math.Abs(d) < 1e17 => ((long)d).ToString(System.Globalization.CultureInfo.InvariantCulture),
        decimal m when m == decimal.Floor(m) => ((long)m).ToString(System.Globalization.CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString()?.Trim(),
    };

    /// <summary>A person as an export row, in <see cref="Header"/> order (the password column stays empty).</summary>
    public static IEnumerable<object?> Fields(global::Grid.Web.Pages.Admin.PersonRow p) =>
        [p.Username, p.DisplayName, p.Phone, string.Join(",", p.Roles), p.StreetCode, p.CommunityCode, p.UnitId, string.Join(";", p.Cells), null];

    /// <summary>A small xlsx of rows in <see cref="Header"/> order (tests and the page's template).</summary>
    public static byte[] Xlsx(IEnumerable<IEnumerable<object?>> rows)
    {
        var sheet = rows.Select(r =>
        {
            var values = r.ToList();
            var line = new Dictionary<string, object?>();
            for (var i = 0; i < Header.Length; i++) line[Header[i]] = i < values.Count ? values[i] : null;
            return line;
        }).ToList();
        using var buffer = new MemoryStream();
        MiniExcel.SaveAs(buffer, sheet, sheetName: "staff", excelType: ExcelType.XLSX);
        return buffer.ToArray();
    }

    public static string Csv(IEnumerable<IEnumerable<object?>> rows)
    {
        var b = new StringBuilder(string.Join(',', Header)).Append('\n');
        foreach (var r in rows) b.Append(string.Join(',', r.Select(v => v is null ? "" : "\"" + v.ToString()!.Replace("\"", "\"\"") + "\""))).Append('\n');
        return b.ToString();
    }
}
