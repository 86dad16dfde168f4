using Grid.Web.Pages.Command;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Grid.Web.Components.Tests;

public sealed class StepDialogTests : DeskContext
{
    private readonly List<StepInput> _runs = [];

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(string action, string name)
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<StepDialog>
        {
            { d => d.Action, action }, { d => d.ActionName, name }, { d => d.Version, 5 },
            { d => d.Run, step => { _runs.Add(step); return Task.FromResult<string?>(null); } },
        };
        await provider.InvokeAsync(() => dialogs.ShowAsync<StepDialog>(name, parameters));
        return provider;
    }

    [Theory]
    [InlineData("cancel", "作废")]
    [InlineData("return", "回退")]
    [InlineData("hold", "挂账")]
    [InlineData("reopen", "重新打开")]
    [InlineData("supervise", "督办")]
    [InlineData("spam", "标记为垃圾信息")]
    public async Task A_missing_reason_is_refused_in_the_dialog_and_nothing_is_sent(string action, string name)
    {
        var provider = await OpenAsync(action, name);
        provider.Find("textarea").Input("   ");
        provider.Find("form").Submit();
        provider.WaitForAssertion(() => Assert.Contains("请填写理由。", provider.Find("[role=alert]").TextContent));
        Assert.Empty(_runs);

        provider.Find("textarea").Input(" blocked by roadworks ");
        provider.Find("form").Submit();
        provider.WaitForAssertion(() => Assert.Single(_runs));
        Assert.Equal((action, 5, "blocked by roadworks"), (_runs[0].Action, _runs[0].Version, _runs[0].Reason));
    }

    [Fact]
    public async Task An_extension_needs_a_new_deadline_read_as_city_time()
    {
        var provider = await OpenAsync("extend", "批准延期");
        provider.Find("textarea").Input("waiting for parts");
        provider.Find("input[type=datetime-local]").Input("");
        provider.Find("form").Submit();
        provider.WaitForAssertion(() => Assert.Contains("请填写新的处置时限。", provider.Markup));
        Assert.Empty(_runs);
        provider.Find("input[type=datetime-local]").Input("2026-12-01T18:00");
        provider.Find("form").Submit();
        provider.WaitForAssertion(() => Assert.Single(_runs));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), _runs[0].Deadline);
    }

    [Fact]
    public async Task Registering_needs_no_reason()
    {
        var provider = await OpenAsync("register", "立案");
        Assert.Empty(provider.FindAll("textarea"));
        provider.Find("form").Submit();
        provider.WaitForAssertion(() => Assert.Single(_runs));
    }
}
