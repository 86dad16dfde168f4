using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;
using System.Net.Http.Json;

namespace Grid.Web.Tests;

public sealed class FiguresTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_supervisor_opens_the_figures_drills_into_a_number_and_exports_csv()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0], world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var reported = new List<long>();
        for (var i = 0; i < 3; i++) reported.Add((await world.ReportAsync(worker, 0)).Id);
        await world.ReportAsync(worker, 1);
        await op.StepOkAsync(reported[0], "register");
        await op.StepOkAsync(reported[0], "dispatch");
        await op.StepOkAsync(reported[1], "register");
        Assert.Equal(System.Net.HttpStatusCode.Created,
            (await supervisor.Client.PostAsJsonAsync($"/api/cases/{reported[0]}/supervise", new { note = "今天下班前处理完毕" })).StatusCode);

        var page = await browser.NewPageAsync();
        await new LoginPage(page).GotoAsync("/figures?group=cell");
        await new LoginPage(page).SignInAsync(supervisor.Username, TestPeople.Password);
        var figures = new FiguresPage(page);

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("综合评价统计");
        var cell0 = figures.Row($"Test cell {world.Cells[0]}");
        await Assertions.Expect(await figures.CellAsync(cell0, "上报数")).ToHaveTextAsync("3");
        // Registration rate 2 of 3, each part a link.
        await Assertions.Expect(await figures.CellAsync(cell0, "立案率")).ToContainTextAsync("66.7%");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("figures-indicators-laptop"), FullPage = true });

        await cell0.GetByRole(AriaRole.Link, new() { Name = "3", Exact = true }).First.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("上报案件");
        var rows = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        // States read as words a supervisor knows, not codes.
        var states = await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.cells[1].textContent.trim())");
        Assert.All(states, st => Assert.DoesNotMatch("^[a-z_]+$", st));
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("figures-drilldown-laptop"), FullPage = true });

        var download = await figures.ExportCsvAsync();
        Assert.Equal("cases-reports.csv", download.SuggestedFilename);
        var csv = (await File.ReadAllLinesAsync((await download.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("id,case_no,state", csv[0].TrimStart('\uFEFF'));
        Assert.Equal(reported.Order(), csv.Skip(1).Select(l => long.Parse(l.Split(',')[0])).Order());

        // The same list as a spreadsheet.
        var xlsx = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "导出 Excel" }).ClickAsync());
        Assert.Equal("cases-reports.xlsx", xlsx.SuggestedFilename);
        var sheet = MiniExcelLibs.MiniExcel.Query(await xlsx.PathAsync(), useHeaderRow: true, excelType: MiniExcelLibs.ExcelType.XLSX)
            .Cast<IDictionary<string, object>>().ToList();
        Assert.Equal(reported.Order(), sheet.Select(r => Convert.ToInt64(r["id"])).Order());

        await page.GotoAsync("/figures/escalations");
        await Assertions.Expect(page.GetByRole(AriaRole.Table).GetByText("今天下班前处理完毕")).ToBeVisibleAsync();
        // The trend chart is drawn (MudChart's SVG, one bar per day and level).
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#escalation-trend svg rect, #escalation-trend svg path').length > 0");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("figures-escalations-laptop"), FullPage = true });
    }

    /// <summary>
    /// A published month beside the live figures: the frozen table, a frozen number leading to its cases, and the
    /// version shown exported as a spreadsheet. A month long past, published here (months are the city's).
    /// </summary>
    [Fact]
    public async Task A_supervisor_reads_a_published_month_drills_into_a_frozen_number_and_exports_it()
    {
        const string month = "2019-04";
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var ids = new List<long>();
        for (var i = 0; i < 2; i++) ids.Add((await world.ReportAsync(worker, 0)).Id);
        await op.StepOkAsync(ids[0], "register");
        await using (var conn = await browser.Server.Db.OpenConnectionAsync())
        {
            await using var cmd = new Npgsql.NpgsqlCommand(
                "update cases set created_at = timestamptz '2019-04-10 09:00+08', registered_at = case when registered_at is not null then timestamptz '2019-04-10 10:00+08' end where id = any(@Ids)", conn);
            cmd.Parameters.AddWithValue("Ids", ids.ToArray());
            Assert.Equal(2, await cmd.ExecuteNonQueryAsync());
        }
        var published = await supervisor.Client.PostAsJsonAsync($"/api/evaluation/{month}/publish", new { });
        Assert.True(published.IsSuccessStatusCode, await published.Content.ReadAsStringAsync());

        var page = await browser.NewPageAsync();
        await new LoginPage(page).GotoAsync($"/figures/published?month={month}&group=cell");
        await new LoginPage(page).SignInAsync(supervisor.Username, TestPeople.Password);
        var figures = new FiguresPage(page);
        var row = figures.Row($"Test cell {world.Cells[0]}");
        await Assertions.Expect(await figures.CellAsync(row, "上报数")).ToHaveTextAsync("2");
        await Assertions.Expect(await figures.CellAsync(row, "立案率")).ToContainTextAsync("50.0%");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("figures-published-laptop"), FullPage = true });

        var xlsx = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "导出 Excel" }).ClickAsync());
        Assert.Equal($"indicators-{month}-v1-cell.xlsx", xlsx.SuggestedFilename);
        var sheet = MiniExcelLibs.MiniExcel.Query(await xlsx.PathAsync(), useHeaderRow: true, excelType: MiniExcelLibs.ExcelType.XLSX)
            .Cast<IDictionary<string, object>>().ToList();
        var cellRow = Assert.Single(sheet, r => (string)r["key"] == world.Cells[0]);
        Assert.Equal((2L, 1L), (Convert.ToInt64(cellRow["reports"]), Convert.ToInt64(cellRow["registered"])));

        // The registered number (1) leads to the one case registered, as published.
        await (await figures.CellAsync(row, "立案率")).GetByRole(AriaRole.Link, new() { Name = "1", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("立案");
        var rows = page.GetByRole(AriaRole.Table).Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync((await op.GetCaseAsync(ids[0])).CaseNo);
        var csv = await figures.ExportCsvAsync();
        Assert.Equal($"cases-{month}-v1-registered.csv", csv.SuggestedFilename);
        var lines = (await File.ReadAllLinesAsync((await csv.PathAsync())!)).Where(l => l.Length > 0).ToList();
        Assert.Equal([ids[0]], lines.Skip(1).Select(l => long.Parse(l.Split(',')[0])));
    }

    [Fact]
    public async Task The_header_counts_unread_inbox_items_and_the_inbox_marks_them_read()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        Assert.Equal(System.Net.HttpStatusCode.Created, (await op.Client.PostAsJsonAsync($"/api/cases/{c.Id}/supervise", new { note = "请尽快处置" })).StatusCode);

        var page = await browser.NewPageAsync(390, 844);
        await new LoginPage(page).GotoAsync("/inbox");
        await new LoginPage(page).SignInAsync(worker.Username, TestPeople.Password);
        var badge = page.GetByRole(AriaRole.Banner).GetByRole(AriaRole.Link, new() { Name = "待办消息" });
        await Assertions.Expect(badge).ToContainTextAsync("1");
        await Assertions.Expect(page.GetByText("“请尽快处置”")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("inbox-phone"), FullPage = true });

        // A click that lands before the Blazor circuit is up (a busy machine) hits the prerendered page and does
        // nothing, as it would for a person: click again until it takes, then expect the same outcome as before.
        var markRead = page.GetByRole(AriaRole.Button, new() { Name = $"将案件 {c.CaseNo} 的消息标为已读" });
        for (var attempt = 0; attempt < 15 && await markRead.CountAsync() > 0; attempt++)
        {
            try
            {
                await markRead.ClickAsync(new() { Timeout = 3000 });
                await Assertions.Expect(markRead).ToHaveCountAsync(0, new() { Timeout = 2000 });
            }
            catch (Exception e) when (e is PlaywrightException or TimeoutException) { }
        }
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "标为已读" })).ToHaveCountAsync(0);
        await Assertions.Expect(badge.Locator(".count")).ToHaveCountAsync(0);

        // A grid worker has no figures: the page says so.
        await page.GotoAsync("/figures");
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("督查领导");
    }
}
