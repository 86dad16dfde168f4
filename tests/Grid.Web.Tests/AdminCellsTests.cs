using System.Text;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>Issue 11, grid cells: the GeoJSON import with its preview and background apply, in Chromium.</summary>
public sealed class AdminCellsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static object Square(string code, string name, double west, double north, double size = TestWorld.CellDeg) => new
    {
        type = "Feature",
        properties = new { code, name },
        geometry = new
        {
            type = "Polygon",
            coordinates = new[] { new[] {
                new[] { west, north }, new[] { west + size, north }, new[] { west + size, north - size },
                new[] { west, north - size }, new[] { west, north } } },
        },
    };

    private static FilePayload GeoJson(params object[] features) => new()
    {
        Name = "cells.geojson", MimeType = "application/geo+json",
        Buffer = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { type = "FeatureCollection", features })),
    };

    private static async Task ShootAsync(IPage page, string name)
    {
        foreach (var (w, h) in new[] { (1920, 1080), (1366, 768), (390, 844) })
        {
            await page.SetViewportSizeAsync(w, h);
            // From the top: the fixed app bar would otherwise cover the page where the window had scrolled to.
            await page.EvaluateAsync("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }");
            await page.WaitForTimeoutAsync(400);
            await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath($"admin-{name}-{w}"), FullPage = true });
        }
        await page.SetViewportSizeAsync(1366, 768);
    }

    [Fact]
    public async Task An_administrator_uploads_a_file_sees_the_preview_applies_it_and_the_new_cell_is_on_the_map()
    {
        var world = await TestWorld.CreateAsync(browser.Server, rows: 1, columns: 2);
        var admin = await world.PersonAsync([Role.Admin], []);
        var page = await browser.NewPageAsync(1366, 768);
        await page.GotoAsync("/login?returnUrl=%2Fadmin%2Fcells");
        await new LoginPage(page).SignInAsync(admin.Username, TestPeople.Password);
        await Assertions.Expect(page.Locator("section.cells[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "网格单元", Exact = true })).ToBeVisibleAsync();

        var added = world.Community + "003";
        var kept = Square(world.Cells[0], $"Test cell {world.Cells[0]}", world.West(0), world.North(0));
        var renamed = Square(world.Cells[1], "<b>东河社区第2网格</b>", world.West(1), world.North(1));
        var upload = page.GetByLabel("导入网格（GeoJSON）");

        // A file whose new cell overlaps a kept one: the problem is named by feature, nothing can be applied.
        await upload.SetInputFilesAsync(GeoJson(kept, renamed, Square(added, "新网格", world.West(1) + TestWorld.CellDeg / 2, world.North(1))));
        await Assertions.Expect(page.Locator("[data-import-summary]")).ToContainTextAsync("发现 1 个问题");
        await Assertions.Expect(page.Locator(".problems-table tr.bad")).ToContainTextAsync($"Feature 3 ({added}) overlaps feature 2 ({world.Cells[1]})");
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "应用导入" })).ToBeDisabledAsync();
        await ShootAsync(page, "cells-import-problems");

        await upload.SetInputFilesAsync(GeoJson(kept, renamed, Square(added, "新网格", world.West(1) + TestWorld.CellDeg, world.North(1))));
        await Assertions.Expect(page.Locator("[data-import-summary]")).ToContainTextAsync("3 个要素全部无误");
        await Assertions.Expect(page.Locator("[data-diff-count=added] b")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-diff-count=changed] b")).ToHaveTextAsync("1");
        await Assertions.Expect(page.Locator("[data-diff-count=unchanged] b")).ToHaveTextAsync("1");
        // The name from the file is text, not markup.
        await Assertions.Expect(page.Locator("[data-diff-list=changed]")).ToContainTextAsync("<b>东河社区第2网格</b>");
        await Assertions.Expect(page.Locator($".cells-map path[data-cell='{added}'][data-diff=added]")).ToBeAttachedAsync();
        await Assertions.Expect(page.Locator($".cells-map path[data-cell='{world.Cells[1]}'][data-diff=changed]")).ToBeAttachedAsync();
        await ShootAsync(page, "cells-import-preview");

        await page.GetByRole(AriaRole.Button, new() { Name = "应用导入" }).ClickAsync();
        await Assertions.Expect(page.Locator("#cells-status")).ToContainTextAsync("导入完成：新增 1，变更 1，停用 0", new() { Timeout = 30_000 });
        // Today's map now has the new cell.
        await Assertions.Expect(page.Locator($".cells-map path[data-cell='{added}'][data-diff=unchanged]")).ToBeAttachedAsync();
        await page.GetByLabel("查找网格").FillAsync(added);
        await Assertions.Expect(page.Locator($"#cell-rows tr[data-cell='{added}']")).ToContainTextAsync("新网格");
        await ShootAsync(page, "cells");
    }
}
