using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Incidents;

/// <summary>
/// Moves each cell's kept overdue count (cell_case_counts.overdue_cases, exact as of overdue_as_of;
/// migration 0102) forward to this node's clock every few seconds, so the cells list only counts the
/// running cases whose deadline passed since then. Any node may do it; two at once skip each other's
/// rows. The changes of cases keep the count exact between catch-ups (the trigger of 0102), so a late
/// or missed catch-up makes the list's count cost more, never wrong.
/// </summary>
public sealed class OverdueCounts(IDbContextFactory<GridDbContext> contexts, IOptions<GridOptions> options, TimeProvider clock,
    ILogger<OverdueCounts> log) : BackgroundService
{
    // Locked first, counted in a later statement: its snapshot then sees every change whose trigger
    // had already moved the row (see migration 0102). Only rows with a deadline to take in: what the
    // list reads costs the deadlines since overdue_as_of, not the time since, so a cell where none
    // passed is left as it is (no write every few seconds per cell for nothing).
    private const string LockSql = """
        select n.cell_code as "Value" from cell_case_counts n
        where n.overdue_as_of < @Now
          and exists (select 1 from cases c where c.cell_code = n.cell_code and c.state in ('dispatched','in_progress')
                        and c.deadline >= n.overdue_as_of and c.deadline < @Now)
        order by n.cell_code
        for update of n skip locked
        """;

    private const string MoveSql = """
        update cell_case_counts n
        set overdue_cases = n.overdue_cases + (select count(*) from cases c where c.cell_code = n.cell_code
                                                 and c.state in ('dispatched','in_progress')
                                                 and c.deadline >= n.overdue_as_of and c.deadline < @Now),
            overdue_as_of = @Now
        where n.cell_code = any(@Cells) and n.overdue_as_of < @Now
        """;

    /// <summary>One catch-up to <paramref name="now"/>; returns the number of cells moved.</summary>
    public async Task<int> CatchUpAsync(DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var cells = await db.Database.SqlQueryRaw<string>(LockSql, new NpgsqlParameter("Now", NpgsqlDbType.TimestampTz) { Value = now }).ToListAsync(ct);
        if (cells.Count > 0)
        {
            await db.Database.ExecuteSqlRawAsync(MoveSql,
            [
                new NpgsqlParameter("Now", NpgsqlDbType.TimestampTz) { Value = now },
                new NpgsqlParameter("Cells", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = cells.ToArray() },
            ], ct);
        }
        await tx.CommitAsync(ct);
        return cells.Count;
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var every = TimeSpan.FromSeconds(Math.Max(1, options.Value.OverdueCatchUpSeconds));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(clock.GetUtcNow(), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database may be away for a moment; the count stays exact, only its reading costs more.
                log.LogWarning(ex, "Moving the overdue counts forward failed; trying again in {Every}", every);
            }
            try { await Task.Delay(every, clock, ct); } catch (OperationCanceledException) { return; }
        }
    }
}
