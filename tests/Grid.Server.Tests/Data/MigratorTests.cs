using Dapper;
using Grid.Server.Data;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Grid.Server.Tests.Data;

public sealed class MigratorTests
{
    private static async Task<NpgsqlDataSource> FreshDatabaseAsync() =>
        NpgsqlDataSource.Create(await TestServer.CreateDatabaseAsync(TestServer.DatabaseName("migr")));

    private static string WriteScripts(params (string Name, string Sql)[] scripts)
    {
        var folder = Directory.CreateTempSubdirectory("migr").FullName;
        foreach (var (name, sql) in scripts) File.WriteAllText(Path.Combine(folder, name), sql);
        return folder;
    }

    [Fact]
    public async Task Migrations_apply_in_order_once_and_twice_in_a_row_is_harmless()
    {
        await using var db = await FreshDatabaseAsync();
        var folder = WriteScripts(("0002_add_b.sql", "alter table t add column b int"), ("0001_create_t.sql", "create table t (a int)"));
        var migrator = new Migrator(db, NullLogger<Migrator>.Instance);
        await migrator.ApplyAsync(Migrator.LoadScripts(folder), default);
        await migrator.ApplyAsync(Migrator.LoadScripts(folder), default);
        await using var conn = await db.OpenConnectionAsync();
        Assert.Equal(["0001_create_t.sql", "0002_add_b.sql"], (await conn.QueryAsync<string>("select name from schema_migrations order by applied_at, name")).ToList());
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*) from information_schema.columns where table_name = 't'"));
    }

    [Fact]
    public async Task An_edited_landed_migration_stops_the_start()
    {
        await using var db = await FreshDatabaseAsync();
        var folder = WriteScripts(("0001_create_t.sql", "create table t (a int)"));
        var migrator = new Migrator(db, NullLogger<Migrator>.Instance);
        await migrator.ApplyAsync(Migrator.LoadScripts(folder), default);
        File.WriteAllText(Path.Combine(folder, "0001_create_t.sql"), "create table t (a bigint)");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.ApplyAsync(Migrator.LoadScripts(folder), default));
        Assert.Contains("0001_create_t.sql was edited", error.Message);
    }

    [Fact]
    public async Task A_failing_migration_leaves_nothing_behind_and_two_nodes_starting_together_apply_each_once()
    {
        await using var db = await FreshDatabaseAsync();
        var folder = WriteScripts(("0001_create_t.sql", "create table t (a int)"), ("0002_broken.sql", "create table u (a int); select 1/0;"));
        var migrator = new Migrator(db, NullLogger<Migrator>.Instance);
        await Assert.ThrowsAsync<PostgresException>(() => migrator.ApplyAsync(Migrator.LoadScripts(folder), default));
        await using var conn = await db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from information_schema.tables where table_name = 'u'"));

        File.WriteAllText(Path.Combine(folder, "0002_broken.sql"), "create table u (a int)");
        var scripts = Migrator.LoadScripts(folder);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new Migrator(db, NullLogger<Migrator>.Instance).ApplyAsync(scripts, default)));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*) from schema_migrations"));
    }
}
