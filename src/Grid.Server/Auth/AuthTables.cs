// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Auth;

/// <summary>A row of <c>data_protection_keys</c>.</summary>
public sealed class DataProtectionKeyRecord
{
    public long Id { get; set; }
    public string FriendlyName { get; set; } = "";
    public string Xml { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class DataProtectionKeyRecordConfiguration : IEntityTypeConfiguration<DataProtectionKeyRecord>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRecord> e)
    {
        e.ToTable("data_protection_keys");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.FriendlyName).HasColumnName("friendly_name").HasColumnType("text").IsRequired();
        e.Property(x => x.Xml).HasColumnName("xml").HasColumnType("text").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
    }
}
