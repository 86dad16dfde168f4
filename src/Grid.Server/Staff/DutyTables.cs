// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Staff;

/// <summary>A row of <c>duty_shifts</c>: a shift on duty in a cell or a unit, or a leave (with an optional substitute).</summary>
public sealed class DutyShiftRecord
{
    public long Id { get; set; }
    /// <summary>The cell of a cell roster's row (null on a unit roster's row).</summary>
    public string? CellCode { get; set; }
    /// <summary>The unit of a unit roster's row (null on a cell roster's row).</summary>
    public string? UnitId { get; set; }
    public Guid PersonId { get; set; }
    /// <summary><c>duty</c> or <c>leave</c>.</summary>
    public string Kind { get; set; } = "";
    public DateTimeOffset StartsAt { get; set; }
    public DateTimeOffset EndsAt { get; set; }
    public Guid? SubstituteId { get; set; }
    public string Note { get; set; } = "";
    public Guid? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class DutyShiftRecordConfiguration : IEntityTypeConfiguration<DutyShiftRecord>
{
    public void Configure(EntityTypeBuilder<DutyShiftRecord> e)
    {
        e.ToTable("duty_shifts");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text");
        e.Property(x => x.UnitId).HasColumnName("unit_id").HasColumnType("text");
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.StartsAt).HasColumnName("starts_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.EndsAt).HasColumnName("ends_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.SubstituteId).HasColumnName("substitute_id").HasColumnType("uuid");
        e.Property(x => x.Note).HasColumnName("note").HasColumnType("text").IsRequired().HasDefaultValueSql("''");
        e.Property(x => x.CreatedBy).HasColumnName("created_by").HasColumnType("uuid");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
    }
}
