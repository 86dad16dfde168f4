// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Open311;

/// <summary>A row of <c>open311_api_keys</c>.</summary>
public sealed class ApiKeyRecord
{
    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string KeyPrefix { get; set; } = "";
    public string KeyHash { get; set; } = "";
    public int RatePerMinute { get; set; }
    public Guid? CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public Guid? RevokedBy { get; set; }
    public string Scope { get; set; } = "open311";
    public bool CitizenPage { get; set; }
    public string? PublicKey { get; set; }
}

/// <summary>A row of <c>open311_key_usage</c>.</summary>
public sealed class ApiKeyUsageRecord
{
    public long KeyId { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public int Count { get; set; }
}

/// <summary>A row of <c>open311_requests</c>.</summary>
public sealed class Open311RequestRecord
{
    public Guid Token { get; set; }
    public long ApiKeyId { get; set; }
    public long? CaseId { get; set; }
    public string ServiceCode { get; set; } = "";
    public string? AddressString { get; set; }
    public string Description { get; set; } = "";
    public string? MediaUrl { get; set; }
    public string Attributes { get; set; } = "{}";
    public string? FirstName { get; set; }
    public string? LastName { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public string? DeviceId { get; set; }
    public string? AccountId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? PlacedAt { get; set; }
    /// <summary>The case number reserved for an address-only request when it arrived; its case gets it when placed.</summary>
    public string? CaseNo { get; set; }
    public Guid? PlacedBy { get; set; }
}

internal sealed class ApiKeyRecordConfiguration : IEntityTypeConfiguration<ApiKeyRecord>
{
    public void Configure(EntityTypeBuilder<ApiKeyRecord> e)
    {
        e.ToTable("open311_api_keys");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
        e.Property(x => x.KeyPrefix).HasColumnName("key_prefix").HasColumnType("text").IsRequired();
        e.Property(x => x.KeyHash).HasColumnName("key_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.RatePerMinute).HasColumnName("rate_per_minute").HasColumnType("integer").IsRequired();
        e.Property(x => x.CreatedBy).HasColumnName("created_by").HasColumnType("uuid");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.RevokedAt).HasColumnName("revoked_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.RevokedBy).HasColumnName("revoked_by").HasColumnType("uuid");
        e.Property(x => x.Scope).HasColumnName("scope").HasColumnType("text").IsRequired().HasDefaultValueSql("'open311'::text");
        e.Property(x => x.CitizenPage).HasColumnName("citizen_page").HasColumnType("boolean").IsRequired();
        e.Property(x => x.PublicKey).HasColumnName("public_key").HasColumnType("text");
    }
}

internal sealed class ApiKeyUsageRecordConfiguration : IEntityTypeConfiguration<ApiKeyUsageRecord>
{
    public void Configure(EntityTypeBuilder<ApiKeyUsageRecord> e)
    {
        e.ToTable("open311_key_usage");
        e.HasKey(x => new { x.KeyId, x.WindowStart });
        e.Property(x => x.KeyId).HasColumnName("key_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.WindowStart).HasColumnName("window_start").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Count).HasColumnName("count").HasColumnType("integer").IsRequired();
    }
}

internal sealed class Open311RequestRecordConfiguration : IEntityTypeConfiguration<Open311RequestRecord>
{
    public void Configure(EntityTypeBuilder<Open311RequestRecord> e)
    {
        e.ToTable("open311_requests");
        e.HasKey(x => x.Token);
        e.Property(x => x.Token).HasColumnName("token").HasColumnType("uuid").IsRequired();
        e.Property(x => x.ApiKeyId).HasColumnName("api_key_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint");
        e.Property(x => x.ServiceCode).HasColumnName("service_code").HasColumnType("text").IsRequired();
        e.Property(x => x.AddressString).HasColumnName("address_string").HasColumnType("text");
        e.Property(x => x.Description).HasColumnName("description").HasColumnType("text").IsRequired();
        e.Property(x => x.MediaUrl).HasColumnName("media_url").HasColumnType("text");
        e.Property(x => x.Attributes).HasColumnName("attributes").HasColumnType("jsonb").IsRequired().HasDefaultValueSql("'{}'::jsonb");
        e.Property(x => x.FirstName).HasColumnName("first_name").HasColumnType("text");
        e.Property(x => x.LastName).HasColumnName("last_name").HasColumnType("text");
        e.Property(x => x.Phone).HasColumnName("phone").HasColumnType("text");
        e.Property(x => x.Email).HasColumnName("email").HasColumnType("text");
        e.Property(x => x.DeviceId).HasColumnName("device_id").HasColumnType("text");
        e.Property(x => x.AccountId).HasColumnName("account_id").HasColumnType("text");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.PlacedAt).HasColumnName("placed_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.PlacedBy).HasColumnName("placed_by").HasColumnType("uuid");
        e.Property(x => x.CaseNo).HasColumnName("case_no").HasColumnType("text");
        e.HasIndex(x => x.CaseNo).IsUnique().HasDatabaseName("open311_requests_case_no_key");
    }
}
