using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

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
}
