using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Data;

/// <summary>
/// The one EF Core context over GridCity's database. Each feature maps its own tables with
/// <see cref="IEntityTypeConfiguration{TEntity}"/> classes beside its code (<c>*Tables.cs</c>); this
/// class only collects them. The schema belongs to db/migrations/ and the Migrator: EF never creates
/// or changes it, and GridDbModelTests fails when the mapping and the migrated database disagree.
/// Geometry columns are NetTopologySuite types (SRID 4326) through the PostGIS plugin.
/// </summary>
public sealed class GridDbContext : DbContext
{
    public GridDbContext(DbContextOptions<GridDbContext> options) : base(options)
    {
        // Every multi-statement change here is one transaction that rolls back whole when any part
        // fails, so EF's savepoint around each SaveChanges is only extra round trips; and rows written
        // after a savepoint carry a subtransaction id, which would make one step look like several.
        // (Set in the constructor: a pooled context keeps it.)
        Database.AutoSavepointsEnabled = false;
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.HasPostgresExtension("postgis");
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(GridDbContext).Assembly);
    }
}
