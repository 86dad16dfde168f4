// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Escalation;

/// <summary>A row of <c>escalations</c>: one rung that fired (or one manual supervision order).</summary>
public sealed class EscalationRecord
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public string Level { get; set; } = "";
    public DateTimeOffset? Deadline { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? OrderedBy { get; set; }
    public string? Note { get; set; }
    public string CellCode { get; set; } = "";
    public string? UnitId { get; set; }
    public Guid? AssigneeId { get; set; }
}

/// <summary>A row of <c>inbox_items</c>: one escalation for one person to look at.</summary>
public sealed class InboxItemRecord
{
    public long Id { get; set; }
    public Guid PersonId { get; set; }
    public long EscalationId { get; set; }
    public long CaseId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
}

/// <summary>A row of <c>escalation_ladders</c>.</summary>
public sealed class EscalationLadderRecord
{
    public long Id { get; set; }
    public string? CategoryPrefix { get; set; }
    public string? Priority { get; set; }
    public decimal WarningFraction { get; set; }
    public int[] DelaysS { get; set; } = [];
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid? UpdatedBy { get; set; }
    public int Version { get; set; } = 1;
}

internal sealed class EscalationRecordConfiguration : IEntityTypeConfiguration<EscalationRecord>
{
    public void Configure(EntityTypeBuilder<EscalationRecord> e)
    {
        e.ToTable("escalations");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Level).HasColumnName("level").HasColumnType("text").IsRequired();
        e.Property(x => x.Deadline).HasColumnName("deadline").HasColumnType("timestamp with time zone");
        e.Property(x => x.DueAt).HasColumnName("due_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.At).HasColumnName("at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.OrderedBy).HasColumnName("ordered_by").HasColumnType("uuid");
        e.Property(x => x.Note).HasColumnName("note").HasColumnType("text");
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.UnitId).HasColumnName("unit_id").HasColumnType("text");
        e.Property(x => x.AssigneeId).HasColumnName("assignee_id").HasColumnType("uuid");
        e.HasIndex(x => new { x.CaseId, x.Id }).HasDatabaseName("escalations_case_ix");
    }
}

internal sealed class InboxItemRecordConfiguration : IEntityTypeConfiguration<InboxItemRecord>
{
    public void Configure(EntityTypeBuilder<InboxItemRecord> e)
    {
        e.ToTable("inbox_items");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.EscalationId).HasColumnName("escalation_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.ReadAt).HasColumnName("read_at").HasColumnType("timestamp with time zone");
    }
}

internal sealed class EscalationLadderRecordConfiguration : IEntityTypeConfiguration<EscalationLadderRecord>
{
    public void Configure(EntityTypeBuilder<EscalationLadderRecord> e)
    {
        e.ToTable("escalation_ladders");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CategoryPrefix).HasColumnName("category_prefix").HasColumnType("text");
        e.Property(x => x.Priority).HasColumnName("priority").HasColumnType("text");
        e.Property(x => x.WarningFraction).HasColumnName("warning_fraction").HasColumnType("numeric(4,3)").IsRequired();
        e.Property(x => x.DelaysS).HasColumnName("delays_s").HasColumnType("integer[]").IsRequired();
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
        e.Property(x => x.UpdatedBy).HasColumnName("updated_by").HasColumnType("uuid");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
    }
}
