using Grid.Web.Pages.Admin;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace Grid.Web.Components.Tests;

/// <summary>The console's forms: what they refuse before asking the server, and how they show the server's refusals.</summary>
public sealed class AdminFormsTests : DeskContext
{
    private readonly List<CategoryInput> _saves = [];
    private readonly List<int?> _versions = [];
    private readonly Queue<AdminResult<CategoryItem>> _answers = new();
    private readonly FakeCalendar _calendar = new();

    private static readonly CategoryItem Garbage = new("E0102", "event", "01", "02", "市容环境", "City appearance", "暴露垃圾", "Exposed garbage",
        1, "working_days", 2, "working_hours", "sanitation", "grid_worker", true, "有暴露垃圾", "已清除", 3, null);

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<ICalendarAdmin>(_calendar);

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(CategoryItem? original)
    {
        SignIn("admin", "admin");
        var provider = Render<MudDialogProvider>();
        var dialogs = Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<CategoryDialog>
        {
            { d => d.Original, original },
            { d => d.Units, [new UnitChoice("sanitation", "环卫处", "Sanitation")] },
            { d => d.Save, input =>
                {
                    _saves.Add(input);
                    _versions.Add(input.Version);
                    return Task.FromResult(_answers.Count > 0 ? _answers.Dequeue() : AdminResult<CategoryItem>.Success(Garbage));
                } },
        };
        await provider.InvokeAsync(() => dialogs.ShowAsync<CategoryDialog>("x", parameters));
        return provider;
    }

    private static void Save(IRenderedComponent<MudDialogProvider> provider) =>
        provider.InvokeAsync(() => provider.FindAll("button").Single(b => b.TextContent.Trim() == "保存").Click()).GetAwaiter().GetResult();

    [Fact]
    public async Task A_new_category_without_a_valid_code_name_limit_or_unit_is_refused_in_the_form_and_nothing_is_sent()
    {
        var provider = await OpenAsync(null);
        provider.FindAll("input")[0].Input("X12");
        Save(provider);
        provider.WaitForAssertion(() =>
        {
            Assert.Contains("编码为 C 或 E 加4位数字", provider.Markup);
            Assert.Contains("时限为大于0的整数。", provider.Markup);
            Assert.Contains("必填。", provider.Markup);
        });
        Assert.Empty(_saves);
    }

    [Fact]
    public async Task The_servers_field_errors_are_shown_and_the_dialog_stays_open()
    {
        _answers.Enqueue(AdminResult<CategoryItem>.Invalid(new Dictionary<string, string[]>
        {
            ["urgentLimitValue"] = ["The urgent limit (3 working days) is longer than the normal one (1 working days)."],
        }));
        var provider = await OpenAsync(Garbage);
        Save(provider);
        provider.WaitForAssertion(() => Assert.Contains("is longer than the normal one", provider.Markup));
        Assert.Single(_saves);
        Assert.Equal(3, _saves[0].Version);
    }

    [Fact]
    public async Task A_conflict_lists_what_someone_else_changed_and_the_next_save_is_made_on_their_version()
    {
        var theirs = Garbage with { LimitValue = 2, Version = 4 };
        _answers.Enqueue(AdminResult<CategoryItem>.Conflict("changed meanwhile", theirs));
        var provider = await OpenAsync(Garbage);
        Save(provider);
        provider.WaitForAssertion(() => Assert.Contains("处置时限: 1 工作日 → 2 工作日", provider.Find(".conflict").TextContent));
        Save(provider);
        Assert.Equal([3, 4], _versions);
    }

    [Fact]
    public async Task Pasted_calendar_errors_are_listed_with_their_lines_and_the_list_is_not_replaced()
    {
        SignIn("admin", "admin");
        _calendar.ParseAnswer = AdminResult<IReadOnlyList<CalendarDayItem>>.Invalid(new Dictionary<string, string[]>
        {
            ["text"] = ["Line 2: '2027-13-01' is not a date; write yyyy-MM-dd.", "Line 5: 'vacation' is not a kind of day."],
        });
        var page = Render<Calendar>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.calendar").GetAttribute("data-ready")));
        page.Find(".paste textarea").Change("2027-01-01 holiday 元旦\n2027-13-01 holiday x");
        // Found and clicked in one step: the field's change re-renders the page, and a button found before that is stale.
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "读取列表").Click());
        page.WaitForAssertion(() =>
        {
            var alert = page.Find(".paste-errors").TextContent;
            Assert.Contains("Line 2:", alert);
            Assert.Contains("Line 5:", alert);
        });
        Assert.Single(page.FindAll("#day-rows tr"));
        Assert.Empty(_calendar.Saved);
    }

    [Fact]
    public async Task A_day_outside_the_year_is_refused_before_it_joins_the_list()
    {
        SignIn("admin", "admin");
        var page = Render<Calendar>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.calendar").GetAttribute("data-ready")));
        var year = _calendar.LastYear;
        page.Find(".add-day input").Change($"{year + 1}-05-01");
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "添加").Click());
        page.WaitForAssertion(() => Assert.Contains($"日期不在 {year} 年内。", page.Markup));
        Assert.Single(page.FindAll("#day-rows tr"));
    }

    private sealed class FakeCalendar : ICalendarAdmin
    {
        public AdminResult<IReadOnlyList<CalendarDayItem>>? ParseAnswer { get; set; }
        public List<CalendarDaysInput> Saved { get; } = [];
        public int LastYear { get; private set; }

        public Task<CalendarYearView> YearAsync(int year)
        {
            LastYear = year;
            return Task.FromResult(new CalendarYearView(year, 1, [new CalendarDayItem(new DateOnly(year, 1, 1), "holiday", "元旦")], "Asia/Shanghai",
                [new WorkingPeriodItem(new(8, 30), new(12, 0))], [0, 6], 1));
        }

        public Task<AdminResult<IReadOnlyList<CalendarDayItem>>> ParseAsync(int year, string? text) => Task.FromResult(ParseAnswer!);

        public Task<AdminResult<CalendarYearView>> SaveDaysAsync(int year, CalendarDaysInput input)
        {
            Saved.Add(input);
            return Task.FromResult(AdminResult<CalendarYearView>.Forbidden("not in this test"));
        }

        public Task<AdminResult<CalendarYearView>> SaveSettingsAsync(int year, CalendarSettingsInput input) =>
            Task.FromResult(AdminResult<CalendarYearView>.Forbidden("not in this test"));
    }
}
