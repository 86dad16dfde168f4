using Microsoft.Playwright;

namespace Grid.Web.Tests.Pages;

/// <summary>The command-center page (/command), found by roles and labels.</summary>
public sealed class CommandCenterPage(IPage page)
{
    public IPage Page => page;

    /// <summary>Opens the page (signing in on the way) and waits until the map, list and live feed are up.</summary>
    public async Task OpenAsync(string username, string password, string path = "/command")
    {
        await page.GotoAsync("/login?returnUrl=" + Uri.EscapeDataString(path));
        await new LoginPage(page).SignInAsync(username, password);
        await Assertions.Expect(page.Locator("#command[data-ready=true]")).ToBeAttachedAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(Status).ToHaveAttributeAsync("data-state", "live");
    }

    /// <summary>The live status line (the circuit's feed; "reconnecting" while the circuit's connection is down).</summary>
    public ILocator Status => page.Locator("#command").GetByRole(AriaRole.Status).First;
    /// <summary>The case grid (a virtualised table; each row opens its case with a button).</summary>
    public ILocator CaseList => page.GetByRole(AriaRole.Table, new() { Name = "案件列表" });
    public ILocator CaseButton(string caseNo) => CaseList.GetByRole(AriaRole.Button).Filter(new() { HasText = caseNo });
    public ILocator CellShapes => page.Locator("#cc-map .leaflet-overlay-pane path");
    public ILocator CaseMarker(string caseNo) => page.Locator($"#cc-map .leaflet-marker-icon[title*='{caseNo}']");
    public ILocator Detail => page.GetByRole(AriaRole.Region, new() { Name = "案件详情" });
    public ILocator ActionButton(string name) => Detail.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });
    /// <summary>The dialog of an action, a form named after it.</summary>
    public ILocator ActionForm(string name) => page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Form, new() { Name = name });
}
