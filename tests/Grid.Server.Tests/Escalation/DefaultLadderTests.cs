using Dapper;
using Grid.Server.Data;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Grid.Server.Tests.Escalation;

public sealed class DefaultLadderTests
{
    /// <summary>
    /// A new city starts with one ladder, the default docs/escalation-and-figures.md describes: the warning when 20 % of
    /// the limit is left, the overdue reminder at the deadline, the grid head 2 working hours later, the street leader
    /// 4 working hours after that, district supervision 8 working hours after that. Read from a database of its own
    /// with every migration applied (the shared test database's default is changed by the escalation tests).
    /// </summary>
    [Fact]
    public async Task A_new_city_starts_with_the_documented_default_ladder_only()
    {
        await using var db = NpgsqlDataSource.Create(await TestServer.CreateDatabaseAsync(TestServer.DatabaseName("ladder")));
        await new Migrator(db, NullLogger<Migrator>.Instance)
            .ApplyAsync(Migrator.LoadScripts(Path.Combine(AppContext.BaseDirectory, "migrations")), default);

        await using var conn = await db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string? Prefix, string? Priority, decimal Warning, int[] Delays)>(
            "select category_prefix, priority, warning_fraction, delays_s from escalation_ladders")).ToList();
        var (prefix, priority, warning, delays) = Assert.Single(rows);
        Assert.Null(prefix);
        Assert.Null(priority);
        Assert.Equal(0.8m, warning);
        Assert.Equal([0, 2 * 3600, 4 * 3600, 8 * 3600], delays);
    }
}
