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
    }
}
