using Microsoft.Playwright;

namespace Grid.Web.Tests.Pages;

/// <summary>The supervisors' figures: the indicator table, its drill-down lists and CSV links.</summary>
public sealed class FiguresPage(IPage page)
{
    public async Task GotoAsync(string query = "") => await page.GotoAsync("/figures" + query);

    public ILocator Table => page.GetByRole(AriaRole.Table);

    /// <summary>The body row of one group, found by its name.</summary>
    public ILocator Row(string name) => Table.Locator("tbody").GetByRole(AriaRole.Row).Filter(new() { HasText = name });

    public async Task<IDownload> ExportCsvAsync() =>
        await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "导出 CSV" }).ClickAsync());
}
