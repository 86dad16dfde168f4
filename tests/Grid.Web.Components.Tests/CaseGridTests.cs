using Grid.Web.Pages.Command;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

public sealed class CaseGridTests : DeskContext
{
    private readonly FakeCommand _source = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<ICommandSource>(_source);

    private IRenderedComponent<CaseGrid> RenderGrid(CaseQuery? initial = null, int cases = 30, Action<long>? onOpen = null)
    {
        SignIn("op", "operator");
        for (var i = 1; i <= cases; i++)
        {
            _source.Items.Add(new CaseItem(i, $"2026112600{i:0000}", "reported", 31.58, 120.3, "E0102", "暴露垃圾", "hotline", "normal",
                "320213001001012", "东河路 " + i, null, false, 1, DateTimeOffset.UtcNow.AddMinutes(-i)));
        }
        return Render<CaseGrid>(p => p
            .Add(g => g.Initial, initial ?? new CaseQuery())
            .Add(g => g.Categories, [new Choice("E0102", "E0102 暴露垃圾"), new Choice("C0101", "C0101 上水井盖")])
            .Add(g => g.Streets, [new Choice("320213001", "崇安寺街道 (320213001)"), new Choice("320213002", "广益街道 (320213002)")])
            .Add(g => g.Communities, [new Choice("320213001001", "东河社区 (320213001001)"), new Choice("320213002001", "西园社区 (320213002001)")])
            .Add(g => g.OnOpen, id => onOpen?.Invoke(id)));
    }

    private static AngleSharp.Dom.IElement Field(IRenderedComponent<CaseGrid> cut, string label) =>
        cut.FindAll(".cc-filters label").Single(l => l.TextContent.Trim().StartsWith(label, StringComparison.Ordinal))
            .QuerySelector("select, input")!;

