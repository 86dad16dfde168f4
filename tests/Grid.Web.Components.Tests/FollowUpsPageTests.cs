using Grid.Web.Pages;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

public sealed class FollowUpsPageTests : DeskContext
{
    private readonly FakeFollowUps _source = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IFollowUpSource>(_source);

    [Fact]
    public void A_backlog_longer_than_a_page_says_how_many_wait_and_pages_through_them_on_the_server()
    {
        _source.Total = 1203;
        SignIn("op", "operator");
        var cut = Render<FollowUps>();

        Assert.Equal([1], _source.Pages);
        Assert.Contains("共 1203 件待回访", cut.Find("#followups-total").TextContent);
        Assert.Equal(FakeFollowUps.PageSize, cut.FindAll("#followups tbody tr").Count);
        Assert.Equal("F-1", cut.FindAll("#followups tbody tr")[0].QuerySelector("a")!.TextContent);

        cut.Find("#followups-pages button[aria-label='下一页']").Click();

        cut.WaitForAssertion(() => Assert.Equal("F-501", cut.FindAll("#followups tbody tr")[0].QuerySelector("a")!.TextContent));
        Assert.Equal([1, 2], _source.Pages);
        cut.Find("#followups-pages button[aria-label='下一页']").Click();
        cut.WaitForAssertion(() => Assert.Equal(203, cut.FindAll("#followups tbody tr").Count));
        Assert.Equal([1, 2, 3], _source.Pages);
    }

    [Fact]
    public void A_list_within_one_page_has_no_pager()
    {
        _source.Total = 3;
        SignIn("op", "operator");
        var cut = Render<FollowUps>();
        Assert.Equal(3, cut.FindAll("#followups tbody tr").Count);
        Assert.Contains("共 3 件待回访", cut.Find("#followups-total").TextContent);
        Assert.Empty(cut.FindAll("#followups-pages"));
    }

    private sealed class FakeFollowUps : IFollowUpSource
    {
        public const int PageSize = 500;
        public long Total { get; set; }
        public List<int> Pages { get; } = [];

        public Task<FollowUpPage> DueAsync(int page)
        {
            Pages.Add(page);
            var first = (page - 1) * PageSize + 1;
            var items = Enumerable.Range(first, (int)Math.Max(0, Math.Min(PageSize, Total - first + 1)))
                .Select(i => new FollowUpDue(i, $"F-{i}", "垃圾", "Road " + i, "张三", "13800000000", null,
                    new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.FromHours(8)), false))
                .ToList();
            return Task.FromResult(new FollowUpPage(items, Total, page, PageSize));
        }

        public Task<FollowUpOutcome> RecordAsync(long caseId, bool? solved, string? satisfaction, string? comment) =>
            Task.FromResult(new FollowUpOutcome(true, false, null));
    }
}
