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

    /// <summary>
    /// The ladder of before was configured in Grid:Escalation (WarningFraction, Delays, Ladders:n:...). A host still
    /// carrying such a setting would now run on the seeded default without a word; it refuses to start and says where
    /// the ladder is kept.
    /// </summary>
    [Theory]
    [InlineData("Grid:Escalation:Delays", "0,1800,1800,1800")]
    [InlineData("Grid:Escalation:WarningFraction", "0.5")]
    [InlineData("Grid:Escalation:Ladders:0:Category", "E0102")]
    public void A_host_still_configured_with_a_ladder_of_its_own_refuses_to_start_and_says_where_ladders_live(string key, string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => GridApp.Build(
            ["--environment=Testing", $"--ConnectionStrings:Grid={TestServer.AdminConnectionString}", $"--{key}={value}"]));
        Assert.Contains(string.Join(':', key.Split(':').Take(3)), e.Message);
        Assert.Contains("/admin/ladders", e.Message);
    }
}
