using System.Globalization;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

public sealed class HotlineTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    private async Task<IPage> SignedInAsync(TestUser user, string path, int width = 1366, int height = 768, bool mayOpen = true)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(path)}");
        await new LoginPage(page).SignInAsync(user.Username, TestPeople.Password);
        if (path == "/hotline" && mayOpen)
        {
            // The form is interactive once its circuit has the categories and the map.
            await Assertions.Expect(page.Locator(".hotline[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        }
        return page;
    }

    /// <summary>Picks a category in the searchable picker: types its code, chooses it from the list.</summary>
    internal static async Task ChooseCategoryAsync(IPage page, string code)
    {
        await page.GetByLabel("问题小类").FillAsync(code);
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = code }).First.ClickAsync();
        // The choice is the server's once the field shows the whole option ("E0102 group / name"), not only the code
        // typed: a field left before that can lose the choice to the picker's blur, and the point is then checked
        // against no category.
        await Assertions.Expect(page.GetByLabel("问题小类")).ToHaveValueAsync(
            new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(code) + " .+ / \\S"));
    }

    [Fact]
    public async Task A_call_taker_sees_the_similar_open_case_escaped_saves_the_call_and_merges_it_on_the_duplicates_page()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var (lat, lon) = world.Inside(0);
        var hostile = "<img src=x onerror=\"document.title='pwned'\"> garbage by the gate";
        var existing = await TestWorld.ReadAsync<Grid.Server.Incidents.CaseView>(await worker.Client.PostAsJsonAsync("/api/cases",
            new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = hostile }), System.Net.HttpStatusCode.Created);
        var op = await world.PersonAsync([Role.Operator], []);

        var page = await SignedInAsync(op, "/hotline");
        var outside = new List<string>();
        page.Request += (_, r) => { if (!new Uri(r.Url).IsLoopback) outside.Add(r.Url); };
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "12345 热线受理" })).ToBeVisibleAsync();
        await page.GetByLabel("来电人姓名").FillAsync("张三");
        await page.GetByLabel("来电号码").FillAsync("13912341234");
        await ChooseCategoryAsync(page, TestCatalogue.LightEvent);
        await page.GetByLabel("纬度").FillAsync(F(lat));
        await page.GetByLabel("经度").FillAsync(F(lon));
        await page.GetByLabel("经度").DispatchEventAsync("change");
        var similar = page.Locator("#similar-list li");
        await Assertions.Expect(similar).ToHaveCountAsync(1);
        await Assertions.Expect(similar).ToContainTextAsync(existing.CaseNo);
        // The reporter's markup is shown as text, never run.
        await Assertions.Expect(similar).ToContainTextAsync("<img src=x");
        Assert.Equal(0, await page.Locator("#similar-list img").CountAsync());
        await page.GetByLabel("问题描述").FillAsync("来电反映校门口垃圾堆积");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("hotline-laptop"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "保存工单" }).ClickAsync();
        await Assertions.Expect(page.Locator(".hotline").GetByRole(AriaRole.Status).First).ToContainTextAsync("已保存，案件编号");
        // The form is cleared for the next call.
        await Assertions.Expect(page.GetByLabel("问题描述")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByLabel("来电人姓名")).ToHaveValueAsync("");
        Assert.NotEqual("pwned", await page.TitleAsync());

        await page.GetByRole(AriaRole.Link, new() { Name = "有 1 件疑似重复，去处理" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "疑似重复案件" })).ToBeVisibleAsync();
        // The page is interactive once its circuit follows the live feed; a click on the prerendered button before that is lost.
        await Assertions.Expect(page.Locator("section.duplicates[data-live=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        var row = page.Locator("#dup-rows tr", new() { HasText = existing.CaseNo });
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row).ToContainTextAsync("<img src=x");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("duplicates-laptop"), FullPage = true });
        await row.GetByRole(AriaRole.Button, new() { Name = "合并" }).ClickAsync();
        // The decision is confirmed in a dialog (a reason is optional for a merge).
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "确认 · 合并" }).ClickAsync();
        await Assertions.Expect(page.Locator("#dup-status")).ToContainTextAsync($"合并到 {existing.CaseNo}");
        await Assertions.Expect(page.Locator("#dup-rows tr", new() { HasText = existing.CaseNo })).ToHaveCountAsync(0);
        Assert.NotEqual("pwned", await page.TitleAsync());
        // No map tiles are configured in tests: nothing the hotline and duplicates pages loaded left the server.
        Assert.Empty(outside);
    }

    [Fact]
    public async Task An_administrator_issues_a_key_sees_it_once_and_revokes_it()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var page = await SignedInAsync(admin, "/api-keys");
        var name = "App " + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("客户端名称").FillAsync(name);
        await page.GetByLabel("每分钟限额").FillAsync("30");
        await page.GetByLabel("用途", new() { Exact = true }).SelectOptionAsync("hotline");
        await page.GetByRole(AriaRole.Button, new() { Name = "发放密钥" }).ClickAsync();
        await Assertions.Expect(page.Locator("#key-secret")).ToContainTextAsync("o311_");
        var row = page.Locator("#key-rows tr", new() { HasText = name });
        await Assertions.Expect(row).ToContainTextAsync("有效");
        // The key's scope is shown, and the administrator can widen or narrow it.
        var scope = row.GetByLabel($"用途 {name}");
        await Assertions.Expect(scope).ToHaveValueAsync("hotline");
        await scope.SelectOptionAsync("both");
        await Assertions.Expect(page.Locator("#key-status")).ToContainTextAsync("Open311 和热线");
        await Assertions.Expect(page.Locator("#key-rows tr", new() { HasText = name }).GetByLabel($"用途 {name}")).ToHaveValueAsync("both");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("apikeys-laptop"), FullPage = true });
        await row.GetByRole(AriaRole.Button, new() { Name = $"吊销 {name}" }).ClickAsync();
        await Assertions.Expect(page.Locator("#key-rows tr", new() { HasText = name })).ToContainTextAsync("已吊销");
    }

    [Fact]
    public async Task The_hotline_form_fits_a_small_screen_and_refuses_a_point_outside_the_city_plainly()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var op = await world.PersonAsync([Role.Operator], []);
        var page = await SignedInAsync(op, "/hotline", 390, 844);
        await ChooseCategoryAsync(page, TestCatalogue.LightEvent);
        await page.GetByLabel("纬度").FillAsync("45.0");
        await page.GetByLabel("经度").FillAsync("45.0");
        await page.GetByLabel("问题描述").FillAsync("x");
        await page.GetByRole(AriaRole.Button, new() { Name = "保存工单" }).ClickAsync();
        await Assertions.Expect(page.Locator(".hotline").GetByRole(AriaRole.Alert)).ToContainTextAsync("outside the city");
        // What the call taker typed is still there to correct.
        await Assertions.Expect(page.GetByLabel("问题描述")).ToHaveValueAsync("x");
        await Assertions.Expect(page.GetByLabel("纬度")).ToHaveValueAsync("45.0");
        var overflow = await page.EvaluateAsync<bool>("document.documentElement.scrollWidth > window.innerWidth");
        Assert.False(overflow, "The page scrolls sideways on a phone.");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("hotline-phone"), FullPage = true });
        // A grid worker has no hotline page.
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var other = await SignedInAsync(worker, "/hotline", 390, 844, mayOpen: false);
        Assert.DoesNotContain("/hotline", new Uri(other.Url).AbsolutePath);
    }

    [Fact]
    public async Task A_call_taker_places_an_address_only_open311_request_on_the_map()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var key = await Grid.Server.Tests.Intake.IntakeHelpers.IssueKeyAsync(world);
        var address = "Test lane " + Guid.NewGuid().ToString("N")[..6];
        var posted = await browser.Server.Anonymous().PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key, ["service_code"] = TestCatalogue.LightEvent, ["address_string"] = address, ["description"] = "<b>bold</b> trash",
        }));
        Assert.Equal(System.Net.HttpStatusCode.Created, posted.StatusCode);
        var op = await world.PersonAsync([Role.Operator], []);
        var page = await SignedInAsync(op, "/hotline");
        var item = page.Locator("#pending-list li", new() { HasText = address });
        await Assertions.Expect(item).ToContainTextAsync("<b>bold</b> trash");
        var (lat, lon) = world.Inside(3);
        await page.GetByLabel("纬度").FillAsync(F(lat));
        await page.GetByLabel("经度").FillAsync(F(lon));
        await page.GetByLabel("经度").DispatchEventAsync("change");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("hotline-pending-laptop"), FullPage = true });
        await item.GetByRole(AriaRole.Button).ClickAsync();
        await Assertions.Expect(page.Locator("#pending-status")).ToContainTextAsync("已定位");
        await Assertions.Expect(page.Locator("#pending-list li", new() { HasText = address })).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task A_call_saved_on_the_hotline_appears_on_an_operators_command_center_without_reload()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var taker = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var watcher = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);
        var cc = new CommandCenterPage(await browser.NewPageAsync(1920, 1080));
        await cc.OpenAsync(watcher.Username, TestPeople.Password);
        var reloads = 0;
        cc.Page.Load += (_, _) => reloads++;

        var page = await SignedInAsync(taker, "/hotline");
        var (lat, lon) = world.Inside(2);
        var text = "Hotline to command " + Guid.NewGuid().ToString("N")[..8];
        await page.GetByLabel("来电人姓名").FillAsync("王五");
        await ChooseCategoryAsync(page, TestCatalogue.LightEvent);
        await page.GetByLabel("纬度").FillAsync(F(lat));
        await page.GetByLabel("经度").FillAsync(F(lon));
        await page.GetByLabel("问题描述").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "保存工单" }).ClickAsync();
        var status = page.Locator(".hotline").GetByRole(AriaRole.Status).First;
        await Assertions.Expect(status).ToContainTextAsync("已保存，案件编号");
        var caseNo = System.Text.RegularExpressions.Regex.Match(await status.InnerTextAsync(), @"\d{14}").Value;

        await Assertions.Expect(cc.CaseButton(caseNo)).ToContainTextAsync("待受理", new() { Timeout = 3000 });
        await Assertions.Expect(cc.CaseMarker(caseNo)).ToHaveCountAsync(1);
        Assert.Equal(0, reloads);
        var stored = Assert.Single(await FieldHelpers.CasesInCellAsync(watcher, world.Cells[2]), c => c.Description == text);
        Assert.Equal("hotline", stored.Source);
    }
}
