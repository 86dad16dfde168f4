// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Citizens;

/// <summary>A row of <c>citizen_tracking</c>: a tracking code (only its SHA-256) for one case.</summary>
public sealed class CitizenTrackingRecord
{
    public string CodeHash { get; set; } = "";
    public long CaseId { get; set; }
    public string Kind { get; set; } = "";
    public string? DeviceId { get; set; }
    public string? Name { get; set; }
    public string? Phone { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A row of <c>citizen_rate_usage</c>: requests of one device or address in one hour.</summary>
public sealed class CitizenRateUsageRecord
{
    public string Subject { get; set; } = "";
    public DateTimeOffset WindowStart { get; set; }
    public int Count { get; set; }
}

/// <summary>A row of <c>citizen_photo_uploads</c> (the table has no key: a photo may be sent many times).</summary>
public sealed class CitizenPhotoUploadRecord
{
    public string Sha256 { get; set; } = "";
    public string? DeviceId { get; set; }
    public string? Address { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
}

/// <summary>A row of <c>spam_marks</c>.</summary>
public sealed class SpamMarkRecord
{
    public long CaseId { get; set; }
    public Guid MarkedBy { get; set; }
    public DateTimeOffset MarkedAt { get; set; }
    public string Reason { get; set; } = "";
}

/// <summary>A row of <c>published_photos</c>.</summary>
public sealed class PublishedPhotoRecord
{
    public long CaseId { get; set; }
    public string Sha256 { get; set; } = "";
    public string Kind { get; set; } = "";
    public Guid PublishedBy { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
}

/// <summary>A row of <c>followups</c>: the reporter's answer about one closing of a case (回访).</summary>
public sealed class FollowupRecord
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public DateTimeOffset ClosedAt { get; set; }
    public string Channel { get; set; } = "";
    public bool Solved { get; set; }
    public string Satisfaction { get; set; } = "";
    public string? Comment { get; set; }
    public DateTimeOffset AnsweredAt { get; set; }
    public Guid? RecordedBy { get; set; }
}

internal sealed class CitizenTrackingRecordConfiguration : IEntityTypeConfiguration<CitizenTrackingRecord>
{
    public void Configure(EntityTypeBuilder<CitizenTrackingRecord> e)
    {
        e.ToTable("citizen_tracking");
        e.HasKey(x => x.CodeHash);
        e.Property(x => x.CodeHash).HasColumnName("code_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.DeviceId).HasColumnName("device_id").HasColumnType("text");
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text");
        e.Property(x => x.Phone).HasColumnName("phone").HasColumnType("text");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.HasIndex(x => x.CaseId).HasDatabaseName("citizen_tracking_case_ix");
    }
}

internal sealed class CitizenRateUsageRecordConfiguration : IEntityTypeConfiguration<CitizenRateUsageRecord>
{
    public void Configure(EntityTypeBuilder<CitizenRateUsageRecord> e)
    {
        e.ToTable("citizen_rate_usage");
        e.HasKey(x => new { x.Subject, x.WindowStart });
        e.Property(x => x.Subject).HasColumnName("subject").HasColumnType("text").IsRequired();
        e.Property(x => x.WindowStart).HasColumnName("window_start").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Count).HasColumnName("count").HasColumnType("integer").IsRequired();
    }
}

internal sealed class CitizenPhotoUploadRecordConfiguration : IEntityTypeConfiguration<CitizenPhotoUploadRecord>
{
    public void Configure(EntityTypeBuilder<CitizenPhotoUploadRecord> e)
    {
        e.ToTable("citizen_photo_uploads");
        e.HasNoKey();
        e.Property(x => x.Sha256).HasColumnName("sha256").HasColumnType("text").IsRequired();
        e.Property(x => x.DeviceId).HasColumnName("device_id").HasColumnType("text");
        e.Property(x => x.Address).HasColumnName("address").HasColumnType("text");
        e.Property(x => x.UploadedAt).HasColumnName("uploaded_at").HasColumnType("timestamp with time zone").IsRequired();
        e.HasIndex(x => x.Sha256).HasDatabaseName("citizen_photo_uploads_sha_ix");
    }
}

internal sealed class SpamMarkRecordConfiguration : IEntityTypeConfiguration<SpamMarkRecord>
{
    public void Configure(EntityTypeBuilder<SpamMarkRecord> e)
    {
        e.ToTable("spam_marks");
        e.HasKey(x => x.CaseId);
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired().ValueGeneratedNever();
        e.Property(x => x.MarkedBy).HasColumnName("marked_by").HasColumnType("uuid").IsRequired();
        e.Property(x => x.MarkedAt).HasColumnName("marked_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Reason).HasColumnName("reason").HasColumnType("text").IsRequired();
    }
}

internal sealed class PublishedPhotoRecordConfiguration : IEntityTypeConfiguration<PublishedPhotoRecord>
{
    public void Configure(EntityTypeBuilder<PublishedPhotoRecord> e)
    {
        e.ToTable("published_photos");
        e.HasKey(x => new { x.CaseId, x.Sha256 });
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Sha256).HasColumnName("sha256").HasColumnType("text").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.PublishedBy).HasColumnName("published_by").HasColumnType("uuid").IsRequired();
        e.Property(x => x.PublishedAt).HasColumnName("published_at").HasColumnType("timestamp with time zone").IsRequired();
    }
}

internal sealed class FollowupRecordConfiguration : IEntityTypeConfiguration<FollowupRecord>
{
    public void Configure(EntityTypeBuilder<FollowupRecord> e)
    {
        e.ToTable("followups");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.ClosedAt).HasColumnName("closed_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Channel).HasColumnName("channel").HasColumnType("text").IsRequired();
        e.Property(x => x.Solved).HasColumnName("solved").HasColumnType("boolean").IsRequired();
        e.Property(x => x.Satisfaction).HasColumnName("satisfaction").HasColumnType("text").IsRequired();
        e.Property(x => x.Comment).HasColumnName("comment").HasColumnType("text");
        e.Property(x => x.AnsweredAt).HasColumnName("answered_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.RecordedBy).HasColumnName("recorded_by").HasColumnType("uuid");
        e.HasIndex(x => x.CaseId).HasDatabaseName("followups_case_ix");
    }
}
