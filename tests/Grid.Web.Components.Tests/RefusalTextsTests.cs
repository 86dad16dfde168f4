using System.Globalization;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;

namespace Grid.Web.Components.Tests;

/// <summary>
/// The case rules' refusals that carry a sentence key: the English text of the key, with the refusal's arguments, is
/// the refusal's own message word for word (so an English page loses nothing), and the Chinese text names the same
/// cell (the desk and the phone app read these in the reader's language).
/// </summary>
public sealed class RefusalTextsTests : DeskContext
{
    private const string Cell = "320213001001012";
    private static readonly DateTimeOffset Monday9 = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));

    private static Case NewCase(CaseState state, Guid? assignee = null) =>
        Case.Restore(7, Cell, "E0102", state, 3, false, null, null, assignee, null, null, 0, 0,
            Monday9.AddHours(-3), Monday9.AddHours(-2), null, null, null);

    private static Actor A(Role role, string? street = null, string? unit = null) => new(Guid.NewGuid(), [role], false, unit, street);

    public static TheoryData<string> Refusals => ["needs_reason", "not_your_cell", "not_handler", "wrong_state", "wrong_state_final", "role_not_allowed"];

    private static Refusal RefusalOf(string key) => key switch
    {
        "needs_reason" => NewCase(CaseState.Registered).Cancel(A(Role.Operator), "  ", Monday9).Refusal!,
        "not_your_cell" => NewCase(CaseState.Reported).Register(A(Role.Operator, street: "320213002"), Monday9).Refusal!,
        "wrong_state" => NewCase(CaseState.Registered).Accept(A(Role.GridWorker), Monday9).Refusal!,
        "wrong_state_final" => NewCase(CaseState.Cancelled).Register(A(Role.Operator), Monday9).Refusal!,
        "role_not_allowed" => NewCase(CaseState.Reported).Register(A(Role.GridWorker), Monday9).Refusal!,
        _ => NewCase(CaseState.Dispatched, assignee: Guid.NewGuid()).Accept(A(Role.UnitStaff), Monday9).Refusal!,
    };

    private string Text(string culture, Refusal refusal)
    {
        var ui = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            return HistoryTexts.Problem(Services.GetRequiredService<IStringLocalizer<Strings>>(), refusal.Key, refusal.Args, refusal.Message)!;
        }
        finally
        {
            CultureInfo.CurrentUICulture = ui;
        }
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_keyed_refusal_reads_as_its_message_in_english_and_in_chinese_on_a_chinese_page(string key)
    {
        var refusal = RefusalOf(key);
        Assert.Equal(key, refusal.Key);
        Assert.Equal(refusal.Message, Text("en", refusal));
        var zh = Text("zh-CN", refusal);
        Assert.NotEqual(refusal.Message, zh);
        Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", zh);
        if (key is "not_your_cell" or "not_handler") Assert.Contains(Cell, zh);
    }

    [Fact]
    public void A_refusal_without_a_key_reads_as_its_message_in_every_language()
    {
        var refusal = NewCase(CaseState.Reported).SelfHandle(A(Role.GridWorker), false, "done", [], Monday9).Refusal!;
        Assert.Null(refusal.Key);
        Assert.Equal(refusal.Message, Text("zh-CN", refusal));
    }
}
