using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

public sealed class SignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_person_signs_in_through_the_login_page_and_lands_where_they_were_going()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var page = await browser.NewPageAsync();

        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("login-laptop") });

        var login = new LoginPage(page);
        await login.SignInAsync(worker.Username, TestPeople.Password);
        Assert.EndsWith("/", page.Url);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(worker.Username);
        await Assertions.Expect(page.GetByText("grid_worker")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "退出" }).ClickAsync();
        await page.GotoAsync("/");
        Assert.Contains("/login", page.Url);
    }

    [Fact]
    public async Task A_wrong_password_is_told_plainly_and_does_not_sign_in()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var page = await browser.NewPageAsync(390, 844);
        var login = new LoginPage(page);
        await login.GotoAsync();
        await login.SignInAsync(worker.Username, "not-the-password");
        await Assertions.Expect(login.Error).ToContainTextAsync("用户名或密码错误");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("login-error-phone") });
        Assert.Contains("/login", page.Url);

        // English on request, and it stays English.
        await page.GetByRole(AriaRole.Link, new() { Name = "English" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await page.GetByLabel("Username").FillAsync(worker.Username);
        await page.GetByLabel("Password").FillAsync(TestPeople.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Welcome")).ToBeVisibleAsync();
    }
}
