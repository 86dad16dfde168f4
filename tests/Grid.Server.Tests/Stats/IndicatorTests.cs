using System.Net;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages;

namespace Grid.Server.Tests.Stats;

/// <summary>
/// Ten cases with hand-set times in March 2025 (and one in February) in a street of their own, read
/// by that street's supervisor, so the figures count exactly these cases.
/// </summary>
public sealed class IndicatorTests
{
    private const string Period = "from=2025-03-01&to=2025-03-31";
    private static readonly DateTimeOffset Day0 = new(2025, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private sealed record Fixture(TestWorld World, TestUser Supervisor, Dictionary<int, long> Ids);

    private sealed record Row(int No, int Cell, string State, double CreatedDay, double? RegisteredH, double? DispatchedH, double? DeadlineDay,
        double? ClosedDay, int Extensions = 0, int Reworks = 0);

    // created = Day0 + CreatedDay; registered/dispatched = created + hours; deadline/closed = Day0 + days.
    private static readonly Row[] Rows =
    [
        new(1, 0, "reported", 0, null, null, null, null),
        new(2, 0, "registered", 1, 1, null, null, null),
        new(3, 0, "closed", 2, 2, 3, 8, 7),                        // closed on time
        new(4, 0, "closed", 3, 3, 4, 8, 10, Reworks: 1),           // closed late, one rework
        new(5, 0, "in_progress", 4, 1, 2, 18, null),               // past its deadline: due, not closed, overdue now
        new(6, 0, "in_progress", 5, 1, 2, 30000, null, Extensions: 1), // extended far ahead: not due yet
        new(7, 1, "closed", 6, 1, 2, 23, 22, Extensions: 1),       // extended, then closed on time
        new(8, 1, "closed", 7, 1, 2, 20, 19, Reworks: 2),          // two reworks, closed on time
        new(9, 1, "on_hold", 8, 1, 2, 3, null),                    // clock paused: not due
        new(10, 1, "in_progress", -20, 1, 2, -10, null),           // February: only in the overdue count
    ];

    private static async Task<Fixture> FixtureAsync()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var ids = new Dictionary<int, long>();
        await using var conn = await server.Db.OpenConnectionAsync();
        foreach (var r in Rows)
        {
            var created = Day0.AddDays(r.CreatedDay);
            var (lat, lon) = world.Inside(r.Cell);
            ids[r.No] = await conn.ExecuteScalarAsync<long>("""
                insert into cases (case_no, location, category_code, source, description, state, cell_code, assigned_unit_id,
                                   created_at, registered_at, dispatched_at, accepted_at, resolved_at, closed_at, deadline,
                                   extension_count, rework_count, updated_at)
                values (@CaseNo, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), 'E9901', 'field', 'fixture', @State, @Cell, @Unit,
                        @Created, @Registered, @Dispatched, @Accepted, @Resolved, @Closed, @Deadline, @Extensions, @Reworks, @Created)
                returning id
                """, new
            {
                CaseNo = $"F{Guid.NewGuid():N}"[..20], Lon = lon, Lat = lat, r.State, Cell = world.Cells[r.Cell],
                Unit = r.DispatchedH is null ? null : TestCatalogue.Unit, Created = created,
                Registered = r.RegisteredH is { } rh ? created.AddHours(rh) : (DateTimeOffset?)null,
                Dispatched = r.DispatchedH is { } dh ? created.AddHours(dh) : (DateTimeOffset?)null,
                Accepted = r.DispatchedH is { } ah ? created.AddHours(ah + 1) : (DateTimeOffset?)null,
                Resolved = r.ClosedDay is { } rd ? Day0.AddDays(rd).AddHours(-2) : (DateTimeOffset?)null,
                Closed = r.ClosedDay is { } cd ? Day0.AddDays(cd) : (DateTimeOffset?)null,
                Deadline = r.DeadlineDay is { } d ? Day0.AddDays(d) : (DateTimeOffset?)null,
                r.Extensions, r.Reworks,
            });
        }
        return new Fixture(world, supervisor, ids);
    }

