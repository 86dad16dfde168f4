using System.Globalization;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Web.Pages.Command;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Grid.Web.Components.Tests;

public sealed class CaseDrawerTests : DeskContext
{
    private readonly FakeCommand _source = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<ICommandSource>(_source);

    /// <summary>A case in a state, with the actions the domain allows a person of these roles (as the server computes them).</summary>
    private static CaseDetail CaseIn(string state, string source, params string[] roles)
    {
        var domain = Case.Restore(7, "320213001001012", "E0102", CaseCodes.ParseState(state), 3, false, null, null, null,
            null, null, 0, 0, null, null, null, null, null);
        var actor = new Actor(Guid.NewGuid(), roles.Select(Roles.Parse).ToList(), false, null);
        return new CaseDetail(7, "20261126000007", state, 31.58, 120.3, "E0102", "暴露垃圾", source, "normal", "垃圾", "东河路 1号",
            "320213001001012", "东河 12", null, null, null, null, null, 3600, false, false, true, DateTimeOffset.UtcNow, 3,
            domain.ActionsFor(actor).Select(a => a.ToCode()).ToList(), []);
    }

    private string[] Offered(string state, string source, params string[] roles)
    {
        SignIn("someone", roles);
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, CaseIn(state, source, roles)));
        return cut.FindAll(".cc-actions button").Select(b => b.TextContent.Trim()).ToArray();
    }

    [Theory]
    [InlineData("reported", "field", new[] { "operator" }, new[] { "立案", "作废" })]
    [InlineData("registered", "field", new[] { "dispatcher" }, new[] { "派遣" })]
    [InlineData("registered", "field", new[] { "operator" }, new[] { "作废", "派遣" })]
    [InlineData("dispatched", "field", new[] { "operator" }, new[] { "回退", "批准延期", "挂账" })]
    [InlineData("dispatched", "field", new[] { "dispatcher" }, new[] { "回退" })]
    [InlineData("on_hold", "field", new[] { "shift_lead" }, new[] { "恢复处置", "督办" })]
    [InlineData("closed", "field", new[] { "operator" }, new[] { "重新打开" })]
    [InlineData("closed", "field", new[] { "supervisor" }, new[] { "重新打开" })]
    [InlineData("in_progress", "field", new[] { "supervisor" }, new[] { "督办" })]
    [InlineData("resolved", "field", new[] { "operator" }, new string[0])]
    [InlineData("reported", "open311", new[] { "operator" }, new[] { "立案", "作废", "标记为垃圾信息" })]
    [InlineData("cancelled", "citizen", new[] { "shift_lead" }, new[] { "标记为垃圾信息" })]
    [InlineData("reported", "open311", new[] { "dispatcher" }, new string[0])]
    public void The_drawer_offers_exactly_the_actions_of_the_role_in_the_state(string state, string source, string[] roles, string[] expected) =>
        Assert.Equal(expected, Offered(state, source, roles));

    [Fact]
    public void An_action_opens_its_dialog_and_a_refusal_by_the_server_is_shown_there_in_its_words()
    {
        SignIn("op", "operator");
        _source.Refusal = "Case 20261126000007 changed since you loaded it (your version 3, now 4, registered). Reload it and try again.";
        var provider = Render<MudDialogProvider>();
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, CaseIn("reported", "field", "operator")));
        // The click's handler runs until the dialog closes: not awaited here.
        var click = cut.FindAll(".cc-actions button").Single(b => b.TextContent.Trim() == "作废").ClickAsync(new());
        provider.WaitForAssertion(() => Assert.NotNull(provider.Find("form[aria-label=作废]")));
        provider.Find("form[aria-label=作废] textarea").Input("duplicate of 20261126000001");
        provider.Find("form[aria-label=作废]").Submit();
        provider.WaitForAssertion(() => Assert.Contains("Reload it and try again", provider.Find("[role=alert]").TextContent));
        Assert.False(click.IsCompleted);
        var (id, step) = Assert.Single(_source.Steps);
        Assert.Equal((7L, "cancel", 3, "duplicate of 20261126000001"), (id, step.Action, step.Version, step.Reason));
    }

    [Fact]
    public async Task The_dispatch_dialog_comes_with_the_suggested_unit_and_person_chosen()
    {
        SignIn("disp", "dispatcher");
        _source.Detail = CaseIn("dispatched", "field", "dispatcher");
        var provider = Render<MudDialogProvider>();
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, CaseIn("registered", "field", "dispatcher")));
        var click = cut.FindAll(".cc-actions button").Single(b => b.TextContent.Trim() == "派遣").ClickAsync(new());
        provider.WaitForAssertion(() => Assert.Contains("系统建议：环卫 / 王网格", provider.Find("form[aria-label=派遣]").TextContent));
        var selects = provider.FindAll("form[aria-label=派遣] select");
        Assert.Equal("sanitation", selects[0].GetAttribute("value"));
        Assert.Equal("00000000-0000-0000-0000-0000000000a1", selects[1].GetAttribute("value"));
        provider.Find("form[aria-label=派遣]").Submit();
        provider.WaitForAssertion(() => Assert.Single(_source.Steps));
        var step = _source.Steps[0].Step;
        Assert.Equal(("dispatch", "sanitation", Guid.Parse("00000000-0000-0000-0000-0000000000a1")), (step.Action, step.UnitId, step.AssigneeId!.Value));
        await click.WaitAsync(TimeSpan.FromSeconds(5));
        cut.WaitForAssertion(() => Assert.Contains("已派遣", cut.Find("[role=status]").TextContent));
    }

    [Fact]
    public void The_remaining_working_time_counts_down_while_working_time_passes_and_stands_still_when_paused()
    {
        SignIn("op", "operator");
        var running = CaseIn("dispatched", "field", "operator") with { RemainingSeconds = 3600, ClockRunning = true, ReadAt = DateTimeOffset.UtcNow.AddSeconds(-90) };
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, running));
        Assert.Contains("剩余 0h 58m", cut.Find("[data-remaining]").TextContent);
        var paused = running with { ClockRunning = false, Paused = true };
        cut.Render(p => p.Add(d => d.Case, paused));
        Assert.Contains("计时暂停（剩余 1h 00m", cut.Find("[data-remaining]").TextContent);
    }

    /// <summary>A step that set a deadline (dispatch, extension, resume, rework) says so in the timeline, in city time; others do not.</summary>
    [Fact]
    public void The_history_names_the_new_deadline_a_rework_set()
    {
        SignIn("op", "operator");
        var at = new DateTimeOffset(2026, 11, 27, 21, 0, 0, TimeSpan.FromHours(8));
        var c = CaseIn("in_progress", "field", "operator") with
        {
            History =
            [
                new HistoryEntry(at.AddHours(-1), "王网格", "feedback", "resolved", null, null, []),
                new HistoryEntry(at, "李督查", "rework", "in_progress", "仍有垃圾", null, [], new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero)),
            ],
        };
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, c));
        var items = cut.FindAll(".cc-history .mud-timeline-item").Select(i => i.TextContent).ToList();
        Assert.Equal(2, items.Count);
        Assert.DoesNotContain("新处置时限", items[0]);
        Assert.Contains("仍有垃圾 · 新处置时限 2026-11-30 18:00", items[1]);
    }

    private static readonly HistoryEntry[] History =
    [
        // Written by the system: the stored English sentence, and the key with its arguments.
        new(DateTimeOffset.UtcNow, null, "duplicate_flagged", "reported", "Flagged as likely duplicate of case 20261126000001 (12 m)", null, [],
            ReasonKey: HistoryTexts.DuplicateFlagged, ReasonArgs: ["20261126000001 (12 m)"]),
        // A person's own words (text that looks like markup stays text).
        new(DateTimeOffset.UtcNow, "王操作", "cancel", "cancelled", "Same pile as <b>20261126000001</b>, 已处理", null, []),
        // Written before keys existed: shown as stored.
        new(DateTimeOffset.UtcNow, null, "merge_in", "reported", "Case 20261126000002 merged in as a duplicate.", null, []),
        // A public note the system wrote (stored in both languages), and its key.
        new(DateTimeOffset.UtcNow, null, "reopen", "registered", "回访未解决 / Follow-up: not solved", "您反映问题未解决，已重新受理。/ You said the problem is not solved: the case has been reopened.",
            [], ReasonKey: HistoryTexts.FollowUpNotSolved, ReasonArgs: [], PublicNoteKey: HistoryTexts.FollowUpReopened),
    ];

    private string[] HistoryTextsIn(string culture)
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        SignIn("op", "operator");
        var cut = Render<CaseDrawer>(p => p.Add(d => d.Case, CaseIn("reported", "field", "operator") with { History = History }));
        Assert.Empty(cut.FindAll(".cc-history b"));
        return cut.FindAll(".cc-history .mud-typography").Select(t => t.TextContent).ToArray();
    }

    [Fact]
    public void A_sentence_the_system_wrote_reads_in_chinese_on_a_chinese_desk_and_a_persons_words_and_older_rows_as_stored()
    {
        var texts = HistoryTextsIn("zh-CN");
        Assert.Equal(4, texts.Length);
        Assert.Contains("疑似重复 → 待受理 · 疑似与案件 20261126000001 (12 m) 重复", texts[0]);
        Assert.DoesNotContain("Flagged", texts[0]);
        Assert.Contains(" · Same pile as <b>20261126000001</b>, 已处理", texts[1]);
        Assert.Contains(" · Case 20261126000002 merged in as a duplicate.", texts[2]);
        Assert.Contains("重新打开 → 已立案 · 回访未解决", texts[3]);
        Assert.Contains("公开答复：您反映问题未解决，已重新受理。", texts[3]);
        Assert.DoesNotContain("You said", texts[3]);
    }

    [Fact]
    public void A_sentence_the_system_wrote_reads_in_english_on_an_english_desk_and_a_persons_words_and_older_rows_as_stored()
    {
        var texts = HistoryTextsIn("en");
        Assert.Equal(4, texts.Length);
        Assert.Contains(" · Flagged as likely duplicate of case 20261126000001 (12 m)", texts[0]);
        Assert.DoesNotContain("疑似", texts[0]);
        Assert.Contains(" · Same pile as <b>20261126000001</b>, 已处理", texts[1]);
        Assert.Contains(" · Case 20261126000002 merged in as a duplicate.", texts[2]);
        Assert.Contains("Follow-up: not solved", texts[3]);
        Assert.Contains("You said the problem is not solved: the case has been reopened.", texts[3]);
        Assert.DoesNotContain("您反映", texts[3]);
    }
}
