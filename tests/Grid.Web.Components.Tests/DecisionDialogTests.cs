using Grid.Web.Pages.Intake;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Grid.Web.Components.Tests;

public sealed class DecisionDialogTests : DeskContext
{
    private readonly List<string?> _runs = [];
    private string? _refusal;

    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> OpenAsync(bool reasonRequired)
    {
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<DecisionDialog>
        {
            { d => d.Action, "不是重复" },
            { d => d.ReasonRequired, reasonRequired },
            { d => d.Run, reason => { _runs.Add(reason); return Task.FromResult(_refusal); } },
        };
        IDialogReference? dialog = null;
        await provider.InvokeAsync(async () => dialog = await dialogs.ShowAsync<DecisionDialog>("不是重复", parameters));
        return (provider, dialog!);
    }

    [Fact]
    public async Task A_required_reason_left_empty_is_refused_in_the_dialog_and_nothing_is_run()
    {
        var (provider, _) = await OpenAsync(reasonRequired: true);
        provider.FindAll("button").Single(b => b.TextContent.Contains("确认 · 不是重复")).Click();
        Assert.Empty(_runs);
        provider.WaitForAssertion(() => Assert.Contains("请填写理由。", provider.Markup));

        provider.Find("textarea").Change("  two different manholes  ");
        provider.FindAll("button").Single(b => b.TextContent.Contains("确认 · 不是重复")).Click();
        Assert.Equal(["two different manholes"], _runs);
    }

    [Fact]
    public async Task A_refusal_by_the_server_is_shown_with_its_reason_and_the_dialog_stays_open()
    {
        _refusal = "Case C-1 was already merged by someone else.";
        var (provider, dialog) = await OpenAsync(reasonRequired: false);
        provider.FindAll("button").Single(b => b.TextContent.Contains("确认 · 不是重复")).Click();
        provider.WaitForAssertion(() => Assert.Contains("already merged by someone else", provider.Find(".mud-alert").TextContent));
        Assert.False(dialog.Result.IsCompleted);

        _refusal = null;
        provider.FindAll("button").Single(b => b.TextContent.Contains("确认 · 不是重复")).Click();
        var result = await dialog.Result.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(result!.Canceled);
        Assert.Equal([null, null], _runs);
    }
}
