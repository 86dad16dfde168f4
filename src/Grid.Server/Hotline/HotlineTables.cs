// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Hotline;

/// <summary>A row of <c>hotline_tickets</c>.</summary>
public sealed class HotlineTicketRecord
{
    public string ExternalId { get; set; } = "";
    public long CaseId { get; set; }
    public string RequestHash { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
    public Guid? CreatedBy { get; set; }
    /// <summary>The hotline system's key that pushed it (null: filed by a call taker).</summary>
    public long? ApiKeyId { get; set; }
}

/// <summary>A row of <c>hotline_callbacks</c>: where a 12345 system wants its tickets' changes POSTed.</summary>
public sealed class HotlineCallbackRecord
{
    public long ApiKeyId { get; set; }
    public string Url { get; set; } = "";
    public string SigningKey { get; set; } = "";
    public DateTimeOffset RegisteredAt { get; set; }
    public long CursorSeq { get; set; }
}

/// <summary>A row of <c>hotline_deliveries</c>: one change of one ticket to send once.</summary>
public sealed class HotlineDeliveryRecord
{
    public long ApiKeyId { get; set; }
    public long Seq { get; set; }
    public string TicketId { get; set; } = "";
    public string Body { get; set; } = "";
    public DateTimeOffset QueuedAt { get; set; }
    public string? JobId { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
}

internal sealed class HotlineTicketRecordConfiguration : IEntityTypeConfiguration<HotlineTicketRecord>
{
    public void Configure(EntityTypeBuilder<HotlineTicketRecord> e)
    {
        e.ToTable("hotline_tickets");
        e.HasKey(x => x.ExternalId);
        e.Property(x => x.ExternalId).HasColumnName("external_id").HasColumnType("text").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.RequestHash).HasColumnName("request_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.ReceivedAt).HasColumnName("received_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.CreatedBy).HasColumnName("created_by").HasColumnType("uuid");
        e.Property(x => x.ApiKeyId).HasColumnName("api_key_id").HasColumnType("bigint");
    }
}

internal sealed class HotlineCallbackRecordConfiguration : IEntityTypeConfiguration<HotlineCallbackRecord>
{
    public void Configure(EntityTypeBuilder<HotlineCallbackRecord> e)
    {
        e.ToTable("hotline_callbacks");
        e.HasKey(x => x.ApiKeyId);
        e.Property(x => x.ApiKeyId).HasColumnName("api_key_id").HasColumnType("bigint").IsRequired().ValueGeneratedNever();
        e.Property(x => x.Url).HasColumnName("url").HasColumnType("text").IsRequired();
        e.Property(x => x.SigningKey).HasColumnName("signing_key").HasColumnType("text").IsRequired();
        e.Property(x => x.RegisteredAt).HasColumnName("registered_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.CursorSeq).HasColumnName("cursor_seq").HasColumnType("bigint").IsRequired();
    }
}

internal sealed class HotlineDeliveryRecordConfiguration : IEntityTypeConfiguration<HotlineDeliveryRecord>
{
    public void Configure(EntityTypeBuilder<HotlineDeliveryRecord> e)
    {
        e.ToTable("hotline_deliveries");
        e.HasKey(x => new { x.ApiKeyId, x.Seq, x.TicketId });
        e.Property(x => x.ApiKeyId).HasColumnName("api_key_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Seq).HasColumnName("seq").HasColumnType("bigint").IsRequired();
        e.Property(x => x.TicketId).HasColumnName("ticket_id").HasColumnType("text").IsRequired();
        e.Property(x => x.Body).HasColumnName("body").HasColumnType("jsonb").IsRequired();
        e.Property(x => x.QueuedAt).HasColumnName("queued_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.JobId).HasColumnName("job_id").HasColumnType("text");
        e.Property(x => x.Attempts).HasColumnName("attempts").HasColumnType("integer").IsRequired().HasDefaultValue(0);
        e.Property(x => x.LastError).HasColumnName("last_error").HasColumnType("text");
        e.Property(x => x.DeliveredAt).HasColumnName("delivered_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.FailedAt).HasColumnName("failed_at").HasColumnType("timestamp with time zone");
    }
}
