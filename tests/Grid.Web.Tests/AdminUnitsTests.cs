using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>Issue 11, responsible units and their staff in Chromium.</summary>
public sealed class AdminUnitsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static async Task ShootAsync(IPage page, string name)
    {
        foreach (var (w, h) in new[] { (1920, 1080), (1366, 768), (390, 844) })
        {
            await page.SetViewportSizeAsync(w, h);
            await page.WaitForTimeoutAsync(400);
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath($"admin-{name}-{w}"), FullPage = true });
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 1, $"/admin/units at {w}px is {overflow}px wider than the screen");
        }
        await page.SetViewportSizeAsync(1366, 768);
    }

    [Fact]
    public async Task An_administrator_creates_a_unit_after_a_refusal_gives_it_staff_and_a_stale_edit_shows_what_changed()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var other = await world.PersonAsync([Role.Admin], []);
        var member = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var id = "pw_" + Guid.NewGuid().ToString("N")[..8];
        var page = await browser.NewPageAsync(1366, 768);
        await page.GotoAsync("/login?returnUrl=%2Fadmin%2Funits");
        await new LoginPage(page).SignInAsync(admin.Username, TestPeople.Password);
        await Assertions.Expect(page.Locator("section.units[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });

        await page.GetByRole(AriaRole.Button, new() { Name = "新增责任单位" }).First.ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator(".field-errors")).ToContainTextAsync("请填写编号");
        await Assertions.Expect(page.Locator(".field-errors")).ToContainTextAsync("请填写单位名称");

        await page.Locator("#uf-id").FillAsync(id);
        await page.Locator("#uf-name").FillAsync("浏览器测试环卫所" + id);
        await page.Locator("#uf-phone").FillAsync("0510-82720000");
        await page.Locator("#uf-street").SelectOptionAsync(world.Street);
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        await Assertions.Expect(page.Locator("#units-status")).ToContainTextAsync("已新增 浏览器测试环卫所" + id);
        var row = page.Locator("#unit-rows tr", new() { HasText = id });
        // The street by its name, its code as the second line.
        await Assertions.Expect(row.Locator("td[data-label='所属']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex($"^\\s*Test street\\s*{world.Street}\\s*$"));

        await row.GetByRole(AriaRole.Button, new() { Name = $"单位 {id} 的人员" }).ClickAsync();
        await Assertions.Expect(page.Locator("#unit-members")).ToContainTextAsync("本单位还没有人员");
        await page.Locator("#unit-find").FillAsync(member.Username);
        await Assertions.Expect(page.Locator("#unit-candidate option", new() { HasText = member.Username })).ToBeAttachedAsync();
        await page.Locator("#unit-candidate").SelectOptionAsync(member.Id.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = "加入本单位" }).Last.ClickAsync();
        await Assertions.Expect(page.Locator("#unit-members")).ToContainTextAsync(member.Username);
        await Assertions.Expect(row.Locator("td[data-label='人员数']")).ToHaveTextAsync("1");

        // Another administrator renames the unit while this one edits it: the save loses and says what changed.
        await row.GetByRole(AriaRole.Button, new() { Name = $"编辑单位 {id}" }).ClickAsync();
        var renamed = await other.Client.PutAsJsonAsync($"/api/admin/units/{id}",
            new { nameZh = "已被改名" + id, phone = "0510-82729999", streetCode = world.Street, version = 1 });
        Assert.True(renamed.IsSuccessStatusCode, await renamed.Content.ReadAsStringAsync());
        await page.Locator("#uf-phone").FillAsync("0510-82721111");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存" }).ClickAsync();
        var conflict = page.Locator("[data-conflict]");
        await Assertions.Expect(conflict).ToContainTextAsync("version 1 is now 2");
        await Assertions.Expect(conflict).ToContainTextAsync($"name is now '已被改名{id}'");
        await Assertions.Expect(page.Locator("#uf-name")).ToHaveValueAsync("已被改名" + id);
        // The snackbars of the earlier saves would cover the form in the pictures.
        await page.Locator(".mud-snackbar button").EvaluateAllAsync<int>("els => { els.forEach(e => e.click()); return els.length; }");
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToHaveCountAsync(0);
        await ShootAsync(page, "units");

        var stored = await TestWorld.ReadAsync<UnitDetail>(await admin.Client.GetAsync($"/api/admin/units/{id}"));
        Assert.Equal(("0510-82729999", 2), (stored.Unit.Phone, stored.Unit.Version));
        Assert.Equal([member.Id], stored.Members.Select(m => m.Id));
    }
}
