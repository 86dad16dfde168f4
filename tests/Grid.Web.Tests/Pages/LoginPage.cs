using Microsoft.Playwright;

namespace Grid.Web.Tests.Pages;

/// <summary>The sign-in page, found by labels and roles as a person would.</summary>
public sealed class LoginPage(IPage page)
{
    public async Task GotoAsync(string returnUrl = "/") => await page.GotoAsync($"/login?returnUrl={Uri.EscapeDataString(returnUrl)}");

    public async Task SignInAsync(string username, string password)
    {
        await page.GetByLabel("用户名").FillAsync(username);
        await page.GetByLabel("密码").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
    }

    public ILocator Error => page.GetByRole(AriaRole.Alert);
}
