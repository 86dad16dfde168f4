using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Grid.Web.Tests.Pages;

/// <summary>The field app on an emulated phone (390x844, touch, GPS granted), found by roles, labels and ids.</summary>
public sealed class FieldApp(IPage page)
{
    public IPage Page => page;

    public static async Task<FieldApp> OpenAsync(BrowserFixture browser, TestUser user, (double Lat, double Lon) gps, string path = "/m",
        Action<BrowserNewContextOptions>? configure = null)
    {
        var options = new BrowserNewContextOptions
        {
            HasTouch = true,
            IsMobile = true,
            Geolocation = new Geolocation { Latitude = (float)gps.Lat, Longitude = (float)gps.Lon, Accuracy = 12 },
            Permissions = ["geolocation"],
        };
        configure?.Invoke(options);
        var page = await browser.NewPageAsync(390, 844, options);
        page.Context.SetDefaultTimeout(15000);
        page.Console += (_, m) => { if (m.Type is "error" or "warning") Console.WriteLine($"[browser {m.Type}] {m.Text}"); };
        page.PageError += (_, e) => Console.WriteLine($"[page error] {e}");
        var login = new LoginPage(page);
        await login.GotoAsync(path);
        await login.SignInAsync(user.Username, TestPeople.Password);
        return new FieldApp(page);
    }

    public async Task GotoAsync(string path)
    {
        await page.GotoAsync(path);
    }

    /// <summary>Waits until the service worker controls the page (and so has cached the app shell).</summary>
    public async Task ServiceWorkerReadyAsync()
    {
        try
        {
            await page.WaitForFunctionAsync("() => !!navigator.serviceWorker.controller", null, new() { Timeout = 20000 });
        }
        catch (TimeoutException)
        {
            var state = await page.EvaluateAsync<string>("""
                async () => {
                  let err = '';
                  try { await navigator.serviceWorker.register('/m/sw.js', { scope: '/m/' }); } catch (e) { err = String(e); }
                  const rs = await navigator.serviceWorker.getRegistrations();
                  return JSON.stringify({ err, secure: isSecureContext, rs: rs.map(r => ({ scope: r.scope, active: !!r.active, installing: !!r.installing, waiting: !!r.waiting })) });
                }
                """);
            throw new TimeoutException("The service worker did not take control: " + state);
        }
    }

    /// <summary>A JPEG made by the browser's canvas, larger than the phone sends (so shrinking shows).</summary>
    public Task<byte[]> MakeJpegAsync(int width = 2400, int height = 1800, string text = "GridCity") =>
        CanvasJpegAsync(page, width, height, text);

    /// <summary>A real JPEG drawn by the browser's canvas (any page will do).</summary>
    public static async Task<byte[]> CanvasJpegAsync(IPage page, int width = 2400, int height = 1800, string text = "GridCity")
    {
        var b64 = await page.EvaluateAsync<string>("""
            ([w, h, text]) => {
              const c = document.createElement('canvas'); c.width = w; c.height = h;
              const g = c.getContext('2d');
              g.fillStyle = '#7a9a55'; g.fillRect(0, 0, w, h);
              g.fillStyle = '#553311'; g.fillRect(w * 0.3, h * 0.4, w * 0.4, h * 0.3);
              g.fillStyle = '#fff'; g.font = `${Math.round(h / 8)}px sans-serif`; g.fillText(text, w * 0.1, h * 0.25);
              return c.toDataURL('image/jpeg', 0.9).split(',')[1];
            }
            """, new object[] { width, height, text });
        return Convert.FromBase64String(b64);
    }

    public async Task AddPhotoAsync(string pickerSelector, byte[] jpeg)
    {
        var input = page.Locator($"{pickerSelector} input[type=file]:not([capture])");
        var before = await page.Locator($"{pickerSelector} .photo-previews img").CountAsync();
        await input.SetInputFilesAsync(new FilePayload { Name = "photo.jpg", MimeType = "image/jpeg", Buffer = jpeg });
        await Assertions.Expect(page.Locator($"{pickerSelector} .photo-previews img")).ToHaveCountAsync(before + 1);
    }

    public ILocator Outbox => page.Locator("#field-outbox");

    public async Task OutboxEmptyAsync() => await Assertions.Expect(Outbox).ToBeHiddenAsync(new() { Timeout = 15000 });

    public async Task ChooseCategoryAsync(string name)
    {
        await page.GetByLabel("搜索小类").FillAsync(name);
        await page.Locator("#category-minors label.minor", new() { HasText = name }).First.ClickAsync();
        await Assertions.Expect(page.Locator("#category-chosen")).ToContainTextAsync(name);
    }

    /// <summary>The whole page from the top, as a phone user would scroll through it.</summary>
    public async Task ScreenshotAsync(string name, bool fullPage = true)
    {
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        var height = fullPage ? await page.EvaluateAsync<int>("() => document.documentElement.scrollHeight") : 844;
        // A viewport as tall as the page keeps the fixed tab bar at the bottom of the picture.
        if (height > 844) await page.SetViewportSizeAsync(390, height);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath(name) });
        if (height > 844) await page.SetViewportSizeAsync(390, 844);
    }
}
