using Grid.Web.Pages;
using Grid.Web.Pages.Figures;

namespace Grid.Web.Components.Tests;

public sealed class IndicatorGridTests : DeskContext
{
    private static IndicatorRow Street(string key, string name, long due, long closed) =>
        new() { Key = key, Name = name, Reports = due + 1, Registered = due + 1, Dispatched = due, Due = due, Closed = closed };

    /// <summary>
    /// A supervisor sorts the streets by a rate: ascending, descending, then the groups' own order again; a street
    /// with no case due (0 / 0) comes last either way, and the total stays in the footer.
    /// </summary>
    [Fact]
    public void A_column_header_sorts_the_groups_by_its_rate_and_a_third_click_restores_their_order()
    {
        var rows = new[]
        {
            Street("320205001", "东街", due: 4, closed: 3),   // 75 %
            Street("320205002", "西街", due: 0, closed: 0),   // no case due
            Street("320205003", "南街", due: 5, closed: 1),   // 20 %
            Street("320205004", "北街", due: 2, closed: 2),   // 100 %
        };
        var table = new IndicatorTable(new FigureQuery(DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow, FigureGroups.Street), rows,
            new IndicatorRow { Reports = 15, Registered = 15, Dispatched = 11, Due = 11, Closed = 6 }, DateTimeOffset.UtcNow);
        var cut = Render<IndicatorGrid>(p => p.Add(g => g.Table, table).Add(g => g.Caption, "test").Add(g => g.CasesLink, (m, k) => $"/x?m={m}&k={k}"));
        string[] Order() => cut.FindAll("tbody td.group").Select(th => th.TextContent.Trim()[..2]).ToArray();
        string? SortOf(string title) => cut.FindAll("thead th").Single(th => th.TextContent.Trim() == title).GetAttribute("aria-sort");
        var closing = () => cut.FindAll("thead th button").Single(b => b.TextContent.Trim() == "结案率");

        Assert.Equal(["东街", "西街", "南街", "北街"], Order());
        Assert.Null(SortOf("结案率"));
        closing().Click();
        Assert.Equal(["南街", "东街", "北街", "西街"], Order());
        Assert.Equal("ascending", SortOf("结案率"));
        closing().Click();
        Assert.Equal(["北街", "东街", "南街", "西街"], Order());
        Assert.Equal("descending", SortOf("结案率"));
        closing().Click();
        Assert.Equal(["东街", "西街", "南街", "北街"], Order());
        Assert.Null(SortOf("结案率"));

        // By a count, and the total stays the footer's.
        cut.FindAll("thead th button").Single(b => b.TextContent.Trim() == "应结案数").Click();
        Assert.Equal(["西街", "北街", "东街", "南街"], Order());
        Assert.StartsWith("合计", cut.Find("tfoot td.group").TextContent.Trim());
    }
}
