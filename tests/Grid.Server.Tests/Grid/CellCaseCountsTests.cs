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
}
