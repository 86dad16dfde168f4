using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

/// <summary>The shared header and home page at the sizes people use, for every kind of user.</summary>
public sealed class LayoutTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    public static TheoryData<string, int, int> Sizes() => new()
    {
        { "shiftlead", 390, 844 },      // the role with the most links, on a phone
        { "shiftlead", 1366, 768 },
        { "worker", 390, 844 },
        { "admin", 390, 844 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public async Task The_home_page_fits_the_screen_without_sideways_scrolling(string who, int width, int height)
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var user = who switch
        {
            "worker" => await world.PersonAsync(Role.GridWorker, world.Cells[0]),
            "admin" => await world.PersonAsync([Role.Admin], []),
            _ => await world.PersonAsync([Role.ShiftLead, Role.Operator], []),
        };
        var page = await browser.NewPageAsync(width, height);
        await new LoginPage(page).GotoAsync();
        await new LoginPage(page).SignInAsync(user.Username, TestPeople.Password);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(user.Username);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath($"home-{who}-{width}") });

        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"The page is {overflow} px wider than a {width} px screen.");
        var signOut = page.GetByRole(AriaRole.Button, new() { Name = "退出" });
        await Assertions.Expect(signOut).ToBeInViewportAsync();
    }
}
