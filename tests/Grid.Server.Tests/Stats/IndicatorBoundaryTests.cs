using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Stats;

/// <summary>
/// The edges of the indicator definitions (DOMAIN.md, docs/escalation-and-figures.md) in a fixture of
/// April 2025 (Asia/Shanghai), counted by hand below. Period: from 2025-03-31T16:00Z (local
/// midnight of April 1) to 2025-04-30T16:00Z (local midnight of May 1), end exclusive.
/// </summary>
public sealed class IndicatorBoundaryTests
{
    private const string Period = "from=2025-04-01&to=2025-04-30";
    private static readonly DateTimeOffset From = new(2025, 3, 31, 16, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = new(2025, 4, 30, 16, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset D = new(2025, 4, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

    private sealed record Row(int No, string State, DateTimeOffset Created, bool Registered, bool Dispatched, DateTimeOffset? Deadline,
        DateTimeOffset? Closed, int Extensions = 0, int Reworks = 0);

    private static readonly Row[] Rows =
    [
        new(1, "closed", D, true, true, D.AddDays(5), D.AddDays(5)),                   // closed exactly at its deadline: on time
        new(2, "closed", D, true, true, D.AddDays(5), D.AddDays(5) + S),               // one second late: closed, not on time
        new(3, "resolved", D, true, true, D.AddDays(3), null),                         // resolved, not verified, past deadline: due
        new(4, "resolved", D, true, true, To.AddDays(1), null, Extensions: 1),         // resolved, deadline after the period: not due
        new(5, "in_progress", D, true, true, To, null),                                // deadline exactly at the period end: not due; overdue now
        new(6, "in_progress", D, true, true, To - S, null),                            // a second before the end: due; overdue now
        new(7, "closed", D, true, true, D.AddDays(9), D.AddDays(8), Extensions: 3, Reworks: 2), // one extended case, two rework events
        new(8, "reported", From, false, false, null, null),                            // reported exactly at the period start: counted
        new(9, "reported", To, false, false, null, null),                              // reported exactly at the period end: not counted
        new(10, "reported", From - S, false, false, null, null),                       // a second before the start: not counted
        new(11, "registered", D, true, false, null, null),
        new(12, "cancelled", D, true, false, null, null),
        new(13, "on_hold", D, true, true, D.AddDays(1), null, Extensions: 1),          // clock paused: not due, not overdue
        new(14, "in_progress", D, true, true, D.AddDays(2), null, Reworks: 1),         // sent back for rework, past deadline: due, overdue
    ];

    // Counted by hand from the table above.
    private const long Reports = 12;        // all but 9 and 10
    private const long Registered = 11;     // all but 8, 9, 10
    private const long Dispatched = 9;      // 1-7, 13, 14
    private const long Due = 6;             // 1, 2, 3, 6, 7, 14
    private const long Closed = 3;          // 1, 2, 7
    private const long ClosedOnTime = 2;    // 1, 7
    private const long ReworkEvents = 3;    // 7 (two), 14 (one)
    private const long Reworked = 2;        // 7, 14
    private const long Extended = 1;        // 7 (4 and 13 are extended but not due)
    private const long Overdue = 3;         // 5, 6, 14

    private static async Task<(TestWorld World, TestUser Supervisor, Dictionary<int, long> Ids)> FixtureAsync()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var ids = new Dictionary<int, long>();
        await using var conn = await server.Db.OpenConnectionAsync();
        foreach (var r in Rows)
        {
            var (lat, lon) = world.Inside(0);
            ids[r.No] = await conn.ExecuteScalarAsync<long>("""
                insert into cases (case_no, location, category_code, source, description, state, cell_code, assigned_unit_id,
                                   created_at, registered_at, dispatched_at, accepted_at, resolved_at, closed_at, deadline,
                                   extension_count, rework_count, updated_at)
                values (@CaseNo, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), 'E9901', 'field', 'boundary fixture', @State, @Cell, @Unit,
                        @Created, @RegisteredAt, @DispatchedAt, @AcceptedAt, @ResolvedAt, @ClosedAt, @Deadline, @Extensions, @Reworks, @Created)
                returning id
                """, new
            {
                CaseNo = $"B{Guid.NewGuid():N}"[..20], Lon = lon, Lat = lat, r.State, Cell = world.Cells[0],
                Unit = r.Dispatched ? TestCatalogue.Unit : null, r.Created,
                RegisteredAt = r.Registered ? r.Created.AddHours(1) : (DateTimeOffset?)null,
                DispatchedAt = r.Dispatched ? r.Created.AddHours(2) : (DateTimeOffset?)null,
                AcceptedAt = r.Dispatched ? r.Created.AddHours(3) : (DateTimeOffset?)null,
                ResolvedAt = r.State is "resolved" or "closed" ? r.Created.AddHours(4) : (DateTimeOffset?)null,
                ClosedAt = r.Closed, r.Deadline, r.Extensions, r.Reworks,
            });
        }
        return (world, supervisor, ids);
    }

    private static long N(JsonElement row, string name) => row.GetProperty(name).GetInt64();

    [Fact]
    public async Task Indicators_at_the_edges_match_the_hand_count()
    {
        var (world, supervisor, _) = await FixtureAsync();
        var table = await TestWorld.ReadAsync<JsonElement>(await supervisor.Client.GetAsync($"/api/stats/indicators?{Period}&group=street"));
        var rows = table.GetProperty("rows").EnumerateArray().ToList();
        var row = Assert.Single(rows);
        Assert.Equal(world.Street, row.GetProperty("key").GetString());
        var got = (N(row, "reports"), N(row, "registered"), N(row, "dispatched"), N(row, "due"), N(row, "closed"), N(row, "closedOnTime"),
            N(row, "reworks"), N(row, "reworked"), N(row, "extended"), N(row, "overdue"));
        Assert.Equal((Reports, Registered, Dispatched, Due, Closed, ClosedOnTime, ReworkEvents, Reworked, Extended, Overdue), got);
        var total = table.GetProperty("total");
        Assert.Equal(Due, N(total, "due"));
        Assert.Equal(ReworkEvents, N(total, "reworks"));
    }

    [Theory]
    [InlineData("reports", new[] { 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14 })]
    [InlineData("registered", new[] { 1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 14 })]
    [InlineData("dispatched", new[] { 1, 2, 3, 4, 5, 6, 7, 13, 14 })]
    [InlineData("due", new[] { 1, 2, 3, 6, 7, 14 })]
    [InlineData("closed", new[] { 1, 2, 7 })]
    [InlineData("closed_on_time", new[] { 1, 7 })]
    [InlineData("reworked", new[] { 7, 14 })]
    [InlineData("extended", new[] { 7 })]
    [InlineData("overdue", new[] { 5, 6, 14 })]
    public async Task Each_edge_case_is_listed_behind_exactly_the_numbers_it_counts_in(string measure, int[] expected)
    {
        var (world, supervisor, ids) = await FixtureAsync();
        var page = await TestWorld.ReadAsync<JsonElement>(await supervisor.Client.GetAsync(
            $"/api/stats/cases?{Period}&group=cell&key={world.Cells[0]}&measure={measure}&pageSize=100"));
        var listed = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64()).Order().ToList();
        var names = ids.ToDictionary(kv => kv.Value, kv => kv.Key);
        Assert.True(expected.Select(n => ids[n]).Order().SequenceEqual(listed),
            $"{measure}: expected rows [{string.Join(",", expected)}], listed rows [{string.Join(",", listed.Select(id => names.GetValueOrDefault(id)))}]");
        Assert.Equal(expected.Length, page.GetProperty("total").GetInt64());
    }
}
