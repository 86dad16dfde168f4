using Dapper;
using Grid.Domain.People;
using Grid.Server.Grid;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Grid;

/// <summary>cell_case_counts (migration 0101) is kept by the changes themselves; it must always equal a count of the cases.</summary>
public sealed class CellCaseCountsTests
{
    private const string CountsSql = """
        select g.code as Cell,
               coalesce((select k.open_cases from cell_case_counts k where k.cell_code = g.code), 0) as Kept,
               (select count(*)::int from cases c where c.cell_code = g.code and c.state not in ('closed','cancelled')) as Counted
        from grid_cells g where g.code = any(@Cells) order by g.code
        """;

    [Fact]
    public async Task Each_cells_open_count_follows_reports_and_cancellations_and_ignores_rolled_back_ones()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);

        var a = await world.ReportAsync(worker, 0);
        await world.ReportAsync(worker, 0);
        await world.ReportAsync(worker, 1);
        await op.StepOkAsync(a.Id, "cancel", new { reason = "reported twice" });
        await using var conn = await server.Db.OpenConnectionAsync();
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync("update cases set state = 'closed' where cell_code = @Cell", new { Cell = world.Cells[1] }, tx);
            await tx.RollbackAsync();
        }

        var counts = (await conn.QueryAsync<(string Cell, int Kept, int Counted)>(CountsSql, new { Cells = world.Cells })).ToList();
        Assert.Equal(world.Cells.Length, counts.Count);
        Assert.All(counts, c => Assert.Equal(c.Counted, c.Kept));
        Assert.Equal(1, counts.Single(c => c.Cell == world.Cells[0]).Kept);
        Assert.Equal(1, counts.Single(c => c.Cell == world.Cells[1]).Kept);
    }

    [Fact]
    public async Task The_cells_list_shows_the_kept_open_count_and_counts_overdue_cases_against_the_clock()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);
        var late = await world.ReportAsync(worker, 0);
        var onTime = await world.ReportAsync(worker, 0);
        var cancelled = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(cancelled.Id, "cancel", new { reason = "reported twice" });
        foreach (var id in new[] { late.Id, onTime.Id })
        {
            await op.StepOkAsync(id, "register");
            await op.StepOkAsync(id, "dispatch");
        }
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update cases set deadline = now() - interval '1 hour' where id = @Id", new { late.Id });
        }

        var box = $"{world.West(0) + 0.0002},{world.North(0) - 0.0008},{world.West(0) + 0.0008},{world.North(0) - 0.0002}";
        var cells = await TestWorld.ReadAsync<System.Text.Json.JsonElement>(await head.Client.GetAsync($"/api/cells?bbox={box}"));
        var props = Assert.Single(cells.GetProperty("features").EnumerateArray()).GetProperty("properties");
        Assert.Equal(world.Cells[0], props.GetProperty("code").GetString());
        Assert.Equal((2, 1), (props.GetProperty("openCases").GetInt32(), props.GetProperty("overdueCases").GetInt32()));
    }

    [Fact]
    public async Task The_kept_overdue_count_plus_the_deadlines_since_it_equals_a_count_of_the_cases_at_any_clock()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);
        var ids = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var c = await world.ReportAsync(worker, i < 5 ? 0 : 1);
            await op.StepOkAsync(c.Id, "register");
            await op.StepOkAsync(c.Id, "dispatch");
            ids.Add(c.Id);
        }
        await using var conn = await server.Db.OpenConnectionAsync();
        var now = new DateTimeOffset(DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        async Task Deadline(int i, double hours) =>
            await conn.ExecuteAsync("update cases set deadline = @D where id = @Id", new { D = now.AddHours(hours), Id = ids[i] });
        await Deadline(0, -2);
        await Deadline(1, -0.5);
        await Deadline(2, 0.5);
        await Deadline(3, 2);
        await Deadline(5, -1);

        var counts = server.App.Services.GetRequiredService<OverdueCounts>();
        var grid = server.App.Services.GetRequiredService<GridRepository>();
        async Task Check(string when)
        {
            foreach (var hours in new[] { -3, -1.5, -0.25, 0, 0.25, 1, 1.5, 3 })
            {
                var at = now.AddHours(hours);
                var listed = await grid.ListCellsAsync(null, null, world.Cells, at, 100);
                var kept = listed.ToDictionary(c => c.Code, c => c.OverdueCases);
                // The command center's colours (counts only, by street) say the same as the cells list.
                var loads = (await grid.CellLoadsAsync(world.Street, at, 100)).ToDictionary(c => c.Code);
                Assert.Equal(world.Cells.Order(), loads.Keys.Order());
                foreach (var c in listed) Assert.Equal((c.OpenCases, c.OverdueCases), (loads[c.Code].Open, loads[c.Code].Overdue));
                foreach (var cell in world.Cells)
                {
                    var counted = await conn.QuerySingleAsync<int>("""
                        select count(*)::int from cases where cell_code = @Cell and state in ('dispatched','in_progress') and deadline < @At
                        """, new { Cell = cell, At = at });
                    Assert.True(counted == kept.GetValueOrDefault(cell), $"{when}: cell {cell} at now{hours:+0.##;-0.##;+0} h: kept {kept.GetValueOrDefault(cell)}, counted {counted}");
                }
            }
        }

        // Moved forward to now (or a moment later by the server's own catch-up): the kept number holds
        // the past, the list counts only what came after.
        await counts.CatchUpAsync(now);
        Assert.Equal(2, await conn.QuerySingleAsync<int>("select overdue_cases from cell_case_counts where cell_code = @C and overdue_as_of >= @Now",
            new { C = world.Cells[0], Now = now }));
        await Check("after the catch-up");

        // Changes after it: an overdue case closed, a deadline moved back over the kept moment and one
        // moved forward over it, a case moved to another cell, and a change rolled back.
        await conn.ExecuteAsync("update cases set state = 'closed' where id = @Id", new { Id = ids[1] });
        await Deadline(2, -0.2);
        await Check("after a deadline moved back over the kept moment");
        await Deadline(0, 1);
        await conn.ExecuteAsync("update cases set cell_code = @Cell where id = @Id", new { Cell = world.Cells[1], Id = ids[3] });
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await conn.ExecuteAsync("update cases set state = 'closed' where cell_code = @Cell", new { Cell = world.Cells[0] }, tx);
            await tx.RollbackAsync();
        }
        await Check("after changes");

        // Moved forward past the clock of the list: it takes away what is not yet due at its own clock.
        await counts.CatchUpAsync(now.AddHours(1.25));
        await Check("kept ahead of the clock");
        await Deadline(4, 0.5);
        await conn.ExecuteAsync("update cases set state = 'in_progress' where id = @Id", new { Id = ids[2] });
        await conn.ExecuteAsync("update cases set state = 'resolved' where id = @Id", new { Id = ids[5] });
        await Check("after changes ahead of the clock");
    }
}
