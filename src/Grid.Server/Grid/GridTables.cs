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
    /// <summary>Set when an import no longer contains the cell: out of the live grid, kept for its history.</summary>
    public DateTimeOffset? RetiredAt { get; set; }
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
        e.Property(x => x.RetiredAt).HasColumnName("retired_at").HasColumnType("timestamp with time zone");
        e.HasIndex(x => x.Geom).HasMethod("gist").HasDatabaseName("grid_cells_geom_gix");
    }
}

/// <summary>A row of <c>cell_imports</c>: an import confirmed in the console, applied by <c>CellImportJob</c>
/// (the job and the page read it with the SQL in <c>CellImportRepository</c>).</summary>
public sealed class CellImportRecord
{
    public Guid Id { get; set; }
    public Guid ActorId { get; set; }
    public string? StreetCode { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string Status { get; set; } = "";
    public string Phase { get; set; } = "";
    public int Done { get; set; }
    public int Total { get; set; }
    public string Fingerprint { get; set; } = "";
    public string File { get; set; } = "";
    public int Added { get; set; }
    public int Changed { get; set; }
    public int Removed { get; set; }
    public string? Message { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class CellImportRecordConfiguration : IEntityTypeConfiguration<CellImportRecord>
{
    public void Configure(EntityTypeBuilder<CellImportRecord> e)
    {
        e.ToTable("cell_imports");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.ActorId).HasColumnName("actor_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.StreetCode).HasColumnName("street_code").HasColumnType("text");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Status).HasColumnName("status").HasColumnType("text").IsRequired();
        e.Property(x => x.Phase).HasColumnName("phase").HasColumnType("text").IsRequired().HasDefaultValueSql("'queued'::text");
        e.Property(x => x.Done).HasColumnName("done").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.Total).HasColumnName("total").HasColumnType("integer").IsRequired();
        e.Property(x => x.Fingerprint).HasColumnName("fingerprint").HasColumnType("text").IsRequired();
        e.Property(x => x.File).HasColumnName("file").HasColumnType("text").IsRequired();
        e.Property(x => x.Added).HasColumnName("added").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.Changed).HasColumnName("changed").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.Removed).HasColumnName("removed").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.Message).HasColumnName("message").HasColumnType("text");
        e.Property(x => x.FinishedAt).HasColumnName("finished_at").HasColumnType("timestamp with time zone");
    }
}
