using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Citizens;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>The citizen page (/r) and its tracking page on an emulated phone, without any account.</summary>
public sealed class CitizenPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Kind = "测试暴露垃圾";

    private async Task<IPage> PhoneAsync((double Lat, double Lon) gps)
    {
        var page = await browser.NewPageAsync(390, 844, new BrowserNewContextOptions
        {
            HasTouch = true, IsMobile = true,
            Geolocation = new Geolocation { Latitude = (float)gps.Lat, Longitude = (float)gps.Lon, Accuracy = 15 },
            Permissions = ["geolocation"],
        });
        page.Context.SetDefaultTimeout(15000);
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        page.PageError += (_, e) => Console.WriteLine($"[page error] {e}");
        return page;
    }

    private static async Task ChooseKindAsync(IPage page)
    {
        await page.GetByLabel("搜索问题类型，如 垃圾、井盖").FillAsync(Kind);
        await page.Locator("#kinds label.kind", new() { HasText = Kind }).First.ClickAsync();
        await Assertions.Expect(page.Locator("#kinds label.kind.chosen")).ToContainTextAsync(Kind);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var height = await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight");
        if (height > 844) await page.SetViewportSizeAsync(390, height);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath(name) });
        if (height > 844) await page.SetViewportSizeAsync(390, 844);
    }

    private static async Task<string> CodeOfDoneLinkAsync(IPage page)
    {
        await Assertions.Expect(page.Locator("#citizen-done")).ToBeVisibleAsync();
        var href = await page.Locator("#done-link").GetAttributeAsync("href");
        Assert.Matches("^/r/t/[0-9a-f]{32}$", href);
        return href!["/r/t/".Length..];
    }

    [Fact]
    public async Task A_citizen_reports_follows_the_link_answers_not_solved_and_a_second_citizens_plus_one_joins_the_case()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var gps = world.Inside(0, 0.4, 0.5);
        var page = await PhoneAsync(gps);
        await page.GotoAsync("/r");
        await Assertions.Expect(page.Locator("#gps-status")).ToContainTextAsync("15 米");
        // The kinds of problem each have a picture, and the search narrows them by name or English keyword.
        var kinds = page.Locator("#kinds label.kind");
        await Assertions.Expect(kinds.First).ToBeVisibleAsync();
        var all = await kinds.CountAsync();
        Assert.True(all > 1, $"{all} kinds offered");
        await Assertions.Expect(page.Locator("#kinds label.kind:not(:has(svg))")).ToHaveCountAsync(0);
        var search = page.GetByLabel("搜索问题类型，如 垃圾、井盖");
        await search.FillAsync("exposed garbage");
        await Assertions.Expect(kinds.Filter(new() { HasText = Kind })).ToHaveCountAsync(1);
        Assert.True(await kinds.CountAsync() < all);
        await search.FillAsync("zzz-no-such-kind");
        await Assertions.Expect(kinds).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#kinds")).ToContainTextAsync("没有找到这类问题");
        await ChooseKindAsync(page);
        // The pin moves where the citizen taps on the map.
        var map = await page.Locator("#citizen-map").BoundingBoxAsync();
        await page.Mouse.ClickAsync(map!.X + map.Width / 2 + 20, map.Y + map.Height / 2 - 10);
        await Assertions.Expect(page.Locator("#gps-status")).ToContainTextAsync("图钉位置");
        // The map may have no base map: the page says in words where the pin is.
        await Assertions.Expect(page.Locator("#place")).ToHaveTextAsync("位于 Test street · Test community");
        // Four photos chosen from the gallery: the page keeps three (the limit) and offers no more.
        var gallery = page.Locator("#citizen-photos input[type=file]:not([capture])");
        await gallery.SetInputFilesAsync(
        [
            new FilePayload { Name = "photo.jpg", MimeType = "image/jpeg", Buffer = await FieldApp.CanvasJpegAsync(page, 3000, 2000, "pile") },
            new FilePayload { Name = "b.jpg", MimeType = "image/jpeg", Buffer = await FieldApp.CanvasJpegAsync(page, 800, 600, "b") },
            new FilePayload { Name = "c.jpg", MimeType = "image/jpeg", Buffer = await FieldApp.CanvasJpegAsync(page, 800, 600, "c") },
            new FilePayload { Name = "d.jpg", MimeType = "image/jpeg", Buffer = await FieldApp.CanvasJpegAsync(page, 800, 600, "d") },
        ]);
        await Assertions.Expect(page.Locator("#citizen-photos .photo-previews img")).ToHaveCountAsync(3);
        await Assertions.Expect(gallery).ToBeDisabledAsync();
        var text = "Rubbish by the north gate " + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("4 问题描述").FillAsync(text);
        await page.GetByLabel("称呼").FillAsync("王女士");
        await page.GetByLabel("手机号").FillAsync("13811112222");
        await Assertions.Expect(page.Locator(".privacy")).ToContainTextAsync("不会出现在任何公开页面上");
        await ScreenshotAsync(page, "citizen-report");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        var code = await CodeOfDoneLinkAsync(page);
        await Assertions.Expect(page.Locator("#mine-list")).ToContainTextAsync(Kind);
        await ScreenshotAsync(page, "citizen-done");

        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var cases = await FieldHelpers.CasesInCellAsync(op, world.Cells[0]);
        var reported = Assert.Single(cases, c => c.Description == text);
        Assert.Equal("open311", reported.Source);
        Assert.Equal("13811112222", reported.ReporterPhone);
        Assert.NotEqual(gps.Lon, reported.Lon, 6);
        var full = await op.GetCaseAsync(reported.Id);
        var sent = Assert.Single(full.History!, h => h.Action == "add_photos").Evidence.EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(3, sent.Count);
        var widths = new List<int>();
        foreach (var p in sent) widths.Add(FieldHelpers.JpegSize(await op.Client.GetByteArrayAsync("/api/photos/" + p["photo:".Length..])).Width);
        // The 3000 px photo was shrunk on the phone to about 1600 px.
        Assert.Contains(1600, widths);
        Assert.All(widths, w => Assert.True(w <= 1600, $"{w} px"));

        // In the command center (a laptop) the operator registers it with a public note, orders supervision with an
        // internal note, and publishes the citizen's photo as "before".
        var cc = new CommandCenterPage(await browser.NewPageAsync());
        await cc.OpenAsync(op.Username, TestPeople.Password, $"/command?case={reported.Id}");
        await cc.ActionButton("立案").ClickAsync();
        var register = cc.ActionForm("立案");
        await register.GetByLabel("公开答复").FillAsync("已受理，环卫工人今天下午清运。");
        await register.GetByRole(AriaRole.Button, new() { Name = "确认 · 立案" }).ClickAsync();
        await Assertions.Expect(cc.Detail).ToContainTextAsync("公开答复：已受理，环卫工人今天下午清运。");
        await cc.ActionButton("督办").ClickAsync();
        var supervise = cc.ActionForm("督办");
        await Assertions.Expect(supervise.GetByLabel("公开答复")).ToHaveCountAsync(0);
        await supervise.GetByRole(AriaRole.Textbox).FillAsync("INTERNAL: same corner as last week");
        await supervise.GetByRole(AriaRole.Button, new() { Name = "确认 · 督办" }).ClickAsync();
        await Assertions.Expect(cc.Detail).ToContainTextAsync("INTERNAL: same corner as last week");
        await cc.Detail.GetByRole(AriaRole.Button, new() { Name = "公开为处理前" }).First.ClickAsync();
        await Assertions.Expect(cc.Detail.GetByRole(AriaRole.Status)).ToContainTextAsync("照片已公开到市民查询页。");
        await cc.Page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("command-citizen-case") });
        await cc.Page.Context.CloseAsync();
        Assert.Contains((await op.GetCaseAsync(reported.Id)).History!, h => h.Action == "register" && h.PublicNote == "已受理，环卫工人今天下午清运。");

        await page.Locator("#done-link").ClickAsync();
        await Assertions.Expect(page.Locator("#track-state")).ToHaveTextAsync("已受理，正在安排处理单位");
        await Assertions.Expect(page.Locator("#track-notes")).ToContainTextAsync("环卫工人今天下午清运");
        await Assertions.Expect(page.Locator("#track-photos img")).ToHaveCountAsync(1);
        Assert.DoesNotContain("INTERNAL", await page.ContentAsync());
        Assert.DoesNotContain("13811112222", await page.ContentAsync());
        await ScreenshotAsync(page, "citizen-track");

        await CitizenHelpers.CloseAsync(world, reported.Id, publicNote: "已清运完毕。", registered: true);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#track-state")).ToHaveTextAsync("已办结");
        await Assertions.Expect(page.Locator("#followup-form")).ToBeVisibleAsync();
        await page.GetByLabel("没有解决").CheckAsync();
        await page.GetByLabel("不满意").CheckAsync();
        await page.GetByLabel("补充说明").FillAsync("Only half was taken away");
        await ScreenshotAsync(page, "citizen-followup");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交回访" }).ClickAsync();
        await Assertions.Expect(page.Locator("#followup-done")).ToHaveTextAsync("您反映问题没有解决，案件已重新受理。");
        await Assertions.Expect(page.Locator("#track-state")).ToHaveTextAsync("已受理，正在安排处理单位");
        var reopened = await op.GetCaseAsync(reported.Id);
        Assert.Equal("registered", reopened.State);
        Assert.Contains("Only half was taken away", reopened.History!.Last(h => h.Action == "reopen").Reason);
        // The note the system wrote for the citizen reads in the page's language (stored in both).
        await Assertions.Expect(page.Locator("#track-notes")).ToContainTextAsync("您反映问题未解决，已重新受理。");
        await Assertions.Expect(page.Locator("#track-notes")).Not.ToContainTextAsync("You said");
        await page.GotoAsync($"/culture?c=en&returnUrl={Uri.EscapeDataString(new Uri(page.Url).PathAndQuery)}");
        await Assertions.Expect(page.Locator("#track-notes")).ToContainTextAsync("You said the problem is not solved: the case has been reopened.");
        await Assertions.Expect(page.Locator("#track-notes")).Not.ToContainTextAsync("您反映");

        // A second citizen at the same spot sees the open case and says "this is my problem too".
        var second = await PhoneAsync(world.Inside(0, 0.45, 0.5));
        await second.GotoAsync("/r");
        await ChooseKindAsync(second);
        await Assertions.Expect(second.Locator("#nearby-list li")).ToContainTextAsync(text);
        Assert.DoesNotContain("王女士", await second.ContentAsync());
        await ScreenshotAsync(second, "citizen-nearby");
        await second.Locator("#nearby-list li", new() { HasText = text }).GetByRole(AriaRole.Button, new() { Name = "这也是我的问题 +1" }).ClickAsync();
        var secondCode = await CodeOfDoneLinkAsync(second);
        Assert.NotEqual(code, secondCode);
        await second.Locator("#done-link").ClickAsync();
        await Assertions.Expect(second.Locator("#track-supporter")).ToBeVisibleAsync();
        await Assertions.Expect(second.Locator("#track-meta")).ToContainTextAsync(reported.CaseNo);
        Assert.Single(await FieldHelpers.CasesInCellAsync(op, world.Cells[0]), c => c.Description == text);
        Assert.Contains((await op.GetCaseAsync(reported.Id)).History!, h => h.Action == "support");
    }

    [Fact]
    public async Task A_report_made_offline_is_sent_once_when_the_network_returns_even_if_an_answer_is_lost()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var page = await PhoneAsync(world.Inside(1));
        await page.GotoAsync("/r");
        await page.WaitForFunctionAsync("() => !!navigator.serviceWorker.controller", null, new() { Timeout = 20000 });
        await Assertions.Expect(page.Locator("#kinds label.kind").First).ToBeVisibleAsync();
        // Installable: a manifest the browser can read.
        var manifest = await page.EvaluateAsync<string>("async () => (await (await fetch('/r/manifest.webmanifest')).json()).start_url");
        Assert.Equal("/r", manifest);

        await page.Context.SetOfflineAsync(true);
        await page.ReloadAsync();
        await ChooseKindAsync(page);
        var text = "Offline citizen report " + Guid.NewGuid().ToString("N")[..6];
        await page.GetByLabel("4 问题描述").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await CodeOfDoneLinkAsync(page);
        await Assertions.Expect(page.Locator("#done-queued")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#mine-list")).ToContainTextAsync("等待联网发送");
        await ScreenshotAsync(page, "citizen-offline");

        var lost = 0;
        await page.Context.RouteAsync("**/open311/v2/requests.json", async route =>
        {
            if (route.Request.Method == "POST" && Interlocked.Increment(ref lost) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync();
            }
            else await route.ContinueAsync();
        });
        await page.Context.SetOfflineAsync(false);
        await page.EvaluateAsync("() => window.dispatchEvent(new Event('online'))");
        // The first answer is lost; the page tries again by itself a few seconds later, with the same code.
        await Assertions.Expect(page.Locator("#done-queued")).ToBeHiddenAsync(new() { Timeout = 30000 });
        await Assertions.Expect(page.Locator("#mine-list a")).ToHaveCountAsync(1);

        Assert.Equal(2, lost);
        await using var conn = await browser.Server.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from cases where description = @Text", new { Text = text }));
    }

    /// <summary>
    /// The citizen and phone pages fill their sentences' {0}, {1} with what they are given as written: "$&" is not a
    /// replacement pattern, and a "{1}" in the first value is not filled with the second. Red with string replacements
    /// one after the other.
    /// </summary>
    [Theory]
    [InlineData("citizen")]
    [InlineData("field")]
    public async Task The_pages_sentences_take_their_values_as_written(string app)
    {
        var page = await PhoneAsync((30, 120));
        await page.GotoAsync("/r");
        var filled = await page.EvaluateAsync<string>(
            "async ([app, a, b]) => (await import('/_content/Grid.Web/js/' + app + '/common.js')).t('《{0}》 {1} {0} {2}', a, b)",
            new object[] { app, "$& {1} $'", "B" });
        Assert.Equal("《$& {1} $'》 B $& {1} $' {2}", filled);
    }

    /// <summary>
    /// A refusal the server keys reads in the citizen page's language: the tracking page's own reading of the answer
    /// to a follow-up sent while the case is still open.
    /// </summary>
    [Fact]
    public async Task A_keyed_refusal_reads_in_the_citizen_pages_language()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var client = browser.Server.Anonymous();
        var (lat, lon) = world.Inside(0);
        var filed = await Grid.Server.Tests.Citizens.CitizenHelpers.ReportAsync(browser.Server, client,
            await Grid.Server.Tests.Citizens.CitizenHelpers.PageKeyAsync(client), lat, lon);
        var page = await PhoneAsync((lat, lon));
        await page.GotoAsync($"/r/t/{filed.Code}");
        var said = await page.EvaluateAsync<string>("""
            async (code) => {
              const m = await import('/_content/Grid.Web/js/citizen/common.js');
              const res = await fetch(`/api/citizen/track/${code}/followup`, {
                method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ solved: true, satisfaction: 'satisfied' }) });
              return `${res.status} ${await m.problemText(res)}`;
            }
            """, filed.Code);
        Assert.Equal("409 这个案件现在没有办结，暂时不需要评价；跟踪页面显示办理进展。", said);
    }

    [Fact]
    public async Task Only_the_kinds_of_problem_the_city_opens_to_citizens_are_offered()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("citizenkinds"), settings: new Dictionary<string, string?>
        {
            ["Grid:Citizens:Categories:0"] = TestCatalogue.Component, ["Grid:Escalation:Enabled"] = "false",
        });
        var world = await TestWorld.CreateAsync(server);
        var page = await browser.NewPageAsync(390, 844, new BrowserNewContextOptions
        {
            BaseURL = server.BaseAddress.ToString(), IsMobile = true, HasTouch = true,
            Geolocation = new Geolocation { Latitude = (float)world.Inside(0).Lat, Longitude = (float)world.Inside(0).Lon, Accuracy = 15 },
            Permissions = ["geolocation"],
        });
        await page.GotoAsync("/r");
        var kinds = page.Locator("#kinds label.kind");
        await Assertions.Expect(kinds).ToHaveCountAsync(1);
        await Assertions.Expect(kinds).ToContainTextAsync("测试井盖");
        await page.GetByLabel("搜索问题类型，如 垃圾、井盖").FillAsync(Kind);
        await Assertions.Expect(kinds).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Chromium_finds_the_citizen_page_and_its_tracking_page_installable()
    {
        await using var phone = await FieldInstallTests.InstallablePhone.OpenAsync(browser);
        var (page, cdp) = (phone.Page, phone.Cdp);
        // The sign-in page has no manifest: the same question answers "not installable" there.
        await page.GotoAsync("/login");
        Assert.Contains("no-manifest", await FieldInstallTests.InstallabilityErrorsAsync(cdp));
        await page.GotoAsync("/r");
        await Assertions.Expect(page.Locator("#kinds label.kind").First).ToBeVisibleAsync();
        Assert.Empty(await FieldInstallTests.InstallabilityErrorsAsync(cdp));
        await page.GotoAsync("/r/t/" + new string('0', 32));
        await Assertions.Expect(page.Locator("#track-status")).ToHaveTextAsync("没有找到这个上报。请检查链接是否完整。");
        Assert.Empty(await FieldInstallTests.InstallabilityErrorsAsync(cdp));
    }

    [Fact]
    public async Task A_report_marked_as_spam_in_the_command_center_disappears_from_the_citizen_pages()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var gps = world.Inside(3);
        var citizen = browser.Server.Anonymous();
        var filed = await CitizenHelpers.ReportAsync(browser.Server, citizen, await CitizenHelpers.PageKeyAsync(citizen), gps.Lat, gps.Lon);
        var phone = await PhoneAsync(gps);
        await phone.GotoAsync($"/r/t/{filed.Code}");
        await Assertions.Expect(phone.Locator("#track-state")).ToHaveTextAsync("已收到，等待受理");
        var other = await PhoneAsync(gps);
        await other.GotoAsync("/r");
        await ChooseKindAsync(other);
        await Assertions.Expect(other.Locator("#nearby-list li")).ToContainTextAsync("Garbage by the gate");

        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var cc = new CommandCenterPage(await browser.NewPageAsync());
        await cc.OpenAsync(op.Username, TestPeople.Password, $"/command?case={filed.CaseId}");
        await cc.ActionButton("标记为垃圾信息").ClickAsync();
        var form = cc.ActionForm("标记为垃圾信息");
        await Assertions.Expect(form.GetByLabel("公开答复")).ToHaveCountAsync(0);
        await form.GetByRole(AriaRole.Textbox).FillAsync("Advertising for a moving company");
        await form.GetByRole(AriaRole.Button, new() { Name = "确认 · 标记为垃圾信息" }).ClickAsync();
        await Assertions.Expect(cc.Detail.GetByRole(AriaRole.Heading)).ToContainTextAsync("已作废");
        await Assertions.Expect(cc.Detail).ToContainTextAsync("Advertising for a moving company");

        // The citizen's own link now answers like an unknown one; the case is gone from "nearby".
        await phone.ReloadAsync();
        await Assertions.Expect(phone.Locator("#track-status")).ToHaveTextAsync("没有找到这个上报。请检查链接是否完整。");
        await Assertions.Expect(phone.Locator("#track-body")).ToBeHiddenAsync();
        await other.ReloadAsync();
        var nearby = other.WaitForResponseAsync(r => r.Url.Contains("/api/citizen/nearby"));
        await ChooseKindAsync(other);
        await nearby;
        await Assertions.Expect(other.Locator("#nearby")).ToBeHiddenAsync();
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await citizen.GetAsync($"/open311/v2/requests/{filed.CaseNo}.json")).StatusCode);
    }

    [Fact]
    public async Task A_call_taker_phones_the_caller_and_records_not_solved_on_the_follow_up_list()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var (lat, lon) = world.Inside(2);
        var call = await op.Client.PostAsJsonAsync("/api/cases", new
        {
            lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Caller: bins overflowing", source = "hotline",
            reporterName = "钱七", reporterPhone = "13600005555",
        });
        var reported = await TestWorld.ReadAsync<Grid.Server.Incidents.CaseView>(call, System.Net.HttpStatusCode.Created);
        await CitizenHelpers.CloseAsync(world, reported.Id, cell: 2);

        var page = await browser.NewPageAsync();
        var login = new LoginPage(page);
        await login.GotoAsync("/followups");
        await login.SignInAsync(op.Username, TestPeople.Password);
        var row = page.Locator("#followups tbody tr", new() { HasText = reported.CaseNo });
        await Assertions.Expect(row).ToContainTextAsync("13600005555");
        await row.GetByLabel("没有解决").CheckAsync();
        await row.GetByLabel("不满意").CheckAsync();
        await row.GetByRole(AriaRole.Textbox).FillAsync("<img src=x onerror=alert(1)> still full");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("followups-laptop"), FullPage = true });
        await row.GetByRole(AriaRole.Button, new() { Name = "记录答复" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("已记录：没有解决");
        await Assertions.Expect(row).ToContainTextAsync("案件已重新受理");

        var after = await op.GetCaseAsync(reported.Id);
        Assert.Equal("registered", after.State);
        Assert.Contains("<img src=x onerror=alert(1)> still full", after.History!.Last(h => h.Action == "reopen").Reason);
        Assert.Contains(after.History!, h => h.Action == "followup" && h.ActorId == op.Id);
    }
}
