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

    private static Task ClickAsync(IRenderedComponent<Calendar> page, string text) =>
        page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == text).Click());

    [Theory]
    [InlineData("08:30-12:00, 11:30-17:30", "overlap")]
    [InlineData("13:30-12:00", "must end after it starts")]
    [InlineData("08:30-12:00, 9点-10点", "不是时段")]
    public async Task A_years_working_periods_that_overlap_run_backwards_or_are_not_times_are_refused_before_anything_is_sent(string typed, string message)
    {
        SignIn("admin", "admin");
        var page = Render<Calendar>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.calendar").GetAttribute("data-ready")));
        page.Find(".year-periods-field input").Change(typed);
        await ClickAsync(page, $"保存 {_calendar.LastYear} 年时段");
        page.WaitForAssertion(() => Assert.Contains(message, page.Find(".year-periods-message").TextContent));
        Assert.Empty(_calendar.PeriodSaves);
    }

    [Fact]
    public async Task A_year_without_periods_of_its_own_says_it_works_the_default_ones_and_saves_its_own_on_its_version()
    {
        SignIn("admin", "admin");
        var page = Render<Calendar>();
        page.WaitForAssertion(() => Assert.Contains("尚未单独设置时段，按默认时段 08:30-12:00", page.Find(".year-periods-status").TextContent));
        var year = _calendar.LastYear;
        var mine = new[] { new WorkingPeriodItem(new(9, 0), new(12, 0)), new WorkingPeriodItem(new(13, 0), new(17, 0)) };
        // Someone else saved 08:00-12:00 meanwhile: the page says so, keeps what was typed, and the next save is made on their version.
        var theirs = new CalendarYearView(year, 1, [], "Asia/Shanghai", [new WorkingPeriodItem(new(8, 30), new(12, 0))], [0, 6], 1,
            [new WorkingPeriodItem(new(8, 0), new(12, 0))], 3);
        _calendar.PeriodAnswers.Enqueue(AdminResult<CalendarYearView>.Conflict("changed meanwhile", theirs));
        _calendar.PeriodAnswers.Enqueue(AdminResult<CalendarYearView>.Success(theirs with { YearPeriods = mine, PeriodsVersion = 4 }));
        page.Find(".year-periods-field input").Change("13:00-17:00, 9:00-12:00");
        await ClickAsync(page, $"保存 {year} 年时段");
        page.WaitForAssertion(() => Assert.Contains($"他人已修改 {year} 年时段为：08:00-12:00", page.Find(".year-periods-message").TextContent));
        Assert.Equal("13:00-17:00, 9:00-12:00", page.Find(".year-periods-field input").GetAttribute("value"));
        await ClickAsync(page, $"保存 {year} 年时段");
        page.WaitForAssertion(() => Assert.Contains($"{year} 年派遣的案件按这些时段计算时限", page.Find(".year-periods-status").TextContent));
        Assert.Equal([2, 3], _calendar.PeriodSaves.Select(s => s.Version));
        Assert.Equal(mine, _calendar.PeriodSaves[^1].Periods);
        Assert.Contains("每日 7 小时", page.Find(".year-periods-status").TextContent);
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
                [new WorkingPeriodItem(new(8, 30), new(12, 0))], [0, 6], 1, YearPeriods, 2));
        }

        public Task<AdminResult<IReadOnlyList<CalendarDayItem>>> ParseAsync(int year, string? text) => Task.FromResult(ParseAnswer!);

        public Task<AdminResult<CalendarYearView>> SaveDaysAsync(int year, CalendarDaysInput input)
        {
            Saved.Add(input);
            return Task.FromResult(AdminResult<CalendarYearView>.Forbidden("not in this test"));
        }

        public Task<AdminResult<CalendarYearView>> SaveSettingsAsync(int year, CalendarSettingsInput input) =>
            Task.FromResult(AdminResult<CalendarYearView>.Forbidden("not in this test"));

        public IReadOnlyList<WorkingPeriodItem> YearPeriods { get; set; } = [];
        public List<CalendarPeriodsInput> PeriodSaves { get; } = [];
        public Queue<AdminResult<CalendarYearView>> PeriodAnswers { get; } = new();

        public Task<AdminResult<CalendarYearView>> SavePeriodsAsync(int year, CalendarPeriodsInput input)
        {
            PeriodSaves.Add(input);
            return Task.FromResult(PeriodAnswers.Count > 0 ? PeriodAnswers.Dequeue() : AdminResult<CalendarYearView>.Forbidden("not in this test"));
        }
    }
}
