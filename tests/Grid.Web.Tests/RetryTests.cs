using System.Collections.Concurrent;
using System.Globalization;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>
/// The clients we ship resend a request refused with 503 (the database away for a moment) under the
/// same Idempotency-Key. The first request really reaches the server and is saved there; only its
/// answer is turned into a 503, as when the database fails after the commit: the resend must come
/// back as the same case, not a second one.
/// </summary>
public sealed class RetryTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static string F(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>Lets the first POST to <paramref name="glob"/> through but answers it 503; records each POST's Idempotency-Key.</summary>
    private static async Task<ConcurrentQueue<string?>> FailFirstAnswerAsync(IPage page, string glob)
    {
        var keys = new ConcurrentQueue<string?>();
        await page.RouteAsync(glob, async route =>
        {
            if (route.Request.Method != "POST") { await route.ContinueAsync(); return; }
            route.Request.Headers.TryGetValue("idempotency-key", out var key);
            keys.Enqueue(key);
            if (keys.Count == 1)
            {
                await route.FetchAsync();
                await route.FulfillAsync(new()
                {
                    Status = 503, ContentType = "application/problem+json", Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                    Body = """{"status":503,"title":"Service unavailable for a moment","detail":"The database cannot be reached right now."}""",
                });
                return;
            }
            await route.ContinueAsync();
        });
        return keys;
    }

    private async Task<IPage> PageAsync(TestUser user, string path, int width, int height, (double Lat, double Lon) gps)
    {
        var page = await browser.NewPageAsync(width, height, new BrowserNewContextOptions
        {
            // Requests must pass the page's route, not be answered inside a service worker.
            ServiceWorkers = ServiceWorkerPolicy.Block,
            Geolocation = new Geolocation { Latitude = (float)gps.Lat, Longitude = (float)gps.Lon, Accuracy = 12 },
            Permissions = ["geolocation"],
        });
        page.Context.SetDefaultTimeout(20000);
        await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(path)}");
        await new LoginPage(page).SignInAsync(user.Username, TestPeople.Password);
        return page;
    }

    [Fact]
    public async Task The_phone_outbox_resends_a_report_answered_503_under_the_same_key_and_one_case_results()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var page = await PageAsync(worker, "/m/report", 390, 844, world.Inside(0));
        var keys = await FailFirstAnswerAsync(page, "**/api/cases");
        var app = new FieldApp(page);
        await app.ChooseCategoryAsync("测试暴露垃圾");
        var text = "Retry report " + Guid.NewGuid().ToString("N")[..8];
        await page.GetByLabel("问题描述").FillAsync(text);
        await page.GetByRole(AriaRole.Button, new() { Name = "提交新上报" }).ClickAsync();
        // The outbox is empty before the report is queued too: wait (bounded) for the resend first.
        var until = DateTime.UtcNow.AddSeconds(20);
        while (keys.Count < 2 && DateTime.UtcNow < until) await Task.Delay(100);
        await app.OutboxEmptyAsync();

        var sent = keys.ToArray();
        Assert.True(sent.Length >= 2, $"the report was sent {sent.Length} time(s)");
        Assert.False(string.IsNullOrEmpty(sent[0]));
        Assert.All(sent, k => Assert.Equal(sent[0], k));
        Assert.Single(await FieldHelpers.CasesInCellAsync(worker, world.Cells[0]), c => c.Description == text);
    }

    // The hotline page saves inside its Blazor circuit (no HTTP request a browser could resend): the resend under the same
    // key after a lost answer is tested on the server, Grid.Server.Tests/Hotline/HotlineDeskTests.
}