    [Fact]
    public void Each_filter_goes_into_the_query_the_grid_asks_the_server_for()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(_source.Lists));
        var first = _source.Lists[^1];
        // By default: every open state, newest first, nothing else narrowed.
        Assert.Equal(CaseQuery.OpenStates, first.StateCodes);
        Assert.Equal((CaseSort.Created, true), (first.Sort, first.Descending));
        Assert.Null(first.Place);

        Field(cut, "状态").Change("dispatched");
        Field(cut, "类别").Change("C0101");
        Field(cut, "街道").Change("320213001");
        Field(cut, "社区").Change("320213001001");
        Field(cut, "来源").Change("citizen");
        Field(cut, "网格编码").Change(" 320213001001012 ");
        Field(cut, "搜索").Change("井盖");
        cut.Find(".cc-filters input[type=checkbox]").Change(true);

        cut.WaitForAssertion(() => Assert.True(_source.Lists[^1].Overdue));
        var q = _source.Lists[^1];
        Assert.Equal(["dispatched"], q.StateCodes);
        Assert.Equal("C0101", q.Category);
        Assert.Equal("320213001", q.Street);
        Assert.Equal("320213001001", q.Community);
        Assert.Equal("320213001001", q.Place);
        Assert.Equal("citizen", q.Source);
        Assert.Equal("320213001001012", q.Cell);
        Assert.Equal("井盖", q.Text);

        // Choosing another street clears the community (a community of the old street would list nothing).
        Field(cut, "街道").Change("320213002");
        cut.WaitForAssertion(() => Assert.Equal("320213002", _source.Lists[^1].Place));
        Assert.Null(_source.Lists[^1].Community);
        // "All states" lists every state.
        Field(cut, "状态").Change("");
        cut.WaitForAssertion(() => Assert.Null(_source.Lists[^1].StateCodes));
    }

    [Fact]
    public void A_count_filters_the_grid_by_its_state_and_a_second_click_lists_the_open_cases_again()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(_source.Lists));
        cut.Find(".cc-counts li[data-state=resolved] button").Click();
        cut.WaitForAssertion(() => Assert.Equal(["resolved"], _source.Lists[^1].StateCodes));
        cut.Find(".cc-counts li[data-state=resolved] button").Click();
        cut.WaitForAssertion(() => Assert.Equal(CaseQuery.OpenStates, _source.Lists[^1].StateCodes));
    }

    [Fact]
    public void The_grid_asks_for_the_window_and_the_sort_it_shows()
    {
        var cut = RenderGrid(new CaseQuery(Street: "320213001"));
        var q = cut.Instance.QueryFor(400, 37, nameof(CaseItem.Deadline), descending: false);
        Assert.Equal((400, 37, CaseSort.Deadline, false, "320213001"), (q.Offset, q.Count, q.Sort, q.Descending, q.Street));
        Assert.Equal((CaseSort.CaseNo, true), (cut.Instance.QueryFor(0, 10, nameof(CaseItem.CaseNo), true).Sort, true));
        // No sort chosen: newest first. A window larger than the server allows is cut to 200 rows.
        var plain = cut.Instance.QueryFor(0, 5000, null, false);
        Assert.Equal((CaseSort.Created, true, 200), (plain.Sort, plain.Descending, plain.Count));
        // The rows come from the server: the grid shows what the source answered.
        cut.WaitForAssertion(() => Assert.Contains("2026112600" + "0001", cut.Markup));
    }

    [Fact]
    public void A_case_matches_the_filters_the_way_the_server_filters()
    {
        var q = new CaseQuery(Street: "320213001", Source: "hotline", Overdue: true);
        Assert.True(q.Matches("dispatched", "320213001001012", "E0102", "hotline", overdue: true));
        Assert.False(q.Matches("dispatched", "320213002001012", "E0102", "hotline", overdue: true));
        Assert.False(q.Matches("dispatched", "320213001001012", "E0102", "field", overdue: true));
        Assert.False(q.Matches("dispatched", "320213001001012", "E0102", "hotline", overdue: false));
        Assert.False(q.Matches("closed", "320213001001012", "E0102", "hotline", overdue: true));
    }

    [Fact]
    public void A_column_header_sorts_by_its_column_ascending_then_descending_then_newest_first_again()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(_source.Lists));
        AngleSharp.Dom.IElement Header(string title) => cut.FindAll(".cc-grid th").Single(th => th.TextContent.Trim() == title);

        Header("处置时限").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal((CaseSort.Deadline, false), (_source.Lists[^1].Sort, _source.Lists[^1].Descending)));
        Assert.Equal("ascending", Header("处置时限").GetAttribute("aria-sort"));
        Assert.Null(Header("上报时间").GetAttribute("aria-sort"));

        Header("处置时限").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal((CaseSort.Deadline, true), (_source.Lists[^1].Sort, _source.Lists[^1].Descending)));
        Assert.Equal("descending", Header("处置时限").GetAttribute("aria-sort"));

        Header("处置时限").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal((CaseSort.Created, true), (_source.Lists[^1].Sort, _source.Lists[^1].Descending)));
        Assert.Null(Header("处置时限").GetAttribute("aria-sort"));

        // Another column starts ascending; the filters stay as they were.
        Header("案件").QuerySelector("button")!.Click();
        cut.WaitForAssertion(() => Assert.Equal((CaseSort.CaseNo, false), (_source.Lists[^1].Sort, _source.Lists[^1].Descending)));
        Assert.Equal(CaseQuery.OpenStates, _source.Lists[^1].StateCodes);
    }

    [Fact]
    public void A_row_opens_its_case_and_the_list_says_when_nothing_matches()
    {
        var opened = new List<long>();
        var cut = RenderGrid(onOpen: opened.Add);
        cut.WaitForAssertion(() => Assert.Contains("2026112600" + "0007", cut.Markup));
        cut.FindAll("button.cc-row").Single(b => b.TextContent.Contains("2026112600" + "0007")).Click();
        Assert.Equal([7L], opened);

        _source.Items.Clear();
        cut.Find(".cc-counts li[data-state=closed] button").Click();
        cut.WaitForAssertion(() => Assert.Contains("没有符合条件的案件", cut.Find(".cc-grid tbody").TextContent));
        Assert.Empty(cut.FindAll("button.cc-row"));
    }

    /// <summary>
    /// Memory of an open command center (issue 10: under 1 MB a circuit, measured by bench/circuits): every component a
    /// page keeps holds two render-tree buffers on the server for as long as the page is open. MudBlazor's data grid,
    /// with its options off, keeps a fixed set (our rows component, the grid, its virtualiser, a header cell, sort button and icon per
    /// column, the column definitions, its cascading values, an unused edit dialog) and one cascading value per row it
    /// shows, nothing per cell. Turning a grid option on (column menus, filter buttons, resizing, editing) or a
    /// component in a cell grows one of these two numbers and turns this red.
    /// </summary>
    [Theory]
    [InlineData(5)]
    [InlineData(60)]
    public void The_grid_keeps_its_fixed_parts_and_one_component_per_row_shown_and_none_per_cell(int cases)
    {
        const int fixedParts = 24;
        var cut = RenderGrid(cases: cases);
        cut.WaitForAssertion(() => Assert.Equal(cases, cut.FindAll("button.cc-row").Count));
        var components = cut.FindComponents<IComponent>().Select(c => c.Instance.GetType().Name).Order().ToList();
        Assert.True(components.Count == fixedParts + cases,
            $"The grid keeps {components.Count} components for {cases} rows (expected {fixedParts} + one a row): {string.Join(", ", components)}");
        Assert.Empty(cut.FindComponents<MudBlazor.MudMenu>());
        Assert.Empty(cut.FindComponents<MudBlazor.MudPopover>());
    }

    /// <summary>
    /// The live counts and total change a few times a second in a busy city: they render the counts, not the grid again
    /// (its rows come through its virtualiser). A new selection or hover does render it.
    /// </summary>
    [Fact]
    public void A_new_count_does_not_render_the_grid_again_and_a_new_selection_does()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button.cc-row")));
        var grid = cut.FindComponent<MudBlazor.MudDataGrid<CaseItem>>();
        var before = grid.RenderCount;

        cut.Render(p => p.Add(g => g.Counts, new Dictionary<string, long> { ["reported"] = 41 }));
        cut.WaitForAssertion(() => Assert.Contains("41", cut.Find(".cc-counts li[data-state=reported]").TextContent));
        Assert.Equal(before, grid.RenderCount);

        cut.Render(p => p.Add(g => g.SelectedId, 7L));
        cut.WaitForAssertion(() => Assert.Equal("true", cut.FindAll("button.cc-row").Single(b => b.TextContent.Contains("2026112600" + "0007")).GetAttribute("aria-current")));
        Assert.True(grid.RenderCount > before);
        Assert.Contains("selected", cut.FindAll(".cc-grid tbody tr").Single(tr => tr.TextContent.Contains("2026112600" + "0007")).ClassName);
    }

    /// <summary>
    /// Every live reload renders the grid's columns again. A column given a new property expression compiles it
    /// (MudBlazor's PropertyColumn), which in every open command center after every change was a fifth of the server's
    /// work: the columns keep the same expressions through reloads and new selections. Red with the lambdas written
    /// inline in the markup.
    /// </summary>
    [Fact]
    public async Task The_columns_keep_their_property_expressions_through_reloads_and_selections()
    {
        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button.cc-row")));
        var grid = cut.FindComponent<MudBlazor.MudDataGrid<CaseItem>>();
        object[] Properties() =>
        [
            cut.FindComponent<MudBlazor.PropertyColumn<CaseItem, string>>().Instance.Property,
            cut.FindComponent<MudBlazor.PropertyColumn<CaseItem, DateTimeOffset?>>().Instance.Property,
            cut.FindComponent<MudBlazor.PropertyColumn<CaseItem, DateTimeOffset>>().Instance.Property,
        ];
        var first = Properties();
        var renders = grid.RenderCount;
        var lists = _source.Lists.Count;

        _source.Items.Insert(0, _source.Items[0] with { Id = 99, CaseNo = "20261126009999" });
        await cut.InvokeAsync(() => cut.Instance.ReloadAsync());
        cut.WaitForAssertion(() => Assert.Contains("20261126009999", cut.Find(".cc-grid tbody").TextContent));
        cut.Render(p => p.Add(g => g.SelectedId, 3L));
        cut.WaitForAssertion(() => Assert.True(grid.RenderCount > renders + 1));

        Assert.True(_source.Lists.Count > lists);
        var now = Properties();
        for (var i = 0; i < first.Length; i++) Assert.Same(first[i], now[i]);
    }

    /// <summary>The grid reads windows of rows, never the whole list: a city's 5,000 open cases are not all on the page.</summary>
    [Fact]
    public void The_grid_shows_a_window_of_a_long_list_and_asks_the_server_only_for_windows()
    {
        var cut = RenderGrid(cases: 5000);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button.cc-row")));
        var shown = cut.FindAll("button.cc-row").Count;
        Assert.InRange(shown, 1, 200);
        Assert.All(_source.Lists, q => Assert.InRange(q.Count, 1, 200));
        Assert.Equal(5000, _source.Items.Count);
        Assert.Contains("5000", cut.Find(".cc-shown").TextContent);
    }

    [Fact]
    public void The_grid_shows_times_short_in_the_city_zone_and_the_year_only_when_it_is_not_this_one()
    {
        var now = DateTimeOffset.Parse("2027-01-01T00:30:00Z"); // 08:30 on 1 January in the city
        Assert.Equal("01-01 01:00", CityTime.Short(DateTimeOffset.Parse("2026-12-31T17:00:00Z"), now));
        Assert.Equal("2026-12-31", CityTime.Short(DateTimeOffset.Parse("2026-12-31T15:59:00Z"), now));
        Assert.Equal("—", CityTime.Short(null, now));

        var cut = RenderGrid();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button.cc-row")));
        var first = _source.Items[0];
        var row = cut.FindAll(".cc-grid tbody tr").First(tr => tr.TextContent.Contains(first.CaseNo));
        Assert.Equal(["—", CityTime.Short(first.CreatedAt, DateTimeOffset.UtcNow)], row.QuerySelectorAll("td.time").Select(td => td.TextContent.Trim()));
    }
}
