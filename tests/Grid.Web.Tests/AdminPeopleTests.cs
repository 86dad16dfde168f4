using Grid.Domain.People;
using Grid.Server.Staff;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>Issue 11, people, posts and duty in Chromium.</summary>
public sealed class AdminPeopleTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
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
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 1, $"admin-{name} at {w}px is {overflow}px wider than the screen");
        }
        await page.SetViewportSizeAsync(1366, 768);
    }

    [Fact]
    public async Task An_administrator_imports_a_staff_xlsx_assigns_the_new_grid_head_on_the_posts_page_and_a_case_dispatched_there_goes_to_him()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var tag = Guid.NewGuid().ToString("N")[..6];
        var head = $"head-{tag}";
        var page = await SignedInAsync(admin, "/admin/people", "section.people");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "人员管理" })).ToBeVisibleAsync();

        object?[] good = [head, "新网格长", "1" + Random.Shared.NextInt64(3_000_000_000, 9_999_999_999), "网格长", null, null, null, null, null];
        object?[] bad = [$"worker-{tag}", "<b>王五</b>", null, "网格员", null, null, null, "999999999999999", null];
        // An existing person's row: the preview says what it would change of him.
        var existing = await world.PersonAsync(Role.Informant, world.Cells[1]);
        object?[] renamed = [existing.Username, "改名的信息员", null, "信息员", null, null, null, null, null];
        await page.GetByLabel("导入名单（xlsx / CSV）").SetInputFilesAsync(new FilePayload
        {
            Name = "staff.xlsx", MimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Buffer = StaffSheet.Xlsx([good, renamed, bad]),
        });
        var summary = page.Locator("[data-import-summary]");
        await Assertions.Expect(summary).ToContainTextAsync("3 行中有 1 行有问题");
        await Assertions.Expect(summary).ToContainTextAsync("新增 2 人，修改 1 人，无变化 0 人");
        await Assertions.Expect(page.Locator(".preview-table td.status.changed")).ToContainTextAsync($"name: {existing.Username} → 改名的信息员");
        await Assertions.Expect(page.Locator(".preview-table tr.bad")).ToContainTextAsync("Unknown cell code '999999999999999'");
        // The name from the file is text, not markup.
        await Assertions.Expect(page.Locator(".preview-table tr.bad")).ToContainTextAsync("<b>王五</b>");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "写入 3 人" })).ToBeDisabledAsync();
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
        await Assertions.Expect(row).ToContainTextAsync("须改密码");

        await row.GetByRole(AriaRole.Button, new() { Name = $"编辑 {head}" }).ClickAsync();
        await page.GetByLabel("姓名").Last.FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-errors")).ToContainTextAsync("请填写姓名");
        await page.GetByLabel("搜索").FillAsync("");
        await Assertions.Expect(page.Locator(".field-errors")).ToContainTextAsync("请填写姓名");
        await ShootAsync(page, "people-edit");

        // The cell has no grid head: flagged on the posts page; the administrator gives the post to the imported person.
        var cell = world.Cells[0];
        await page.GotoAsync("/admin/posts");
        await Assertions.Expect(page.Locator("section.posts[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        await page.GetByLabel("查找网格或人员").FillAsync(cell);
        await Assertions.Expect(page.GetByText("显示 1 个网格")).ToBeVisibleAsync();
        var cellRow = page.Locator($"#post-rows tr[data-cell='{cell}']");
        await Assertions.Expect(cellRow.Locator("[data-no-grid-head]")).ToBeVisibleAsync();
        // The map fits every cell of the (shared) test database, and test worlds lie far apart, so in a full run each
        // cell is drawn smaller than a pixel: what is asserted is that the cells are drawn (in the DOM), not their size.
        await Assertions.Expect(page.Locator(".posts-map path.leaflet-interactive").First).ToBeAttachedAsync();
        await page.GetByLabel("查找网格或人员").FillAsync("");
        await ShootAsync(page, "posts");
        await page.GetByLabel("查找网格或人员").FillAsync(cell);
        // The list is re-rendered for the search; a click on a row of the list before that would go to a replaced handler.
        await Assertions.Expect(page.GetByText("显示 1 个网格")).ToBeVisibleAsync();
        await cellRow.GetByRole(AriaRole.Button, new() { Name = $"更换 {cell} 的网格长" }).ClickAsync();
        await page.GetByRole(AriaRole.Combobox, new() { Name = "人员" }).SelectOptionAsync(new SelectOptionValue { Label = $"新网格长 ({head}) · 已任 0 个岗位" });
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator("#posts-status")).ToContainTextAsync("网格长设为 新网格长");
        await Assertions.Expect(cellRow.Locator("[data-no-grid-head]")).ToHaveCountAsync(0);

        // A case in that cell, with no grid worker there, is dispatched to the new grid head.
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var report = await world.ReportAsync(op, 0);
        await op.StepOkAsync(report.Id, "register");
        var dispatched = await op.StepOkAsync(report.Id, "dispatch");
        var newHead = await browser.Server.Db.OpenConnectionAsync();
        await using (newHead)
        {
            var headId = await Dapper.SqlMapper.ExecuteScalarAsync<Guid>(newHead, "select id from people where username = @U", new { U = head });
            Assert.Equal(headId, dispatched.AssigneeId);
        }
    }

    /// <summary>The duty page's form: the person (by the option's label) on duty from an hour ago for eight hours, saved.</summary>
    private static async Task AddShiftFromAnHourAgoAsync(IPage page, string person)
    {
        await page.GetByRole(AriaRole.Combobox, new() { Name = "人员" }).SelectOptionAsync(new SelectOptionValue { Label = person });
        var now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(8));
        await page.Locator("#duty-start").FillAsync(now.AddHours(-1).ToString("yyyy-MM-ddTHH:mm"));
        await page.Locator("#duty-end").FillAsync(now.AddHours(7).ToString("yyyy-MM-ddTHH:mm"));
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
    }

    [Fact]
    public async Task An_administrator_puts_a_post_holder_on_a_shift_and_the_roster_shows_him_on_duty_now()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var page = await SignedInAsync(admin, "/admin/duty", "section.duty");
        await page.GetByLabel("查找网格或人员").FillAsync(world.Cells[0]);
        await Assertions.Expect(page.Locator("[data-roster-state]")).ToContainTextAsync("尚无排班");
        await AddShiftFromAnHourAgoAsync(page, $"{worker.Username} · 网格员");
        await Assertions.Expect(page.Locator("[data-roster-state]")).ToContainTextAsync("按排班派遣");
        await Assertions.Expect(page.Locator("#duty-rows tr")).ToContainTextAsync(worker.Username);
        await Assertions.Expect(page.Locator(".duty-posts li", new() { HasText = worker.Username })).ToContainTextAsync("当前在班");
        await ShootAsync(page, "duty");
    }

    [Fact]
    public async Task An_administrator_puts_a_units_staff_member_on_duty_and_the_roster_and_the_dispatch_suggestion_name_him()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var (unit, category) = await Grid.Server.Tests.Units.UnitDutyTests.UnitWithCategoryAsync(browser.Server, admin);
        var member = await world.PersonAsync([Role.UnitStaff], [], unit: unit);
        var page = await SignedInAsync(admin, "/admin/duty", "section.duty");
        await page.Locator("#duty-of").SelectOptionAsync("unit");
        var units = page.Locator("#duty-unit");
        await Assertions.Expect(units.Locator($"option[value='{unit}']")).ToBeAttachedAsync();
        await units.SelectOptionAsync(unit);
        await Assertions.Expect(page.Locator("[data-roster-state]")).ToContainTextAsync("此单位尚无排班");
        await Assertions.Expect(page.Locator(".duty-posts li", new() { HasText = member.Username })).ToContainTextAsync("当前不在班");

        await AddShiftFromAnHourAgoAsync(page, $"{member.Username} · 责任单位人员");
        await Assertions.Expect(page.Locator("[data-roster-state]")).ToContainTextAsync("此单位按排班派遣");
        await Assertions.Expect(page.Locator("#duty-rows tr")).ToContainTextAsync(member.Username);
        await Assertions.Expect(page.Locator(".duty-posts li", new() { HasText = member.Username })).ToContainTextAsync("当前在班");
        await page.Locator(".mud-snackbar button").EvaluateAllAsync<int>("els => { els.forEach(e => e.click()); return els.length; }");
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0);
        await ShootAsync(page, "duty-unit");

        // A case of the unit's category in a cell without posts: the suggestion names him, by the unit's roster.
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var report = await world.ReportAsync(op, 5, category);
        await op.StepOkAsync(report.Id, "register");
        var suggestion = await TestWorld.ReadAsync<Grid.Server.Incidents.DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{report.Id}/dispatch-suggestion"));
        Assert.Equal((unit, (Guid?)member.Id), (suggestion.UnitId, suggestion.AssigneeId));
        Assert.Contains($"by the duty roster of the responsible unit {unit}", suggestion.Rule);
    }
}
