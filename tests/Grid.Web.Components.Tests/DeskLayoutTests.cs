using Grid.Web.Layout;
using Grid.Web.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Grid.Web.Components.Tests;

public sealed class DeskLayoutTests : DeskContext
{
    public static TheoryData<string, string[]> RolesAndLinks() => new()
    {
        { "operator", ["/", "/command", "/hotline", "/followups", "/duplicates", "/inbox", "/figures", "/m"] },
        { "supervisor", ["/", "/command", "/duplicates", "/inbox", "/figures", "/m"] },
        { "admin", ["/", "/command", "/inbox", "/figures", "/admin/people", "/admin/posts", "/admin/cells", "/admin/duty", "/admin/units", "/admin/categories", "/admin/calendar", "/admin/ladders", "/admin/devices", "/admin/audit", "/admin/api-keys", "/jobs", "/m"] },
        { "grid_worker", ["/", "/inbox", "/m"] },
    };

    [Theory]
    [MemberData(nameof(RolesAndLinks))]
    public void The_drawer_lists_only_what_the_role_may_open(string role, string[] links)
    {
        SignIn("someone", role);
        var cut = Render<DeskLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        var hrefs = cut.FindAll("a.mud-nav-link").Select(a => a.GetAttribute("href")).ToArray();
        Assert.Equal(links, hrefs);
    }

    [Fact]
    public void The_drawer_marks_the_open_page_and_follows_navigation()
    {
        SignIn("op1", "operator");
        var nav = Services.GetRequiredService<NavigationManager>();
        nav.NavigateTo("/command?case=5");
        var cut = Render<DeskLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        string[] Active() => cut.FindAll("a.mud-nav-link.active").Select(a => a.GetAttribute("href")!).ToArray();
        Assert.Equal(["/command"], Active());
        Assert.Equal("page", cut.Find("a.mud-nav-link.active").GetAttribute("aria-current"));
        Assert.Null(cut.Find("a.mud-nav-link[href='/']").GetAttribute("aria-current"));

        nav.NavigateTo("/figures/cases?measure=due");
        cut.WaitForAssertion(() => Assert.Equal(["/figures"], Active()));
        nav.NavigateTo("/");
        cut.WaitForAssertion(() => Assert.Equal(["/"], Active()));
    }

    /// <summary>
    /// Every desk page is a circuit open all day, and each component it keeps holds two render-tree buffers on the
    /// server (issue 10: under 1 MB a circuit). The drawer's links and the app bar's buttons are MudBlazor's markup
    /// written out, not a MudNavLink, NavLink, MudIconButton and MudIcon each.
    /// </summary>
    [Fact]
    public void The_layout_keeps_no_component_per_link_or_button()
    {
        SignIn("op1", "operator", "shift_lead", "dispatcher", "supervisor");
        var cut = Render<DeskLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        Assert.Equal(8, cut.FindAll("a.mud-nav-link").Count);
        Assert.Equal(2, cut.FindAll("header button.mud-icon-button").Count);
        var components = cut.FindComponents<IComponent>().Select(c => c.Instance.GetType().Name).Order().ToList();
        Assert.True(components.Count <= 22, $"The layout keeps {components.Count} components: {string.Join(", ", components)}");
    }

    [Fact]
    public void The_app_bar_names_the_person_and_offers_English_and_sign_out()
    {
        SignIn("op1", "operator");
        var cut = Render<DeskLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        var bar = cut.Find("header");
        Assert.Contains("Test op1 (op1)", bar.TextContent);
        Assert.Equal("English", cut.Find("a.lang").TextContent);
        Assert.StartsWith("/culture?c=en&returnUrl=", cut.Find("a.lang").GetAttribute("href"));
        Assert.Equal("退出", cut.Find("button.signout").TextContent);
    }

    [Fact]
    public void Wall_screen_mode_turns_the_layout_dark_with_larger_type_and_back()
    {
        SignIn("op1", "operator");
        var cut = Render<DeskLayout>(p => p.Add(l => l.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        var toggle = cut.Find("button[aria-label='大屏模式（深色、大字）']");
        Assert.Equal("false", toggle.GetAttribute("aria-pressed"));
        Assert.DoesNotContain("wall", cut.Find(".mud-layout").ClassList);

        toggle.Click();

        Assert.Contains("wall", cut.Find(".mud-layout").ClassList);
        Assert.Equal("true", cut.Find("button[aria-label='大屏模式（深色、大字）']").GetAttribute("aria-pressed"));
        Assert.True(cut.FindComponent<MudThemeProvider>().Instance.IsDarkMode);
        cut.Find("button[aria-label='大屏模式（深色、大字）']").Click();
        Assert.False(cut.FindComponent<MudThemeProvider>().Instance.IsDarkMode);
    }

    [Fact]
    public async Task The_inbox_count_in_the_app_bar_follows_escalations_live()
    {
        SignIn("worker1", "grid_worker");
        var cut = Render<InboxBadge>();
        Assert.Empty(cut.FindAll(".count"));

        InboxSource.Items.Add(Item(7, "C-7"));
        await Feed.PushAsync("case_changed", 7);
        Assert.Empty(cut.FindAll(".count"));
        await Feed.PushAsync("case_escalated", 7);
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find(".count").TextContent));
        Assert.Equal("1 条未读", cut.Find(".count").GetAttribute("aria-label"));
    }

    [Fact]
    public void Marking_an_item_read_updates_the_list_and_the_app_bar_count_without_reload()
    {
        SignIn("worker1", "grid_worker");
        InboxSource.Items.Add(Item(1, "C-1"));
        InboxSource.Items.Add(Item(2, "C-2"));
        var badge = Render<InboxBadge>();
        var inbox = Render<Inbox>();
        Assert.Equal("2", badge.Find(".count").TextContent);

        inbox.Find("button[aria-label='将案件 C-2 的消息标为已读']").Click();

        Assert.Equal([2L], InboxSource.MarkedRead);
        inbox.WaitForAssertion(() => Assert.Single(inbox.FindAll("button[aria-label^='将案件']")));
        badge.WaitForAssertion(() => Assert.Equal("1", badge.Find(".count").TextContent));
        // Field staff jump to the case in the field app.
        Assert.Equal("/m/cases/1", inbox.FindAll("a").First(a => a.TextContent == "C-1").GetAttribute("href"));
    }

    [Fact]
    public void MudBlazor_speaks_Chinese_by_default_and_its_own_English_on_request()
    {
        var texts = Services.GetRequiredService<ILocalizationInterceptor>();
        Assert.Equal("每页行数：", texts.Handle("MudDataGridPager_RowsPerPage").Value);
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("en");
        Assert.Equal("Rows per page:", texts.Handle("MudDataGridPager_RowsPerPage").Value);
    }

    private static InboxEntry Item(long id, string caseNo) => new()
    {
        Id = id, CaseId = id, CaseNo = caseNo, CaseState = "dispatched", Description = "Garbage", Level = "supervise",
        Note = "请尽快处置", OrderedByName = "Lead", CreatedAt = DateTimeOffset.UtcNow,
    };
}
