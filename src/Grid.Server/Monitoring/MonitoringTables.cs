// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using NetTopologySuite.Geometries;

namespace Grid.Server.Monitoring;

/// <summary>A row of <c>monitoring_systems</c>.</summary>
public sealed class MonitoringSystemRecord
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A row of <c>monitoring_kinds</c>.</summary>
public sealed class MonitoringKindRecord
{
    public string Kind { get; set; } = "";
    public string SystemId { get; set; } = "";
    public string CategoryCode { get; set; } = "";
    public string Priority { get; set; } = "normal";
    public int Version { get; set; } = 1;
}

/// <summary>A row of <c>monitoring_devices</c>.</summary>
public sealed class MonitoringDeviceRecord
{
    public string Id { get; set; } = "";
    public string Kind { get; set; } = "";
    public string Name { get; set; } = "";
    public Point Location { get; set; } = null!;
    public string CellCode { get; set; } = "";
    public string Address { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public int Version { get; set; } = 1;
}

/// <summary>A row of <c>device_alarms</c>.</summary>
public sealed class DeviceAlarmRecord
{
    public long Id { get; set; }
    public string DeviceId { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
    public string AlarmType { get; set; } = "";
    public string Message { get; set; } = "";
    public long? CaseId { get; set; }
    public string Outcome { get; set; } = "";
}

internal sealed class MonitoringSystemRecordConfiguration : IEntityTypeConfiguration<MonitoringSystemRecord>
{
    public void Configure(EntityTypeBuilder<MonitoringSystemRecord> e)
    {
        e.ToTable("monitoring_systems");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired();
        e.Property(x => x.SecretHash).HasColumnName("secret_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
    }
}

internal sealed class MonitoringKindRecordConfiguration : IEntityTypeConfiguration<MonitoringKindRecord>
{
    public void Configure(EntityTypeBuilder<MonitoringKindRecord> e)
    {
        e.ToTable("monitoring_kinds");
        e.HasKey(x => x.Kind);
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.SystemId).HasColumnName("system_id").HasColumnType("text").IsRequired();
        e.Property(x => x.CategoryCode).HasColumnName("category_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Priority).HasColumnName("priority").HasColumnType("text").IsRequired().HasDefaultValueSql("'normal'::text");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
    }
}

internal sealed class MonitoringDeviceRecordConfiguration : IEntityTypeConfiguration<MonitoringDeviceRecord>
{
    public void Configure(EntityTypeBuilder<MonitoringDeviceRecord> e)
    {
        e.ToTable("monitoring_devices");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("text").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.Name).HasColumnName("name").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.Location).HasColumnName("location").HasColumnType("geometry(Point,4326)").IsRequired();
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Address).HasColumnName("address").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
    }
}

internal sealed class DeviceAlarmRecordConfiguration : IEntityTypeConfiguration<DeviceAlarmRecord>
{
    public void Configure(EntityTypeBuilder<DeviceAlarmRecord> e)
    {
        e.ToTable("device_alarms");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("bigint").IsRequired().UseIdentityAlwaysColumn();
        e.Property(x => x.DeviceId).HasColumnName("device_id").HasColumnType("text").IsRequired();
        e.Property(x => x.ReceivedAt).HasColumnName("received_at").HasColumnType("timestamp with time zone").IsRequired();
        e.Property(x => x.AlarmType).HasColumnName("alarm_type").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.Message).HasColumnName("message").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.CaseId).HasColumnName("case_id").HasColumnType("bigint");
        e.Property(x => x.Outcome).HasColumnName("outcome").HasColumnType("text").IsRequired();
    }
}
