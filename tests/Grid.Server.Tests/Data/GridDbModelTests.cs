using Dapper;
using Grid.Domain.People;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.DependencyInjection;
using NetTopologySuite.Geometries;

namespace Grid.Server.Tests.Data;

/// <summary>
/// The schema belongs to db/migrations/; GridDbContext only maps it. These tests compare the EF model
/// with the database the migrations made, so a migration and the mapping cannot drift apart unseen.
/// </summary>
public sealed class GridDbModelTests
{
    private const string ColumnsSql = """
        select c.relname as "Table", a.attname as "Column", format_type(a.atttypid, a.atttypmod) as "Type", not a.attnotnull as "Nullable"
        from pg_class c
        join pg_namespace n on n.oid = c.relnamespace
        join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
        where n.nspname = 'public' and c.relkind = 'r'
        """;

    private const string PrimaryKeysSql = """
        select c.relname as "Table",
               array_to_string(array(select a.attname::text from unnest(i.indkey) with ordinality k(n, o)
                     join pg_attribute a on a.attrelid = c.oid and a.attnum = k.n order by k.o), ',') as "Columns"
        from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
        where i.indisprimary and n.nspname = 'public'
        """;

    private const string IndexesSql = """
        select t.relname as "Table", x.relname as "Name", am.amname as "Method"
        from pg_index i join pg_class x on x.oid = i.indexrelid join pg_class t on t.oid = i.indrelid
        join pg_am am on am.oid = x.relam join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = 'public'
        """;

    private sealed record DbColumn(string Table, string Column, string Type, bool Nullable);

    private sealed record DbKey(string Table, string Columns);

    private sealed record DbIndex(string Table, string Name, string Method);

    [Fact]
    public async Task Every_mapped_table_column_type_nullability_key_and_spatial_index_exists_in_the_migrated_database()
    {
        var server = await TestServer.SharedAsync();
        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<GridDbContext>>().CreateDbContextAsync();
        await using var conn = await server.Db.OpenConnectionAsync();
        var columns = (await conn.QueryAsync<DbColumn>(ColumnsSql)).ToDictionary(c => (c.Table, c.Column));
        var keys = (await conn.QueryAsync<DbKey>(PrimaryKeysSql)).ToDictionary(k => k.Table, k => k.Columns.Split(','));
        var indexes = (await conn.QueryAsync<DbIndex>(IndexesSql)).ToDictionary(i => (i.Table, i.Name), i => i.Method);

        var problems = new List<string>();
        var tables = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName()!;
            tables.Add(table);
            var id = StoreObjectIdentifier.Table(table, entity.GetSchema());
            foreach (var property in entity.GetProperties())
            {
                var column = property.GetColumnName(id)!;
                if (!columns.TryGetValue((table, column), out var actual))
                {
                    problems.Add($"{table}.{column} ({entity.ClrType.Name}.{property.Name}) is mapped but the table has no such column.");
                    continue;
                }
                var mappedType = property.GetColumnType(id);
                if (Normalize(mappedType) != Normalize(actual.Type))
                    problems.Add($"{table}.{column} is mapped as {mappedType} but is {actual.Type} in the database.");
                if (property.IsColumnNullable(id) != actual.Nullable)
                    problems.Add($"{table}.{column} is mapped {(property.IsColumnNullable(id) ? "nullable" : "not null")} but is {(actual.Nullable ? "nullable" : "not null")} in the database.");
            }
            var mappedKey = entity.FindPrimaryKey()?.Properties.Select(p => p.GetColumnName(id)!).ToArray();
            if (mappedKey is null)
            {
                // Keyless on purpose (the table has none): say so if the table gained one.
                if (keys.TryGetValue(table, out var realKey)) problems.Add($"{table} is mapped without a key but its primary key is ({string.Join(", ", realKey)}).");
            }
            else if (!keys.TryGetValue(table, out var actualKey)) problems.Add($"{table} is mapped with key ({string.Join(", ", mappedKey)}) but has no primary key (or no such table).");
            else if (!mappedKey.SequenceEqual(actualKey))
                problems.Add($"{table} is mapped with key ({string.Join(", ", mappedKey)}) but its primary key is ({string.Join(", ", actualKey)}).");
            foreach (var index in entity.GetIndexes())
            {
                var name = index.GetDatabaseName(id)!;
                var method = index.GetMethod() ?? "btree";
                if (!indexes.TryGetValue((table, name), out var actualMethod)) problems.Add($"Index {name} on {table} is mapped but does not exist.");
                else if (actualMethod != method) problems.Add($"Index {name} on {table} is mapped as {method} but is {actualMethod}.");
            }
        }

        Assert.Empty(problems);
        // The core tables are mapped at all (an empty model would compare clean).
        Assert.Superset(new HashSet<string> { "cases", "case_history", "case_events", "grid_cells", "people", "categories", "audit_log" }, tables.ToHashSet());
    }

    // Tables the context deliberately leaves alone: the migrator's own ledger.
    private static readonly HashSet<string> NotMapped = ["schema_migrations"];

    [Fact]
    public async Task Every_table_and_column_of_the_migrated_database_is_mapped()
    {
        var server = await TestServer.SharedAsync();
        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<GridDbContext>>().CreateDbContextAsync();
        await using var conn = await server.Db.OpenConnectionAsync();
        var columns = await conn.QueryAsync<DbColumn>(ColumnsSql);

        var mapped = new HashSet<(string Table, string Column)>();
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var id = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            foreach (var property in entity.GetProperties()) mapped.Add((id.Name, property.GetColumnName(id)!));
        }

        // A migration that adds a table or column must map it in the owning feature's *Tables.cs, so
        // EF writes and reads the schema as it is (a column EF does not know is one it never sets).
        var missing = columns.Where(c => !NotMapped.Contains(c.Table) && c.Table != "spatial_ref_sys")
            .Where(c => !mapped.Contains((c.Table, c.Column)))
            .Select(c => $"{c.Table}.{c.Column} ({c.Type}) is in the database but not mapped.")
            .ToList();
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public async Task Cells_and_case_positions_read_as_NetTopologySuite_geometry_in_SRID_4326()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var reported = await world.ReportAsync(worker);
        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<GridDbContext>>().CreateDbContextAsync();

        var cell = await db.Set<GridCellRecord>().SingleAsync(c => c.Code == world.Cells[0]);
        var position = await db.Set<CaseRecord>().Where(c => c.Id == reported.Id).Select(c => c.Location).SingleAsync();

        Assert.IsType<MultiPolygon>(cell.Geom);
        Assert.Equal(4326, cell.Geom.SRID);
        Assert.Equal(4326, position.SRID);
        Assert.Equal(reported.Lon, position.X, 9);
        Assert.Equal(reported.Lat, position.Y, 9);
        Assert.True(cell.Geom.Covers(position));
    }

    private static string Normalize(string? type) => (type ?? "").Replace(" ", "").ToLowerInvariant();
}
