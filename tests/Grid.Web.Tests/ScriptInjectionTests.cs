using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>
/// Script stored in every text field that a page shows (names of cells, streets, communities,
/// people, units and categories; descriptions, addresses, reporters, reasons, notes) must be shown
/// as text and never run: on the command center (list, detail, history, map tooltips and labels,
/// staff markers), the inbox, the duplicates page, the field app, the figures. Whoever rewrites a
/// page keeps this passing.
/// </summary>
public sealed class ScriptInjectionTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>Each payload counts up window.__xss if it ever runs; the marker text proves the field was shown.</summary>
    private const string Marker = "XSS-MARK";
    private static string Payload(string where) =>
        $"{Marker}-{where}<img src=x onerror=window.__xss=1><svg onload=window.__xss=1>\"'";

    private sealed record Stage(TestWorld World, TestUser Op, TestUser Worker, TestUser Supervisor, CaseView Handled, CaseView Cancelled);

    /// <summary>A world whose every shown name and text is a script payload.</summary>
    private async Task<Stage> StageAsync()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher, Role.ShiftLead, Role.Supervisor], [], street: world.Street);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0], world.Cells[1]);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var unit = "xss_" + Guid.NewGuid().ToString("N")[..8];
        await using (var conn = await browser.Server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                update grid_cells set name = @Cell where code = any(@Cells);
                update streets set name = @Street where code = @StreetCode;
                update communities set name = @Community where code = @CommunityCode;
                update people set display_name = @Person where id = any(@People);
                insert into units (id, name_zh, name_en) values (@Unit, @UnitName, @UnitName);
                """, new
            {
                Cell = Payload("cell"), Cells = world.Cells, Street = Payload("street"), StreetCode = world.Street,
                Community = Payload("community"), CommunityCode = world.Community, Person = Payload("person"),
                People = new[] { worker.Id, op.Id, supervisor.Id }, Unit = unit, UnitName = Payload("unit"),
            });
        }
        var (lat, lon) = world.Inside(0);
        var handled = await TestWorld.ReadAsync<CaseView>(await op.Client.PostAsJsonAsync("/api/cases", new
        {
            lat, lon, categoryCode = TestCatalogue.LightEvent, description = Payload("description"), address = Payload("address"),
            source = "hotline", reporterName = Payload("reporter"), reporterPhone = "13800000000",
        }), System.Net.HttpStatusCode.Created);
        await op.StepOkAsync(handled.Id, "register");
        await op.StepOkAsync(handled.Id, "dispatch", new { unitId = unit, assigneeId = worker.Id });
        await worker.StepOkAsync(handled.Id, "accept");
        Assert.Equal(HttpStatusCode.Created, (await op.Client.PostAsJsonAsync($"/api/cases/{handled.Id}/supervise", new { note = Payload("supervise") })).StatusCode);
        var cancelled = await world.ReportAsync(worker, 1);
        await op.StepOkAsync(cancelled.Id, "cancel", new { reason = Payload("reason") });
        // A second report at the same place flags a likely duplicate for the duplicates page.
        Assert.Equal(HttpStatusCode.Created, (await op.Client.PostAsJsonAsync("/api/cases", new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = Payload("duplicate"), source = "hotline" })).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await worker.Client.PostAsJsonAsync("/api/staff/position", new { lat, lon, accuracy = 5 })).StatusCode);
        return new Stage(world, op, worker, supervisor, handled, cancelled);
    }

    private static async Task<IPage> SignedInAsync(BrowserFixture browser, TestUser user, string path, int width = 1920, int height = 1080)
    {
        var page = await browser.NewPageAsync(width, height);
        page.Dialog += (_, d) => { _ = d.DismissAsync(); throw new InvalidOperationException("A dialog opened: " + d.Message); };
        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(path));
        await new LoginPage(page).SignInAsync(user.Username, TestPeople.Password);
        return page;
    }

    private static async Task AssertNothingRanAsync(IPage page, string where)
    {
        // A handler made from stored text would run on its broken image's error or its svg's load. Signal first: a broken
        // image of our own, requested now, has failed (so the page's earlier broken images have had their turn); then a
        // bounded poll that fails at the first read showing a script ran, not a fixed sleep and one look.
        await page.EvaluateAsync("() => new Promise(r => { const i = new Image(); i.onerror = i.onload = () => r(); i.src = '/x-probe-' + Math.random(); })");
        var until = DateTime.UtcNow.AddMilliseconds(500);
        do
        {
            var ran = await page.EvaluateAsync<int>("() => window.__xss || 0");
            Assert.True(ran == 0, $"Stored script ran {ran} time(s) on {where}");
            await Task.Delay(50);
        } while (DateTime.UtcNow < until);
        var injected = await page.EvaluateAsync<int>("() => document.querySelectorAll('img[src=x], svg[onload], img[onerror]').length");
        Assert.True(injected == 0, $"{injected} element(s) made from stored text on {where}");
    }

    private static async Task AssertShownAsTextAsync(IPage page, string field) =>
        await Assertions.Expect(page.GetByText($"{Marker}-{field}", new() { Exact = false }).First).ToBeAttachedAsync(new() { Timeout = 10_000 });

    [Fact]
    public async Task The_command_center_shows_stored_script_as_text_in_the_list_the_detail_and_the_map()
    {
        var s = await StageAsync();
        var page = await SignedInAsync(browser, s.Op, $"/command?case={s.Handled.Id}");
        var cc = new CommandCenterPage(page);
        await Assertions.Expect(page.Locator("#command[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(cc.Detail).ToContainTextAsync(s.Handled.CaseNo);
        foreach (var field in new[] { "description", "address", "person", "unit", "cell", "street" })
            await AssertShownAsTextAsync(page, field);
        // Cell tooltips are made when hovered: hover each cell shape.
        var shapes = await cc.CellShapes.CountAsync();
        for (var i = 0; i < shapes; i++) await cc.CellShapes.Nth(i).HoverAsync(new() { Force = true });
        await Assertions.Expect(page.Locator(".leaflet-tooltip").Filter(new() { HasText = $"{Marker}-cell" }).First).ToBeAttachedAsync();
        // The cancelled case's history shows its reason.
        await page.GotoAsync($"/command?case={s.Cancelled.Id}");
        await Assertions.Expect(page.Locator("#command[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        await AssertShownAsTextAsync(page, "reason");
        await AssertNothingRanAsync(page, "/command");
    }

    [Fact]
    public async Task The_inbox_duplicates_figures_and_field_app_show_stored_script_as_text()
    {
        var s = await StageAsync();
        var inbox = await SignedInAsync(browser, s.Worker, "/inbox");
        await AssertShownAsTextAsync(inbox, "supervise");
        await AssertNothingRanAsync(inbox, "/inbox");

        var duplicates = await SignedInAsync(browser, s.Op, "/duplicates");
        await AssertShownAsTextAsync(duplicates, "duplicate");
        await AssertNothingRanAsync(duplicates, "/duplicates");

        var figures = await SignedInAsync(browser, s.Supervisor, "/figures?group=cell");
        await AssertShownAsTextAsync(figures, "cell");
        await AssertNothingRanAsync(figures, "/figures");

        var tasks = await SignedInAsync(browser, s.Worker, "/m", 390, 844);
        await AssertShownAsTextAsync(tasks, "address");
        await AssertNothingRanAsync(tasks, "/m");
        var fieldCase = await SignedInAsync(browser, s.Worker, $"/m/cases/{s.Handled.Id}", 390, 844);
        await AssertShownAsTextAsync(fieldCase, "description");
        await AssertShownAsTextAsync(fieldCase, "cell");
        await AssertNothingRanAsync(fieldCase, "/m/cases");
    }
}
