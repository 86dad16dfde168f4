using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>The field app as a phone app: installable, every task readable offline, updates that wait
/// for the person, and times in the page's language.</summary>
public sealed class FieldInstallTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] FieldPages = ["/m", "/m/report", "/m/patrol"];

    [Fact]
    public async Task The_manifest_is_served_valid_and_linked_from_every_field_page()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0));
        var page = app.Page;

        string? href = null;
        foreach (var path in FieldPages.Append($"/m/cases/{c.Id}"))
        {
            await page.GotoAsync(path);
            var link = page.Locator("link[rel=manifest]");
            await Assertions.Expect(link).ToHaveCountAsync(1);
            var h = await link.EvaluateAsync<string>("l => l.href");   // as the browser resolves it (<base href="/">)
            href ??= h;
            Assert.Equal(href, h);
        }
        var manifestUrl = new Uri(href!);

        // Browsers fetch the manifest and its icons without the sign-in cookie.
        using var anonymous = browser.Server.Anonymous();
        var response = await anonymous.GetAsync(manifestUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/manifest+json", response.Content.Headers.ContentType?.MediaType);
        var m = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", m.GetProperty("name").GetString());
        var shortName = m.GetProperty("short_name").GetString()!;
        Assert.Matches(@"^\p{IsCJKUnifiedIdeographs}+$", shortName);
        Assert.InRange(shortName.Length, 2, 6);   // fits under a home-screen icon
        Assert.Equal("zh-CN", m.GetProperty("lang").GetString());
        Assert.Equal("/m", m.GetProperty("start_url").GetString());
        Assert.Equal("/m", m.GetProperty("scope").GetString());
        Assert.Equal("/m", m.GetProperty("id").GetString());
        Assert.Equal("standalone", m.GetProperty("display").GetString());
        Assert.Equal(await page.Locator("meta[name=theme-color]").GetAttributeAsync("content"), m.GetProperty("theme_color").GetString());

        var icons = m.GetProperty("icons").EnumerateArray().ToList();
        foreach (var icon in icons)
        {
            var src = new Uri(manifestUrl, icon.GetProperty("src").GetString());
            var got = await anonymous.GetAsync(src);
            Assert.True(got.StatusCode == HttpStatusCode.OK, $"{src} answered {got.StatusCode}");
            Assert.Equal(icon.GetProperty("type").GetString(), got.Content.Headers.ContentType?.MediaType);
            var sizes = icon.GetProperty("sizes").GetString();
            if (icon.GetProperty("type").GetString() != "image/png") continue;
            var png = await got.Content.ReadAsByteArrayAsync();
            Assert.True(png.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{src} is not a PNG");
            var (w, h) = (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            Assert.Equal(sizes, $"{w}x{h}");
        }
        // The sizes Android asks for (launcher and splash screen), also as maskable (adaptive) icons.
        foreach (var (size, purpose) in new[] { ("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable"), ("48x48", "any"), ("144x144", "any") })
            Assert.Contains(icons, i => i.GetProperty("sizes").GetString() == size && i.GetProperty("purpose").GetString() == purpose && i.GetProperty("type").GetString() == "image/png");
        var touchIcon = await page.Locator("link[rel=apple-touch-icon]").EvaluateAsync<string>("l => l.href");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(touchIcon)).StatusCode);

        // Chromium itself reads it without a complaint.
        var cdp = await page.Context.NewCDPSessionAsync(page);
        var parsed = (await cdp.SendAsync("Page.getAppManifest"))!.Value;
        Assert.Equal(manifestUrl.ToString(), parsed.GetProperty("url").GetString());
        Assert.Empty(parsed.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Chromium_finds_the_field_app_installable()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await using var phone = await InstallablePhone.OpenAsync(browser);
        var (page, cdp) = (phone.Page, phone.Cdp);
        // The sign-in page has no manifest: the same question answers "not installable" there.
        var login = new LoginPage(page);
        await login.GotoAsync("/m");
        Assert.Contains("no-manifest", await InstallabilityErrorsAsync(cdp));

        await login.SignInAsync(worker.Username, TestPeople.Password);
        await Assertions.Expect(page.Locator("#tasks-status")).ToContainTextAsync("更新于");
        Assert.Empty(await InstallabilityErrorsAsync(cdp));
    }

    /// <summary>
    /// A phone-sized Chromium with a profile on disk (Chromium never offers to install from an incognito-like context),
    /// its page and a DevTools session on it to ask whether the page can be installed. Disposing closes it and deletes
    /// the profile.
    /// </summary>
    internal sealed class InstallablePhone : IAsyncDisposable
    {
        private IBrowserContext _context = null!;
        private DirectoryInfo _profile = null!;
        public IPage Page { get; private set; } = null!;
        public ICDPSession Cdp { get; private set; } = null!;

        public static async Task<InstallablePhone> OpenAsync(BrowserFixture browser)
        {
            var phone = new InstallablePhone { _profile = Directory.CreateTempSubdirectory("gridcity-install-") };
            phone._context = await browser.Playwright.Chromium.LaunchPersistentContextAsync(phone._profile.FullName, new()
            {
                ExecutablePath = Environment.GetEnvironmentVariable("GRID_CHROMIUM") ?? "/usr/bin/chromium",
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
                BaseURL = browser.Server.BaseAddress.ToString(),
                ViewportSize = new ViewportSize { Width = 390, Height = 844 },
                IsMobile = true,
                HasTouch = true,
                Locale = "zh-CN",
            });
            phone.Page = phone._context.Pages.Count > 0 ? phone._context.Pages[0] : await phone._context.NewPageAsync();
            phone.Cdp = await phone._context.NewCDPSessionAsync(phone.Page);
            return phone;
        }

        public async ValueTask DisposeAsync()
        {
            await _context.CloseAsync();
            _profile.Delete(recursive: true);
        }
    }

    internal static async Task<List<string>> InstallabilityErrorsAsync(ICDPSession cdp)
    {
        // The check fetches the manifest and an icon; on a page that just loaded give it a moment.
        List<string> errors = [];
        for (var i = 0; i < 20; i++)
        {
            var result = (await cdp.SendAsync("Page.getInstallabilityErrors"))!.Value;
            errors = result.GetProperty("installabilityErrors").EnumerateArray()
                .Select(e => e.GetProperty("errorId").GetString()!).ToList();
            if (!errors.Contains("pipeline-restarted")) break;
            await Task.Delay(250);
        }
        return errors;
    }

    [Fact]
    public async Task A_task_never_opened_is_read_and_accepted_offline_then_applied_once_online()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0));
        var page = app.Page;
        // The reporter's photo on the case (with the thumbnail a phone makes).
        var photo = await worker.UploadOkAsync(await app.MakeJpegAsync(1200, 900, "before"), await app.MakeJpegAsync(320, 240, "thumb"));
        using var add = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/photos") { Content = JsonContent.Create(new { photos = new[] { photo.Ref } }) };
        add.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        Assert.True((await worker.Client.SendAsync(add)).IsSuccessStatusCode);

        await app.ServiceWorkerReadyAsync();
        await page.ReloadAsync();
        var task = page.GetByRole(AriaRole.List, new() { Name = "我的任务" }).GetByRole(AriaRole.Link).Filter(new() { HasText = c.CaseNo });
        await Assertions.Expect(task).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#tasks-kept")).ToHaveTextAsync("1 项任务已保存到手机，离线也能查看和处置", new() { Timeout = 20000 });

        // Offline, the case is opened for the first time on this phone.
        await page.Context.SetOfflineAsync(true);
        await page.GotoAsync($"/m/cases/{c.Id}");
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("已派遣");
        await Assertions.Expect(page.Locator("#case-desc")).ToHaveTextAsync(c.Description);
        await Assertions.Expect(page.Locator("#case-saved")).ToContainTextAsync("离线：显示");
        await Assertions.Expect(page.Locator("#case-problem")).ToBeHiddenAsync();
        var thumb = page.Locator("#case-photos img");
        await Assertions.Expect(thumb).ToHaveCountAsync(1);
        await page.WaitForFunctionAsync("() => { const i = document.querySelector('#case-photos img'); return i.complete && i.naturalWidth > 0; }");
        Assert.EndsWith($"/api/photos/{photo.Sha256}/thumb", await thumb.EvaluateAsync<string>("i => i.currentSrc"));
        Assert.Equal(320, await thumb.EvaluateAsync<int>("i => i.naturalWidth"));
        await app.ScreenshotAsync("field-offline-task");

        await page.GetByRole(AriaRole.Button, new() { Name = "接收" }).ClickAsync();
        await Assertions.Expect(app.Outbox).ToContainTextAsync("1 项待发送");
        Assert.Equal("dispatched", (await worker.GetCaseAsync(c.Id)).State);

        await page.Context.SetOfflineAsync(false);
        await page.EvaluateAsync("() => window.dispatchEvent(new Event('online'))");
        await app.OutboxEmptyAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("处置中");
        var accepted = await worker.GetCaseAsync(c.Id);
        Assert.Equal("in_progress", accepted.State);
        Assert.Single(accepted.History!, h => h.Action == "accept");
    }

    [Fact]
    public async Task Signing_out_forgets_every_case_kept_on_the_phone()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker, 1);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(1));
        var page = app.Page;
        await app.ServiceWorkerReadyAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#tasks-kept")).ToContainTextAsync("1 项任务已保存到手机", new() { Timeout = 20000 });
        const string kept = """
            async () => {
              const urls = [];
              for (const key of await caches.keys()) {
                const cache = await caches.open(key);
                for (const r of await cache.keys()) urls.push(new URL(r.url).pathname);
              }
              return urls;
            }
            """;
        Assert.Contains($"/api/cases/{c.Id}", await page.EvaluateAsync<string[]>(kept));

        await page.Locator("#field-signout button").ClickAsync();
        await page.WaitForURLAsync(url => url.Contains("/login"));
        var left = await page.EvaluateAsync<string[]>(kept);
        Assert.DoesNotContain(left, u => u.StartsWith("/api/"));
        Assert.DoesNotContain(left, u => u == "/m" || u.StartsWith("/m/"));
    }

    [Fact]
    public async Task A_waiting_service_worker_offers_an_update_that_never_interrupts_a_form()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0), "/m/report");
        var page = app.Page;
        await app.ServiceWorkerReadyAsync();
        var update = page.GetByRole(AriaRole.Status).Filter(new() { Has = page.GetByRole(AriaRole.Button, new() { Name = "更新" }) });
        await Assertions.Expect(update).ToBeHiddenAsync();
        await page.GetByLabel("问题描述").FillAsync("Half-written report");
        await page.EvaluateAsync("() => window.__stillHere = true");

        // A new deployment's worker (another script URL is, to the browser, a new version) installs and waits.
        await page.EvaluateAsync("() => navigator.serviceWorker.register('/m/sw.js?next=1', { scope: '/m' })");
        await Assertions.Expect(update).ToContainTextAsync("新版本已就绪", new() { Timeout = 20000 });
        Assert.True(await page.EvaluateAsync<bool>("async () => !!(await navigator.serviceWorker.getRegistration('/m')).waiting"));
        await app.ScreenshotAsync("field-update-ready", fullPage: false);

        // In the middle of a form the tap does not reload: it says what to do first.
        await update.GetByRole(AriaRole.Button, new() { Name = "更新" }).ClickAsync();
        await Assertions.Expect(update).ToContainTextAsync("请先提交或取消正在填写的内容");
        // No reload follows: a bounded poll (1 s) that fails at the first read after the page was replaced.
        var until = DateTime.UtcNow.AddSeconds(1);
        do
        {
            Assert.True(await page.EvaluateAsync<bool>("() => window.__stillHere === true"), "the page reloaded in the middle of a form");
            await Task.Delay(100);
        } while (DateTime.UtcNow < until);
        await Assertions.Expect(page.GetByLabel("问题描述")).ToHaveValueAsync("Half-written report");
        Assert.EndsWith("/m/sw.js", await page.EvaluateAsync<string>("() => navigator.serviceWorker.controller.scriptURL"));

        // With the form cleared, the tap hands over to the new worker and reloads once it controls the page.
        await page.GetByLabel("问题描述").FillAsync("");
        await update.GetByRole(AriaRole.Button, new() { Name = "更新" }).ClickAsync();
        await page.WaitForFunctionAsync("() => window.__stillHere === undefined && navigator.serviceWorker.controller?.scriptURL.endsWith('?next=1')");
        await Assertions.Expect(page.GetByLabel("问题描述")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task Times_on_a_Chinese_page_are_24_hour_even_on_a_phone_set_to_English()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker, 2);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(2), "/m",
            o => { o.Locale = "en-US"; o.TimezoneId = "Asia/Shanghai"; });
        var page = app.Page;
        Assert.Equal("en-US", await page.EvaluateAsync<string>("() => navigator.language"));
        // An afternoon: 15:07:09 in Shanghai.
        await page.Clock.SetFixedTimeAsync(new DateTime(2026, 11, 26, 7, 7, 9, DateTimeKind.Utc));
        await page.ReloadAsync();

        await Assertions.Expect(page.Locator("#tasks-status")).ToHaveTextAsync("更新于 15:07:09");
        await Assertions.Expect(page.Locator("#tasks-kept")).ToContainTextAsync("1 项任务已保存到手机", new() { Timeout = 20000 });
        await app.ScreenshotAsync("field-tasks-24h", fullPage: false);
        await page.GotoAsync($"/m/cases/{c.Id}");
        await Assertions.Expect(page.Locator("#case-history li")).ToHaveCountAsync(3);
        var when = await page.Locator("#case-history .h-when").AllTextContentsAsync();
        Assert.All(when, w => Assert.Matches(@"^\d{2}/\d{2} ([01]\d|2[0-3]):[0-5]\d$", w));
        await Assertions.Expect(page.Locator("#case-clock")).ToContainTextAsync("剩余");
        var clock = await page.Locator("#case-clock").TextContentAsync();
        Assert.Matches(@"截止 \d{2}/\d{2} ([01]\d|2[0-3]):[0-5]\d$", clock);
        Assert.DoesNotMatch("AM|PM|上午|下午", string.Concat(when) + clock);

        // The same phone on the English page reads English times.
        await page.GotoAsync("/culture?c=en&returnUrl=/m");
        await Assertions.Expect(page.Locator("#tasks-status")).ToHaveTextAsync("Updated at 03:07:09 PM");
    }
}
