// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Photos;

/// <summary>A row of <c>photos</c>.</summary>
public sealed class PhotoRecord
{
    public string Sha256 { get; set; } = "";
    public string ContentType { get; set; } = "";
    public int Bytes { get; set; }
    public bool HasMetadata { get; set; }
    public string? ThumbSha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A row of <c>photo_uploads</c>.</summary>
public sealed class PhotoUploadRecord
{
    public string Sha256 { get; set; } = "";
    public Guid PersonId { get; set; }
    public DateTimeOffset UploadedAt { get; set; }
}

internal sealed class PhotoRecordConfiguration : IEntityTypeConfiguration<PhotoRecord>
{
    public void Configure(EntityTypeBuilder<PhotoRecord> e)
    {
        e.ToTable("photos");
        e.HasKey(x => x.Sha256);
        e.Property(x => x.Sha256).HasColumnName("sha256").HasColumnType("text").IsRequired();
        e.Property(x => x.ContentType).HasColumnName("content_type").HasColumnType("text").IsRequired();
        e.Property(x => x.Bytes).HasColumnName("bytes").HasColumnType("integer").IsRequired();
        e.Property(x => x.HasMetadata).HasColumnName("has_metadata").HasColumnType("boolean").IsRequired();
        e.Property(x => x.ThumbSha256).HasColumnName("thumb_sha256").HasColumnType("text");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
    }
}

internal sealed class PhotoUploadRecordConfiguration : IEntityTypeConfiguration<PhotoUploadRecord>
{
    public void Configure(EntityTypeBuilder<PhotoUploadRecord> e)
    {
        e.ToTable("photo_uploads");
        e.HasKey(x => new { x.Sha256, x.PersonId });
        e.Property(x => x.Sha256).HasColumnName("sha256").HasColumnType("text").IsRequired();
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.UploadedAt).HasColumnName("uploaded_at").HasColumnType("timestamp with time zone").IsRequired();
    }
}