    [Fact]
    public async Task Indicators_by_cell_match_the_hand_count()
    {
        var f = await FixtureAsync();
        var table = await TestWorld.ReadAsync<IndicatorTable>(await f.Supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=cell"));

        Assert.Equal([f.World.Cells[0], f.World.Cells[1]], table.Rows.Select(r => r.Key));
        var c0 = table.Rows[0];
        Assert.Equal((6L, 5L, 4L, 3L, 2L, 1L, 1L, 1L, 0L, 1L),
            (c0.Reports, c0.Registered, c0.Dispatched, c0.Due, c0.Closed, c0.ClosedOnTime, c0.Reworks, c0.Reworked, c0.Extended, c0.Overdue));
        var c1 = table.Rows[1];
        Assert.Equal((3L, 3L, 3L, 2L, 2L, 2L, 2L, 1L, 1L, 1L),
            (c1.Reports, c1.Registered, c1.Dispatched, c1.Due, c1.Closed, c1.ClosedOnTime, c1.Reworks, c1.Reworked, c1.Extended, c1.Overdue));
        var t = table.Total;
        Assert.Equal((9L, 8L, 7L, 5L, 4L, 3L, 3L, 2L, 1L, 2L),
            (t.Reports, t.Registered, t.Dispatched, t.Due, t.Closed, t.ClosedOnTime, t.Reworks, t.Reworked, t.Extended, t.Overdue));
        // The rates the page shows: on-time closing 3/5, rework 3/5, extension 1/5.
        Assert.Equal(0.6, IndicatorRow.Rate(t.ClosedOnTime, t.Due));
        Assert.Equal(0.2, IndicatorRow.Rate(t.Extended, t.Due));
    }

    [Fact]
    public async Task Grouped_by_street_the_period_sums_to_one_row()
    {
        var f = await FixtureAsync();
        var table = await TestWorld.ReadAsync<IndicatorTable>(await f.Supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=street"));
        var row = Assert.Single(table.Rows);
        Assert.Equal((f.World.Street, "Test street", 9L, 5L, 2L), (row.Key, row.Name, row.Reports, row.Due, row.Overdue));
        var byUnit = await TestWorld.ReadAsync<IndicatorTable>(await f.Supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=unit"));
        Assert.Equal(["", TestCatalogue.Unit], byUnit.Rows.Select(r => r.Key));
        Assert.Equal(7, byUnit.Rows[1].Dispatched);
    }

    [Theory]
    [InlineData("closed_on_time", 0, new[] { 3 })]
    [InlineData("due", 0, new[] { 3, 4, 5 })]
    [InlineData("reworked", 1, new[] { 8 })]
    [InlineData("extended", 1, new[] { 7 })]
    [InlineData("overdue", 1, new[] { 10 })]
    [InlineData("reports", 0, new[] { 1, 2, 3, 4, 5, 6 })]
    public async Task Every_number_lists_the_cases_behind_it(string measure, int cell, int[] expected)
    {
        var f = await FixtureAsync();
        var page = await TestWorld.ReadAsync<FigureCasePage>(await f.Supervisor.Client.GetAsync(
            $"/api/stats/cases?{Period}&group=cell&key={f.World.Cells[cell]}&measure={measure}"));
        Assert.Equal(expected.Select(n => f.Ids[n]).Order(), page.Items.Select(c => c.Id).Order());
        Assert.Equal(expected.Length, page.Total);
    }

    [Fact]
    public async Task Stage_times_give_median_and_90th_percentile()
    {
        var f = await FixtureAsync();
        var rows = await TestWorld.ReadAsync<List<StageRow>>(await f.Supervisor.Client.GetAsync($"/api/stats/stage-times?{Period}&group=cell"));
        // Registration of cell 0's cases 2..6 took 1, 2, 3, 1, 1 hours.
        var register = rows.Single(r => r.Key == f.World.Cells[0] && r.Stage == "register");
        Assert.Equal(5, register.Cases);
        Assert.Equal(3600, register.MedianSeconds, 3);
        Assert.Equal(2.6 * 3600, register.P90Seconds, 3);
        Assert.Equal(["register", "dispatch", "accept", "handle", "verify"], rows.Where(r => r.Key == f.World.Cells[0]).Select(r => r.Stage));
    }

    [Fact]
    public async Task Csv_export_streams_every_row_with_rates()
    {
        var f = await FixtureAsync();
        var response = await f.Supervisor.Client.GetAsync($"/api/stats/indicators.csv?{Period}&group=cell");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType!.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).TrimStart('\uFEFF').TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(4, lines.Count);
        Assert.StartsWith("group,key,name,reports,registered,registration_rate", lines[0]);
        Assert.StartsWith($"cell,{f.World.Cells[1]},Test cell {f.World.Cells[1]},3,3,1,3,1,2,2,1,2,1,2,1,1,0.5,1", lines[2]);
        Assert.StartsWith("cell,,total,9,8,", lines[3]);

        var cases = await f.Supervisor.Client.GetStringAsync($"/api/stats/cases.csv?{Period}&group=street&measure=reports");
        Assert.Equal(10, cases.TrimEnd().Split('\n').Length);
    }

    [Fact]
    public async Task Only_supervisors_and_the_command_center_read_figures_and_a_street_sees_its_own()
    {
        var f = await FixtureAsync();
        var worker = await f.World.PersonAsync(Role.GridWorker, f.World.Cells[0]);
        var refused = await worker.Client.GetAsync($"/api/stats/indicators?{Period}");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("supervisors", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync($"/api/stats/cases.csv?{Period}&measure=due")).StatusCode);

        var other = await TestWorld.CreateAsync(f.World.Server);
        var otherSupervisor = await other.PersonAsync([Role.Supervisor], [], street: other.Street);
        var theirs = await TestWorld.ReadAsync<IndicatorTable>(await otherSupervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=cell"));
        Assert.DoesNotContain(theirs.Rows, r => f.World.Cells.Contains(r.Key));
        var drill = await TestWorld.ReadAsync<FigureCasePage>(await otherSupervisor.Client.GetAsync(
            $"/api/stats/cases?{Period}&group=cell&key={f.World.Cells[0]}&measure=reports"));
        Assert.Equal(0, drill.Total);

        var bad = await f.Supervisor.Client.GetAsync("/api/stats/indicators?from=2025-13-01&group=galaxy");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var text = await bad.Content.ReadAsStringAsync();
        Assert.Contains("2026-11-01", text.Replace("2025-13-01", ""), StringComparison.Ordinal);
        Assert.Contains("galaxy", text);
    }
}
