// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NetTopologySuite.Geometries;

namespace Grid.Server.Field;

/// <summary>A row of <c>patrol_shifts</c>.</summary>
public sealed class PatrolShiftRecord
{
    public long Id { get; set; }
    public Guid PersonId { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public bool Consent { get; set; }
}

/// <summary>A row of <c>patrol_points</c>.</summary>
public sealed class PatrolPointRecord
{
    public long Id { get; set; }
    public long ShiftId { get; set; }
    public DateTimeOffset At { get; set; }
    public Point Location { get; set; } = null!;
    public double? AccuracyM { get; set; }
    public string? CellCode { get; set; }
}

internal sealed class PatrolShiftRecordConfiguration : IEntityTypeConfiguration<PatrolShiftRecord>
{
    public void Configure(EntityTypeBuilder<PatrolShiftRecord> e)
    {
        e.ToTable("patrol_shifts");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.StartedAt).HasColumnName("started_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.EndedAt).HasColumnName("ended_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.Consent).HasColumnName("consent").HasColumnType("boolean").IsRequired();
    }
}

internal sealed class PatrolPointRecordConfiguration : IEntityTypeConfiguration<PatrolPointRecord>
{
    public void Configure(EntityTypeBuilder<PatrolPointRecord> e)
    {
        e.ToTable("patrol_points");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.ShiftId).HasColumnName("shift_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.At).HasColumnName("at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Location).HasColumnName("location").HasColumnType("geometry(Point,4326)").IsRequired();
        e.Property(x => x.AccuracyM).HasColumnName("accuracy_m").HasColumnType("double precision");
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text");
        e.HasIndex(x => x.Location).HasMethod("gist").HasDatabaseName("patrol_points_location_gix");
    }
}
