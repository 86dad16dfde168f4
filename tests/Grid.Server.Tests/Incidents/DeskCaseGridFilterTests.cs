using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Command;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// Cases in two streets (two communities) for the command center's grid: the grid reads through its own source inside
/// the circuit (<see cref="ICommandSource.ListAsync"/>, which maps the page's filters onto the list query), not through
/// GET /api/cases, so its filters are tested here, each with a case it must return and one it must leave out.
/// </summary>
public sealed class DeskGridCases : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public TestWorld Here { get; private set; } = null!;
    public TestWorld There { get; private set; } = null!;
    /// <summary>Serves cells 0-2 here and cell 0 there: sees every case below and nobody else's.</summary>
    public TestUser Head { get; private set; } = null!;
    public string Marker { get; } = "zq" + Guid.NewGuid().ToString("N")[..8];
    /// <summary>Here, cell 0: a field report of the light event, reported, with <see cref="Marker"/> in its description.</summary>
    public CaseView Reported { get; private set; } = null!;
    /// <summary>There, cell 0: a hotline call about the component, registered.</summary>
    public CaseView Hotline { get; private set; } = null!;
    /// <summary>Here, cell 1: dispatched, its deadline an hour ago.</summary>
    public CaseView Late { get; private set; } = null!;
    /// <summary>Here, cell 2: dispatched, on time.</summary>
    public CaseView OnTime { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.SharedAsync();
        Here = await TestWorld.CreateAsync(Server);
        There = await TestWorld.CreateAsync(Server);
        Head = await Here.PersonAsync([Role.GridHead], [Here.Cells[0], Here.Cells[1], Here.Cells[2], There.Cells[0]]);
        var worker = await Here.PersonAsync([Role.GridWorker], [Here.Cells[0], Here.Cells[1], Here.Cells[2], There.Cells[0]]);
        var op = await Here.PersonAsync([Role.Operator, Role.Dispatcher], []);

        var (lat, lon) = Here.Inside(0);
        Reported = await TestWorld.ReadAsync<CaseView>(await worker.Client.PostAsJsonAsync("/api/cases",
            new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = $"Pile {Marker} at the gate" }), HttpStatusCode.Created);
        var (lat2, lon2) = There.Inside(0);
        Hotline = await TestWorld.ReadAsync<CaseView>(await op.Client.PostAsJsonAsync("/api/cases",
            new { lat = lat2, lon = lon2, categoryCode = TestCatalogue.Component, description = "Cover missing", source = "hotline" }), HttpStatusCode.Created);
        await op.StepOkAsync(Hotline.Id, "register");
        Late = await Here.ReportAsync(worker, 1);
        OnTime = await Here.ReportAsync(worker, 2);
        foreach (var c in new[] { Late, OnTime })
        {
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch", new { assigneeId = worker.Id });
        }
        await using var conn = await Server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("update cases set deadline = now() - interval '1 hour' where id = @Id", new { Late.Id });
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class DeskCaseGridFilterTests(DeskGridCases c) : IClassFixture<DeskGridCases>
{
    private async Task<List<long>> IdsAsync(CaseQuery query)
    {
        await using var desk = await DeskScope.ForAsync(c.Server, c.Head);
        var slice = await desk.Get<ICommandSource>().ListAsync(query with { Count = 200 });
        return slice.Items.Select(i => i.Id).ToList();
    }

    /// <summary>Without the filter (every state) both are listed; with it, only <paramref name="kept"/>.</summary>
    private async Task AssertFiltersAsync(CaseQuery filter, long kept, long excluded)
    {
        var all = await IdsAsync(new CaseQuery(State: null));
        Assert.Contains(kept, all);
        Assert.Contains(excluded, all);
        var filtered = await IdsAsync(filter);
        Assert.True(filtered.Contains(kept), $"{filter} left out case {kept}, which it must return");
        Assert.False(filtered.Contains(excluded), $"{filter} returned case {excluded}, which it must leave out");
    }

    [Fact]
    public async Task State_filter_lists_only_that_state()
    {
        await AssertFiltersAsync(new CaseQuery(State: "reported"), c.Reported.Id, c.Hotline.Id);
        await AssertFiltersAsync(new CaseQuery(State: "registered"), c.Hotline.Id, c.Reported.Id);
    }

    [Fact]
    public async Task Category_filter_lists_only_that_category() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Category: TestCatalogue.Component), c.Hotline.Id, c.Reported.Id);

    [Fact]
    public async Task Street_filter_lists_only_that_street() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Street: c.There.Street), c.Hotline.Id, c.Reported.Id);

    [Fact]
    public async Task Community_filter_lists_only_that_community() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Street: c.Here.Street, Community: c.Here.Community), c.Reported.Id, c.Hotline.Id);

    [Fact]
    public async Task Cell_filter_lists_only_that_cell() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Cell: c.Here.Cells[0]), c.Reported.Id, c.Late.Id);

    [Fact]
    public async Task Source_filter_lists_only_that_source()
    {
        await AssertFiltersAsync(new CaseQuery(State: null, Source: "hotline"), c.Hotline.Id, c.Reported.Id);
        await AssertFiltersAsync(new CaseQuery(State: null, Source: "field"), c.Reported.Id, c.Hotline.Id);
    }

    [Fact]
    public async Task Overdue_filter_lists_only_open_cases_past_their_deadline() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Overdue: true), c.Late.Id, c.OnTime.Id);

    [Fact]
    public async Task Text_filter_lists_only_matching_cases() =>
        await AssertFiltersAsync(new CaseQuery(State: null, Text: c.Marker), c.Reported.Id, c.Late.Id);

    /// <summary>
    /// The grid's total (how far it scrolls) must be the number of cases the same filters list, whatever the window the
    /// grid asks for.
    /// </summary>
    [Fact]
    public async Task The_grid_total_is_the_number_of_cases_its_filters_list_whatever_the_window()
    {
        await using var desk = await DeskScope.ForAsync(c.Server, c.Head);
        var source = desk.Get<ICommandSource>();
        foreach (var query in new[]
        {
            new CaseQuery(State: null), new CaseQuery(), new CaseQuery(State: "dispatched"), new CaseQuery(State: "registered", Street: c.There.Street),
            new CaseQuery(State: null, Overdue: true), new CaseQuery(State: null, Text: c.Marker), new CaseQuery(Street: c.Here.Street, Cell: c.Here.Cells[2]),
        })
        {
            var all = await source.ListAsync(query with { Count = 200 });
            var window = await source.ListAsync(query with { Offset = 1, Count = 1 });
            Assert.True(all.Items.Count < 200, $"{query}: more than a window");
            Assert.True(all.Total == all.Items.Count, $"{query}: total {all.Total}, listed {all.Items.Count}");
            Assert.Equal(all.Total, window.Total);
            Assert.Equal(all.Items.Skip(1).Take(1).Select(i => i.Id), window.Items.Select(i => i.Id));
        }
        Assert.Equal(4, (await source.ListAsync(new CaseQuery(State: null))).Total);
        Assert.Equal(2, (await source.ListAsync(new CaseQuery(State: "dispatched"))).Total);
    }

    [Fact]
    public async Task The_counts_per_state_apply_the_other_filters()
    {
        await using var desk = await DeskScope.ForAsync(c.Server, c.Head);
        var counts = await desk.Get<ICommandSource>().CountsAsync(new CaseQuery(Street: c.There.Street));
        Assert.Equal(1, counts.GetValueOrDefault("registered"));
        Assert.Equal(0, counts.GetValueOrDefault("reported"));
        Assert.Equal(0, counts.GetValueOrDefault("dispatched"));
    }
}
