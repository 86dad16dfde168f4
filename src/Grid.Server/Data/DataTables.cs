// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Data;

/// <summary>A row of <c>audit_log</c>.</summary>
public sealed class AuditLogRecord
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? ActorId { get; set; }
    public string Action { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Details { get; set; } = "{}";
}

internal sealed class AuditLogRecordConfiguration : IEntityTypeConfiguration<AuditLogRecord>
{
    public void Configure(EntityTypeBuilder<AuditLogRecord> e)
    {
        e.ToTable("audit_log");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.At).HasColumnName("at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
        e.Property(x => x.ActorId).HasColumnName("actor_id").HasColumnType("uuid");
        e.Property(x => x.Action).HasColumnName("action").HasColumnType("text").IsRequired();
        e.Property(x => x.Subject).HasColumnName("subject").HasColumnType("text").IsRequired();
        e.Property(x => x.Details).HasColumnName("details").HasColumnType("jsonb").IsRequired().HasDefaultValueSql("'{}'::jsonb");
    }
}
