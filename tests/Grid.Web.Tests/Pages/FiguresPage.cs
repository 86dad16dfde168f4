using Microsoft.Playwright;

namespace Grid.Web.Tests.Pages;

/// <summary>The supervisors' figures: the indicator table, its drill-down lists and CSV links.</summary>
public sealed class FiguresPage(IPage page)
{
    public async Task GotoAsync(string query = "") => await page.GotoAsync("/figures" + query);

    public ILocator Table => page.GetByRole(AriaRole.Table);

    /// <summary>The body row of one group, found by its name.</summary>
    public ILocator Row(string name) => Table.Locator("tbody").GetByRole(AriaRole.Row).Filter(new() { HasText = name });

    /// <summary>A row's cell in the column of this title (the grid's columns found by their headers, not by position).</summary>
    public async Task<ILocator> CellAsync(ILocator row, string column)
    {
        await Assertions.Expect(Table.Locator("thead th").Filter(new() { HasText = column })).ToHaveCountAsync(1);
        var titles = await Table.Locator("thead th").AllInnerTextsAsync();
        var index = titles.Select((t, i) => (Title: t.Trim(), Index: i)).Single(h => h.Title == column).Index;
        return row.GetByRole(AriaRole.Cell).Nth(index);
    }

    public async Task<IDownload> ExportCsvAsync() =>
        await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "导出 CSV" }).ClickAsync());
}
