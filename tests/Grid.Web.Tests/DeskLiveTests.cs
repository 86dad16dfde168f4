using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>Interactive desk pages follow the event stream inside their circuit, across nodes.</summary>
public sealed class DeskLiveTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_operators_page_on_node_B_shows_a_duplicate_reported_through_node_A_without_reload()
    {
        var nodeA = browser.Server;
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var first = await world.ReportAsync(worker, 2);

        // A second node on the same database; the browser talks only to it, the report goes through node A.
        await using var nodeB = await TestServer.StartAsync("desk-node-b", nodeA.ConnectionString);
        var page = await browser.NewPageAsync(options: new() { BaseURL = nodeB.BaseAddress.ToString() });
        await page.GotoAsync("/login?returnUrl=%2Fduplicates");
        await new LoginPage(page).SignInAsync(op.Username, TestPeople.Password);
        await Assertions.Expect(page.Locator("section.duplicates[data-live=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        var reloads = 0;
        page.Load += (_, _) => reloads++;

        var second = await world.ReportAsync(worker, 2);

        var row = page.Locator("#dup-rows tr", new() { HasText = second.CaseNo });
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 3000 });
        await Assertions.Expect(row).ToContainTextAsync(first.CaseNo);
        Assert.Equal(0, reloads);
        // Closed before node B stops: a page left open reconnects its circuit while the node shuts down,
        // and Kestrel then waits the whole shutdown timeout for that new connection.
        await page.CloseAsync();
    }
}
