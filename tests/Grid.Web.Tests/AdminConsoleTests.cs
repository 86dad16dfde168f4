using Grid.Domain.People;
using Grid.Server.Staff;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>Issue 11: the administrators' console in Chromium.</summary>
public sealed class AdminConsoleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private async Task<IPage> SignedInAsync(TestUser user, string path, string ready, int width = 1366, int height = 768)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(path)}");
        await new LoginPage(page).SignInAsync(user.Username, TestPeople.Password);
        // The page is interactive once its circuit loaded the data; a click on the prerendered page before that is lost.
        await Assertions.Expect(page.Locator($"{ready}[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        return page;
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        foreach (var (w, h) in new[] { (1920, 1080), (1366, 768), (390, 844) })
        {
            await page.SetViewportSizeAsync(w, h);
            await page.WaitForTimeoutAsync(300);
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath($"admin-{name}-{w}"), FullPage = true });
        }
        await page.SetViewportSizeAsync(1366, 768);
    }

    [Fact]
    public async Task An_administrator_imports_a_staff_xlsx_after_its_preview_refused_a_bad_row()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var head = $"head-{tag}";
        var page = await SignedInAsync(admin, "/admin/people", "section.people");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "人员管理" })).ToBeVisibleAsync();

        object?[] good = [head, "新网格长", "1" + Random.Shared.NextInt64(3_000_000_000, 9_999_999_999), "网格长", null, null, world.Cells[0], null];
        object?[] bad = [$"worker-{tag}", "<b>王五</b>", null, "网格员", null, null, "999999999999999", null];
        await page.GetByLabel("导入名单（xlsx / CSV）").SetInputFilesAsync(new FilePayload
        {
            Name = "staff.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = StaffSheet.Xlsx([good, bad]),
        });
        var summary = page.Locator("[data-import-summary]");
        await Assertions.Expect(summary).ToContainTextAsync("2 行中有 1 行有问题");
        await Assertions.Expect(page.Locator(".preview-table tr.bad")).ToContainTextAsync("Unknown cell code '999999999999999'");
        // The name from the file is text, not markup.
        await Assertions.Expect(page.Locator(".preview-table tr.bad")).ToContainTextAsync("<b>王五</b>");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "写入 2 人" })).ToBeDisabledAsync();
        await ShootAsync(page, "people-import-preview");

        await page.GetByLabel("导入名单（xlsx / CSV）").SetInputFilesAsync(new FilePayload
        {
            Name = "staff.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = StaffSheet.Xlsx([good]),
        });
        await Assertions.Expect(summary).ToContainTextAsync("1 行全部无误");
        await page.GetByRole(AriaRole.Button, new() { Name = "写入 1 人" }).ClickAsync();
        await Assertions.Expect(page.Locator("#people-status")).ToContainTextAsync("已导入 1 人");
        await page.GetByLabel("搜索").FillAsync(head);
        var row = page.Locator("#people-rows tr", new() { HasText = head });
        await Assertions.Expect(row).ToContainTextAsync("网格长");
        await Assertions.Expect(row).ToContainTextAsync(world.Cells[0]);
        await Assertions.Expect(row).ToContainTextAsync("须改密码");

        await row.GetByRole(AriaRole.Button, new() { Name = $"编辑 {head}" }).ClickAsync();
        await page.GetByLabel("姓名").Last.FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-errors")).ToContainTextAsync("请填写姓名");
        await page.GetByLabel("搜索").FillAsync("");
        await ShootAsync(page, "people-edit");
    }
}
