// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Intake;

/// <summary>A row of <c>case_reporters</c>.</summary>
public sealed class CaseReporterRecord
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public long FromCaseId { get; set; }
    public string Source { get; set; } = "";
    public string? Name { get; set; }
    public string? Phone { get; set; }
    public string? Email { get; set; }
    public Guid? PersonId { get; set; }
    public DateTimeOffset AddedAt { get; set; }
}

/// <summary>A row of <c>duplicate_flags</c>.</summary>
public sealed class DuplicateFlagRecord
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public long CandidateId { get; set; }
    public double DistanceM { get; set; }
    public string Status { get; set; } = "open";
    public DateTimeOffset FlaggedAt { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public Guid? DecidedBy { get; set; }
    public string? Reason { get; set; }
}

internal sealed class CaseReporterRecordConfiguration : IEntityTypeConfiguration<CaseReporterRecord>
{
    public void Configure(EntityTypeBuilder<CaseReporterRecord> e)
    {
        e.ToTable("case_reporters");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.FromCaseId).HasColumnName("from_case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Source).HasColumnName("source").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text");
        e.Property(x => x.Phone).HasColumnName("phone").HasColumnType("text");
        e.Property(x => x.Email).HasColumnName("email").HasColumnType("text");
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid");
        e.Property(x => x.AddedAt).HasColumnName("added_at").HasColumnType("timestamp with time zone").IsRequired();
    }
}

internal sealed class DuplicateFlagRecordConfiguration : IEntityTypeConfiguration<DuplicateFlagRecord>
{
    public void Configure(EntityTypeBuilder<DuplicateFlagRecord> e)
    {
        e.ToTable("duplicate_flags");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.CandidateId).HasColumnName("candidate_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.DistanceM).HasColumnName("distance_m").HasColumnType("double precision").IsRequired();
        e.Property(x => x.Status).HasColumnName("status").HasColumnType("text").IsRequired().HasDefaultValueSql("'open'::text");
        e.Property(x => x.FlaggedAt).HasColumnName("flagged_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.DecidedAt).HasColumnName("decided_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.DecidedBy).HasColumnName("decided_by").HasColumnType("uuid");
        e.Property(x => x.Reason).HasColumnName("reason").HasColumnType("text");
    }
}
