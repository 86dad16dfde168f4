// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NetTopologySuite.Geometries;

namespace Grid.Server.Grid;

/// <summary>A row of <c>districts</c>.</summary>
public sealed class DistrictRecord
{
    public string Code { get; set; } = "";
    public string Name { get; set; } = "";
}

/// <summary>A row of <c>streets</c>.</summary>
public sealed class StreetRecord
{
    public string Code { get; set; } = "";
    public string DistrictCode { get; set; } = "";
    public string Name { get; set; } = "";
}

/// <summary>A row of <c>communities</c>.</summary>
public sealed class CommunityRecord
{
    public string Code { get; set; } = "";
    public string StreetCode { get; set; } = "";
    public string Name { get; set; } = "";
}

/// <summary>A row of <c>grid_cells</c>.</summary>
public sealed class GridCellRecord
{
    public string Code { get; set; } = "";
    public string CommunityCode { get; set; } = "";
    public string Name { get; set; } = "";
    public MultiPolygon Geom { get; set; } = null!;
    public double AreaM2 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class DistrictRecordConfiguration : IEntityTypeConfiguration<DistrictRecord>
{
    public void Configure(EntityTypeBuilder<DistrictRecord> e)
    {
        e.ToTable("districts");
        e.HasKey(x => x.Code);
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
    }
}

internal sealed class StreetRecordConfiguration : IEntityTypeConfiguration<StreetRecord>
{
    public void Configure(EntityTypeBuilder<StreetRecord> e)
    {
        e.ToTable("streets");
        e.HasKey(x => x.Code);
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.DistrictCode).HasColumnName("district_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
    }
}

internal sealed class CommunityRecordConfiguration : IEntityTypeConfiguration<CommunityRecord>
{
    public void Configure(EntityTypeBuilder<CommunityRecord> e)
    {
        e.ToTable("communities");
        e.HasKey(x => x.Code);
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.StreetCode).HasColumnName("street_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
    }
}

internal sealed class GridCellRecordConfiguration : IEntityTypeConfiguration<GridCellRecord>
{
    public void Configure(EntityTypeBuilder<GridCellRecord> e)
    {
        e.ToTable("grid_cells");
        e.HasKey(x => x.Code);
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.CommunityCode).HasColumnName("community_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
        e.Property(x => x.Geom).HasColumnName("geom").HasColumnType("geometry(MultiPolygon,4326)").IsRequired();
        e.Property(x => x.AreaM2).HasColumnName("area_m2").HasColumnType("double precision").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
        e.HasIndex(x => x.Geom).HasMethod("gist").HasDatabaseName("grid_cells_geom_gix");
    }
}
