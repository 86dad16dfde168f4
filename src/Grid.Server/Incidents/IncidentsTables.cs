// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NetTopologySuite.Geometries;

namespace Grid.Server.Incidents;

/// <summary>A row of <c>cases</c>.</summary>
public sealed class CaseRecord : ICaseOrderKeys
{
    public long Id { get; set; }
    public string CaseNo { get; set; } = "";
    public Point Location { get; set; } = null!;
    public string Address { get; set; } = "";
    public string CategoryCode { get; set; } = "";
    public string Source { get; set; } = "";
    public string Priority { get; set; } = "normal";
    public string Description { get; set; } = "";
    public string? ReporterName { get; set; }
    public string? ReporterPhone { get; set; }
    public string State { get; set; } = "";
    public string CellCode { get; set; } = "";
    public Guid? ReportedBy { get; set; }
    public string? AssignedUnitId { get; set; }
    public Guid? AssigneeId { get; set; }
    public DateTimeOffset? Deadline { get; set; }
    public long? HeldRemainingS { get; set; }
    public int ExtensionCount { get; set; }
    public int ReworkCount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RegisteredAt { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public DateTimeOffset? AcceptedAt { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public int Version { get; set; }
    public DateTimeOffset? DispatchDeadline { get; set; }
    public string? ReporterEmail { get; set; }
    public long? MergedInto { get; set; }
    /// <summary>When the next rung of the escalation ladder is due (null: none will come); see migration 0070.</summary>
    public DateTimeOffset? NextRungAt { get; set; }
}

/// <summary>A row of <c>case_history</c>.</summary>
public sealed class CaseHistoryRecord
{
    public long Id { get; set; }
    public long CaseId { get; set; }
    public DateTimeOffset At { get; set; }
    public Guid? ActorId { get; set; }
    public string Action { get; set; } = "";
    public string? FromState { get; set; }
    public string ToState { get; set; } = "";
    public string? Reason { get; set; }
    public string Evidence { get; set; } = "[]";
    public string Details { get; set; } = "{}";
    public string? PublicNote { get; set; }
}

/// <summary>A row of <c>case_events</c>.</summary>
public sealed class CaseEventRecord
{
    public long Seq { get; set; }
    public DateTimeOffset At { get; set; }
    public string Kind { get; set; } = "";
    public long? CaseId { get; set; }
    public string? CellCode { get; set; }
    public Guid? PersonId { get; set; }
    public string Payload { get; set; } = "";
    /// <summary>The writing transaction (migration 0100): readers walk (XactId, Seq). Set by the database only.</summary>
    public ulong XactId { get; set; }
}

/// <summary>A row of <c>cell_case_counts</c> (migrations 0101, 0102): open cases per cell, and running cases past their
/// deadline as of <see cref="OverdueAsOf"/>, kept by a trigger on cases.</summary>
public sealed class CellCaseCountRecord
{
    public string CellCode { get; set; } = "";
    public int OpenCases { get; set; }
    public int OverdueCases { get; set; }
    public DateTimeOffset OverdueAsOf { get; set; }
}

/// <summary>A row of <c>idempotency_keys</c>.</summary>
public sealed class IdempotencyKeyRecord
{
    public Guid PersonId { get; set; }
    public string Key { get; set; } = "";
    public string RequestHash { get; set; } = "";
    public long CaseId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A row of <c>request_keys</c>.</summary>
public sealed class RequestKeyRecord
{
    public Guid PersonId { get; set; }
    public string Key { get; set; } = "";
    public long CaseId { get; set; }
    public string Action { get; set; } = "";
    public string RequestHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class CaseRecordConfiguration : IEntityTypeConfiguration<CaseRecord>
{
    public void Configure(EntityTypeBuilder<CaseRecord> e)
    {
        e.ToTable("cases");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseNo).HasColumnName("case_no").HasColumnType("text").IsRequired();
        e.Property(x => x.Location).HasColumnName("location").HasColumnType("geometry(Point,4326)").IsRequired();
        e.Property(x => x.Address).HasColumnName("address").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.CategoryCode).HasColumnName("category_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Source).HasColumnName("source").HasColumnType("text").IsRequired();
        e.Property(x => x.Priority).HasColumnName("priority").HasColumnType("text").IsRequired().HasDefaultValueSql("'normal'::text");
        e.Property(x => x.Description).HasColumnName("description").HasColumnType("text").IsRequired();
        e.Property(x => x.ReporterName).HasColumnName("reporter_name").HasColumnType("text");
        e.Property(x => x.ReporterPhone).HasColumnName("reporter_phone").HasColumnType("text");
        e.Property(x => x.State).HasColumnName("state").HasColumnType("text").IsRequired().IsConcurrencyToken();
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.ReportedBy).HasColumnName("reported_by").HasColumnType("uuid");
        e.Property(x => x.AssignedUnitId).HasColumnName("assigned_unit_id").HasColumnType("text");
        e.Property(x => x.AssigneeId).HasColumnName("assignee_id").HasColumnType("uuid");
        e.Property(x => x.Deadline).HasColumnName("deadline").HasColumnType("timestamp with time zone");
        e.Property(x => x.HeldRemainingS).HasColumnName("held_remaining_s").HasColumnType("bigint");
        e.Property(x => x.ExtensionCount).HasColumnName("extension_count").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.ReworkCount).HasColumnName("rework_count").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.RegisteredAt).HasColumnName("registered_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.DispatchedAt).HasColumnName("dispatched_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.AcceptedAt).HasColumnName("accepted_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.ResolvedAt).HasColumnName("resolved_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.ClosedAt).HasColumnName("closed_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1").IsConcurrencyToken();
        e.Property(x => x.DispatchDeadline).HasColumnName("dispatch_deadline").HasColumnType("timestamp with time zone");
        e.Property(x => x.ReporterEmail).HasColumnName("reporter_email").HasColumnType("text");
        e.Property(x => x.MergedInto).HasColumnName("merged_into").HasColumnType("bigint");
        e.Property(x => x.NextRungAt).HasColumnName("next_rung_at").HasColumnType("timestamp with time zone");
        e.HasIndex(x => x.Location).HasMethod("gist").HasDatabaseName("cases_location_gix");
    }
}

