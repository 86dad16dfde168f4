// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
// The frozen figures themselves are read with the live figures' SQL (EvaluationRepository).
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Evaluation;

/// <summary>A row of <c>evaluation_publications</c>: one (re-)publication of a month.</summary>
public sealed class EvaluationPublicationRecord
{
    public long Id { get; set; }
    public DateOnly Month { get; set; }
    public int Version { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public Guid? PublishedBy { get; set; }
    public string? Reason { get; set; }
    public bool IsCurrent { get; set; }
    public DateTimeOffset NoAnswerBefore { get; set; }
}

/// <summary>A row of <c>evaluation_snapshot</c>: one case's facts as a publication froze them.</summary>
public sealed class EvaluationSnapshotRecord
{
    public long PublicationId { get; set; }
    public long Id { get; set; }
    public string CaseNo { get; set; } = "";
    public string State { get; set; } = "";
    public string CategoryCode { get; set; } = "";
    public string CellCode { get; set; } = "";
    public string? AssignedUnitId { get; set; }
    public Guid? AssigneeId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RegisteredAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset? Deadline { get; set; }
    public int ExtensionCount { get; set; }
    public int ReworkCount { get; set; }
    public bool CitizenReporter { get; set; }
}

/// <summary>A row of <c>evaluation_followup_snapshot</c>: one follow-up answer as a publication froze it.</summary>
public sealed class EvaluationFollowUpSnapshotRecord
{
    public long PublicationId { get; set; }
    public long Id { get; set; }
    public long CaseId { get; set; }
    public DateTimeOffset ClosedAt { get; set; }
    public string Satisfaction { get; set; } = "";
    public DateTimeOffset AnsweredAt { get; set; }
}

internal sealed class EvaluationPublicationRecordConfiguration : IEntityTypeConfiguration<EvaluationPublicationRecord>
{
    public void Configure(EntityTypeBuilder<EvaluationPublicationRecord> e)
    {
        e.ToTable("evaluation_publications");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.Month).HasColumnName("month").HasColumnType("date").IsRequired();
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired();
        e.Property(x => x.PublishedAt).HasColumnName("published_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.PublishedBy).HasColumnName("published_by").HasColumnType("uuid");
        e.Property(x => x.Reason).HasColumnName("reason").HasColumnType("text");
        e.Property(x => x.IsCurrent).HasColumnName("is_current").HasColumnType("boolean").IsRequired();
        e.Property(x => x.NoAnswerBefore).HasColumnName("no_answer_before").HasColumnType("timestamp with time zone").IsRequired();
    }
}

internal sealed class EvaluationSnapshotRecordConfiguration : IEntityTypeConfiguration<EvaluationSnapshotRecord>
{
    public void Configure(EntityTypeBuilder<EvaluationSnapshotRecord> e)
    {
        e.ToTable("evaluation_snapshot");
        e.HasKey(x => new { x.PublicationId, x.Id });
        e.Property(x => x.PublicationId).HasColumnName("publication_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().ValueGeneratedNever();
        e.Property(x => x.CaseNo).HasColumnName("case_no").HasColumnType("text").IsRequired();
        e.Property(x => x.State).HasColumnName("state").HasColumnType("text").IsRequired();
        e.Property(x => x.CategoryCode).HasColumnName("category_code").HasColumnType("text").IsRequired();
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.AssignedUnitId).HasColumnName("assigned_unit_id").HasColumnType("text");
        e.Property(x => x.AssigneeId).HasColumnName("assignee_id").HasColumnType("uuid");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.RegisteredAt).HasColumnName("registered_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.DispatchedAt).HasColumnName("dispatched_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.ClosedAt).HasColumnName("closed_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.Deadline).HasColumnName("deadline").HasColumnType("timestamp with time zone");
        e.Property(x => x.ExtensionCount).HasColumnName("extension_count").HasColumnType("integer").IsRequired();
        e.Property(x => x.ReworkCount).HasColumnName("rework_count").HasColumnType("integer").IsRequired();
        e.Property(x => x.CitizenReporter).HasColumnName("citizen_reporter").HasColumnType("boolean").IsRequired();
    }
}

internal sealed class EvaluationFollowUpSnapshotRecordConfiguration : IEntityTypeConfiguration<EvaluationFollowUpSnapshotRecord>
{
    public void Configure(EntityTypeBuilder<EvaluationFollowUpSnapshotRecord> e)
    {
        e.ToTable("evaluation_followup_snapshot");
        e.HasKey(x => new { x.PublicationId, x.Id });
        e.Property(x => x.PublicationId).HasColumnName("publication_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().ValueGeneratedNever();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.ClosedAt).HasColumnName("closed_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Satisfaction).HasColumnName("satisfaction").HasColumnType("text").IsRequired();
        e.Property(x => x.AnsweredAt).HasColumnName("answered_at").HasColumnType("timestamp with time zone").IsRequired();
        e.HasIndex(x => new { x.PublicationId, x.CaseId }).HasDatabaseName("evaluation_followup_snapshot_case_ix");
    }
}
