using Grid.Web.Pages;
using Grid.Web.Pages.Figures;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

public sealed class FigureCasesTests : DeskContext
{
    private readonly FakeFigures _figures = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IFiguresSource>(_figures);
        services.AddSingleton<IPublishedFigures>(new NothingPublished());
    }

    [Fact]
    public void The_drill_down_pages_through_the_measure_on_the_server_in_Chinese()
    {
        SignIn("sup", "supervisor");
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>()
            .NavigateTo("/figures/cases?measure=overdue&key=320213001&from=2026-11-01");
        var cut = Render<FigureCases>();

        Assert.Equal(50, cut.FindAll("tbody tr").Count);
        Assert.Contains((Measures.Overdue, "320213001", 1, 50), _figures.Calls);
        Assert.Equal("C-1", cut.FindAll("tbody tr")[0].QuerySelector("a")!.TextContent);
        // States read as words, each case links to the command center.
        Assert.Equal("已派遣", cut.FindAll("tbody tr")[0].Children[1].TextContent.Trim());
        Assert.Equal("/command?case=1", cut.FindAll("tbody tr")[0].QuerySelector("a")!.GetAttribute("href"));

        cut.Find("button[aria-label='下一页']").Click();

        cut.WaitForAssertion(() => Assert.Equal("C-51", cut.FindAll("tbody tr")[0].QuerySelector("a")!.TextContent));
        Assert.Contains((Measures.Overdue, "320213001", 2, 50), _figures.Calls);
        Assert.All(_figures.Queries, q => Assert.Equal(new DateTimeOffset(2026, 10, 31, 16, 0, 0, TimeSpan.Zero), q.From));
    }

    [Fact]
    public void A_person_who_may_not_see_figures_is_told_so_and_nothing_is_read()
    {
        _figures.Allowed = false;
        SignIn("w", "grid_worker");
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/figures/cases?measure=reports");
        var cut = Render<FigureCases>();
        Assert.Contains("督查领导", cut.Find(".mud-alert").TextContent);
        Assert.Empty(_figures.Calls);
    }

    private sealed class FakeFigures : IFiguresSource
    {
        public bool Allowed { get; set; } = true;
        public List<(string Measure, string? Key, int Page, int PageSize)> Calls { get; } = [];
        public List<FigureQuery> Queries { get; } = [];

        public Task<FiguresAccess> AccessAsync() => Task.FromResult(new FiguresAccess(Allowed, null, "no"));

        public FigureQuery? Parse(string? from, string? to, string? group, out string? error)
        {
            error = null;
            var start = from is null ? new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(8)) : DateTimeOffset.Parse(from + "T00:00:00+08:00");
            return new FigureQuery(start.ToUniversalTime(), start.AddDays(30).ToUniversalTime(), group ?? FigureGroups.Street);
        }

        public Task<FigureCasePage> CasesAsync(FigureQuery query, string measure, string? key, int page, int pageSize)
        {
            Calls.Add((measure, key, page, pageSize));
            Queries.Add(query);
            var items = Enumerable.Range((page - 1) * pageSize + 1, pageSize).Where(i => i <= 120)
                .Select(i => new FigureCase { Id = i, CaseNo = $"C-{i}", State = "dispatched", CategoryCode = "E0102", CellCode = "320213001001001",
                    CreatedAt = DateTimeOffset.UtcNow }).ToList();
            return Task.FromResult(new FigureCasePage(items, 120, page, pageSize));
        }

        public Task<IndicatorTable> IndicatorsAsync(FigureQuery query) => throw new NotSupportedException();
        public Task<IReadOnlyList<StageRow>> StageTimesAsync(FigureQuery query) => throw new NotSupportedException();
        public Task<EscalationFigures> EscalationsAsync(FigureQuery query, string? level, int limit) => throw new NotSupportedException();
    }

    private sealed class NothingPublished : IPublishedFigures
    {
        public Task<IReadOnlyList<PublishedMonth>> MonthsAsync() => Task.FromResult<IReadOnlyList<PublishedMonth>>([]);
        public Task<IndicatorTable?> IndicatorsAsync(DateOnly month, string group, int? version) => Task.FromResult<IndicatorTable?>(null);
        public Task<FigureCasePage?> CasesAsync(DateOnly month, string group, int? version, string measure, string? key, int page, int pageSize) =>
            Task.FromResult<FigureCasePage?>(null);
    }
}