internal sealed class CaseHistoryRecordConfiguration : IEntityTypeConfiguration<CaseHistoryRecord>
{
    public void Configure(EntityTypeBuilder<CaseHistoryRecord> e)
    {
        e.ToTable("case_history");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.At).HasColumnName("at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.ActorId).HasColumnName("actor_id").HasColumnType("uuid");
        e.Property(x => x.Action).HasColumnName("action").HasColumnType("text").IsRequired();
        e.Property(x => x.FromState).HasColumnName("from_state").HasColumnType("text");
        e.Property(x => x.ToState).HasColumnName("to_state").HasColumnType("text").IsRequired();
        e.Property(x => x.Reason).HasColumnName("reason").HasColumnType("text");
        e.Property(x => x.Evidence).HasColumnName("evidence").HasColumnType("jsonb").IsRequired().HasDefaultValueSql("'[]'::jsonb");
        e.Property(x => x.Details).HasColumnName("details").HasColumnType("jsonb").IsRequired().HasDefaultValueSql("'{}'::jsonb");
        e.Property(x => x.PublicNote).HasColumnName("public_note").HasColumnType("text");
    }
}

internal sealed class CaseEventRecordConfiguration : IEntityTypeConfiguration<CaseEventRecord>
{
    public void Configure(EntityTypeBuilder<CaseEventRecord> e)
    {
        e.ToTable("case_events");
        e.HasKey(x => x.Seq);
        e.Property(x => x.Seq).HasColumnName("seq").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.At).HasColumnName("at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint");
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text");
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid");
        e.Property(x => x.Payload).HasColumnName("payload").HasColumnType("jsonb").IsRequired();
        // Always the database's pg_current_xact_id(): an event carries the transaction that wrote it.
        e.Property(x => x.XactId).HasColumnName("xact_id").HasColumnType("xid8").IsRequired()
            .HasDefaultValueSql("pg_current_xact_id()").ValueGeneratedOnAdd();
        e.HasIndex(x => new { x.XactId, x.Seq }).HasDatabaseName("case_events_xact_seq_ix");
    }
}

internal sealed class CellCaseCountRecordConfiguration : IEntityTypeConfiguration<CellCaseCountRecord>
{
    public void Configure(EntityTypeBuilder<CellCaseCountRecord> e)
    {
        // Written only by the trigger cases_count_open and OverdueCounts (migration 0102); read by the cells list.
        e.ToTable("cell_case_counts");
        e.HasKey(x => x.CellCode);
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.OpenCases).HasColumnName("open_cases").HasColumnType("integer").IsRequired().HasDefaultValue(0);
        e.Property(x => x.OverdueCases).HasColumnName("overdue_cases").HasColumnType("integer").IsRequired().HasDefaultValue(0);
        e.Property(x => x.OverdueAsOf).HasColumnName("overdue_as_of").HasColumnType("timestamp with time zone").IsRequired()
            .HasDefaultValueSql("'-infinity'::timestamp with time zone");
    }
}

internal sealed class IdempotencyKeyRecordConfiguration : IEntityTypeConfiguration<IdempotencyKeyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyKeyRecord> e)
    {
        e.ToTable("idempotency_keys");
        e.HasKey(x => new { x.PersonId, x.Key });
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.Key).HasColumnName("key").HasColumnType("text").IsRequired();
        e.Property(x => x.RequestHash).HasColumnName("request_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
    }
}

internal sealed class RequestKeyRecordConfiguration : IEntityTypeConfiguration<RequestKeyRecord>
{
    public void Configure(EntityTypeBuilder<RequestKeyRecord> e)
    {
        e.ToTable("request_keys");
        e.HasKey(x => new { x.PersonId, x.Key });
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.Key).HasColumnName("key").HasColumnType("text").IsRequired();
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint").IsRequired();
        e.Property(x => x.Action).HasColumnName("action").HasColumnType("text").IsRequired();
        e.Property(x => x.RequestHash).HasColumnName("request_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
    }
}
