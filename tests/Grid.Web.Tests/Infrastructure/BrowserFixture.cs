using Grid.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Grid.Web.Tests.Infrastructure;

/// <summary>
/// Debian's Chromium driven by Playwright against the real server on loopback. One browser per
/// test class; each test opens its own context (cookies, storage) so tests do not share sessions.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.SharedAsync();
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("GRID_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
        });
    }

    /// <summary>A fresh browser context at the given viewport (default: a laptop).</summary>
    public async Task<IPage> NewPageAsync(int width = 1366, int height = 768, BrowserNewContextOptions? options = null)
    {
        options ??= new BrowserNewContextOptions();
        options.ViewportSize = new ViewportSize { Width = width, Height = height };
        options.BaseURL ??= Server.BaseAddress.ToString();
        options.Locale ??= "zh-CN";
        var context = await Browser.NewContextAsync(options);
        return await context.NewPageAsync();
    }

    /// <summary>Where screenshots go, for people to look at (git-ignored).</summary>
    public static string ScreenshotPath(string name)
    {
        var dir = Path.Combine(Environment.GetEnvironmentVariable("GRID_SCREENSHOTS") ?? Path.Combine(Path.GetTempPath(), "gridcity-screenshots"));
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name + ".png");
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
    }
}
