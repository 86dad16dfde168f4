// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Catalogue;

/// <summary>A row of <c>units</c>.</summary>
public sealed class UnitRecord
{
    public string Id { get; set; } = "";
    public string NameZh { get; set; } = "";
    public string NameEn { get; set; } = "";
    public string? Phone { get; set; }
    /// <summary>The street a street's own unit belongs to; null: the unit serves the whole district.</summary>
    public string? StreetCode { get; set; }
    /// <summary>Set when an administrator deactivated the unit (never deleted: history keeps its name).</summary>
    public DateTimeOffset? DeactivatedAt { get; set; }
    /// <summary>Rises with every change from the console; a change naming an older version loses (409).</summary>
    public int Version { get; set; }
    public DateTimeOffset? UpdatedAt { get; set; }
    public Guid? UpdatedBy { get; set; }
}

/// <summary>A row of <c>categories</c>.</summary>
public sealed class CategoryRecord
{
    public string Code { get; set; } = "";
    public string Kind { get; set; } = "";
    public string MajorCode { get; set; } = "";
    public string MinorCode { get; set; } = "";
    public string MajorNameZh { get; set; } = "";
    public string MajorNameEn { get; set; } = "";
    public string NameZh { get; set; } = "";
    public string NameEn { get; set; } = "";
    public int LimitValue { get; set; }
    public string LimitUnit { get; set; } = "";
    public int UrgentLimitValue { get; set; }
    public string UrgentLimitUnit { get; set; } = "";
    public string DefaultUnitId { get; set; } = "";
    public string HandlerRole { get; set; } = "grid_worker";
    public bool SelfHandleAllowed { get; set; }
    public string RegistrationCondition { get; set; } = "";
    public string ClosingCondition { get; set; } = "";
    public int Version { get; set; } = 1;
    public DateTimeOffset? UpdatedAt { get; set; }
    public Guid? UpdatedBy { get; set; }
}

/// <summary>A row of <c>category_attributes</c>.</summary>
public sealed class CategoryAttributeRecord
{
    public string CategoryCode { get; set; } = "";
    public string Code { get; set; } = "";
    public bool Variable { get; set; }
    public string Datatype { get; set; } = "";
    public bool Required { get; set; }
    public string DatatypeDescription { get; set; } = "";
    public int SortOrder { get; set; }
    public string Description { get; set; } = "";
    public string Values { get; set; } = "[]";
}

/// <summary>A row of <c>working_periods</c>.</summary>
public sealed class WorkingPeriodRecord
{
    public TimeOnly StartsAt { get; set; }
    public TimeOnly EndsAt { get; set; }
}

/// <summary>A row of <c>calendar_settings</c>.</summary>
public sealed class CalendarSettingsRecord
{
    public int Id { get; set; }
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public int[] RestWeekdays { get; set; } = [];
    public int Version { get; set; } = 1;
}

/// <summary>A row of <c>calendar_years</c>: the version of one year's list of holidays and make-up days.</summary>
public sealed class CalendarYearRecord
{
    public int Year { get; set; }
    public int Version { get; set; } = 1;
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid? UpdatedBy { get; set; }
    /// <summary>Version of the year's own working periods (0: never set; the year works the default periods).</summary>
    public int PeriodsVersion { get; set; }
}

/// <summary>A row of <c>calendar_year_periods</c>: one working period of the days of one year.</summary>
public sealed class CalendarYearPeriodRecord
{
    public int Year { get; set; }
    public TimeOnly StartsAt { get; set; }
    public TimeOnly EndsAt { get; set; }
}

/// <summary>A row of <c>calendar_days</c>.</summary>
public sealed class CalendarDayRecord
{
    public DateOnly Day { get; set; }
    public string Kind { get; set; } = "";
    public string Note { get; set; } = "";
}

internal sealed class UnitRecordConfiguration : IEntityTypeConfiguration<UnitRecord>
{
    public void Configure(EntityTypeBuilder<UnitRecord> e)
    {
        e.ToTable("units");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("text").IsRequired();
        e.Property(x => x.NameZh).HasColumnName("name_zh").HasColumnType("text").IsRequired();
        e.Property(x => x.NameEn).HasColumnName("name_en").HasColumnType("text").IsRequired();
        e.Property(x => x.Phone).HasColumnName("phone").HasColumnType("text");
        e.Property(x => x.StreetCode).HasColumnName("street_code").HasColumnType("text");
        e.Property(x => x.DeactivatedAt).HasColumnName("deactivated_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.UpdatedBy).HasColumnName("updated_by").HasColumnType("uuid");
    }
}

internal sealed class CategoryRecordConfiguration : IEntityTypeConfiguration<CategoryRecord>
{
    public void Configure(EntityTypeBuilder<CategoryRecord> e)
    {
        e.ToTable("categories");
        e.HasKey(x => x.Code);
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.MajorCode).HasColumnName("major_code").HasColumnType("text").IsRequired();
        e.Property(x => x.MinorCode).HasColumnName("minor_code").HasColumnType("text").IsRequired();
        e.Property(x => x.MajorNameZh).HasColumnName("major_name_zh").HasColumnType("text").IsRequired();
        e.Property(x => x.MajorNameEn).HasColumnName("major_name_en").HasColumnType("text").IsRequired();
        e.Property(x => x.NameZh).HasColumnName("name_zh").HasColumnType("text").IsRequired();
        e.Property(x => x.NameEn).HasColumnName("name_en").HasColumnType("text").IsRequired();
        e.Property(x => x.LimitValue).HasColumnName("limit_value").HasColumnType("integer").IsRequired();
        e.Property(x => x.LimitUnit).HasColumnName("limit_unit").HasColumnType("text").IsRequired();
        e.Property(x => x.UrgentLimitValue).HasColumnName("urgent_limit_value").HasColumnType("integer").IsRequired();
        e.Property(x => x.UrgentLimitUnit).HasColumnName("urgent_limit_unit").HasColumnType("text").IsRequired();
        e.Property(x => x.DefaultUnitId).HasColumnName("default_unit_id").HasColumnType("text").IsRequired();
        e.Property(x => x.HandlerRole).HasColumnName("handler_role").HasColumnType("text").IsRequired().HasDefaultValueSql("'grid_worker'::text");
        e.Property(x => x.SelfHandleAllowed).HasColumnName("self_handle_allowed").HasColumnType("boolean").IsRequired();
        e.Property(x => x.RegistrationCondition).HasColumnName("registration_condition").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.ClosingCondition).HasColumnName("closing_condition").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.UpdatedBy).HasColumnName("updated_by").HasColumnType("uuid");
    }
}

internal sealed class CategoryAttributeRecordConfiguration : IEntityTypeConfiguration<CategoryAttributeRecord>
{
    public void Configure(EntityTypeBuilder<CategoryAttributeRecord> e)
    {
        e.ToTable("category_attributes");
        e.HasKey(x => new { x.CategoryCode, x.Code });
        e.Property(x => x.CategoryCode).HasColumnName("category_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Code).HasColumnName("code").HasColumnType("text").IsRequired();
        e.Property(x => x.Variable).HasColumnName("variable").HasColumnType("boolean").IsRequired();
        e.Property(x => x.Datatype).HasColumnName("datatype").HasColumnType("text").IsRequired();
        e.Property(x => x.Required).HasColumnName("required").HasColumnType("boolean").IsRequired();
        e.Property(x => x.DatatypeDescription).HasColumnName("datatype_description").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
        e.Property(x => x.SortOrder).HasColumnName("sort_order").HasColumnType("integer").IsRequired();
        e.Property(x => x.Description).HasColumnName("description").HasColumnType("text").IsRequired();
        e.Property(x => x.Values).HasColumnName("values").HasColumnType("jsonb").IsRequired().HasDefaultValueSql("'[]'::jsonb");
    }
}

internal sealed class WorkingPeriodRecordConfiguration : IEntityTypeConfiguration<WorkingPeriodRecord>
{
    public void Configure(EntityTypeBuilder<WorkingPeriodRecord> e)
    {
        e.ToTable("working_periods");
        e.HasKey(x => x.StartsAt);
        e.Property(x => x.StartsAt).HasColumnName("starts_at").HasColumnType("time without time zone").IsRequired();
        e.Property(x => x.EndsAt).HasColumnName("ends_at").HasColumnType("time without time zone").IsRequired();
    }
}

internal sealed class CalendarSettingsRecordConfiguration : IEntityTypeConfiguration<CalendarSettingsRecord>
{
    public void Configure(EntityTypeBuilder<CalendarSettingsRecord> e)
    {
        e.ToTable("calendar_settings");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
        e.Property(x => x.TimeZone).HasColumnName("time_zone").HasColumnType("text").IsRequired().HasDefaultValueSql("'Asia/Shanghai'::text");
        e.Property(x => x.RestWeekdays).HasColumnName("rest_weekdays").HasColumnType("integer[]").IsRequired().HasDefaultValueSql("'{0,6}'::integer[]");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
    }
}

internal sealed class CalendarYearRecordConfiguration : IEntityTypeConfiguration<CalendarYearRecord>
{
    public void Configure(EntityTypeBuilder<CalendarYearRecord> e)
    {
        e.ToTable("calendar_years");
        e.HasKey(x => x.Year);
        e.Property(x => x.Year).HasColumnName("year").HasColumnType("integer").IsRequired();
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
        e.Property(x => x.UpdatedAt).HasColumnName("updated_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
        e.Property(x => x.UpdatedBy).HasColumnName("updated_by").HasColumnType("uuid");
        e.Property(x => x.PeriodsVersion).HasColumnName("periods_version").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
    }
}

internal sealed class CalendarYearPeriodRecordConfiguration : IEntityTypeConfiguration<CalendarYearPeriodRecord>
{
    public void Configure(EntityTypeBuilder<CalendarYearPeriodRecord> e)
    {
        e.ToTable("calendar_year_periods");
        e.HasKey(x => new { x.Year, x.StartsAt });
        e.Property(x => x.Year).HasColumnName("year").HasColumnType("integer").IsRequired();
        e.Property(x => x.StartsAt).HasColumnName("starts_at").HasColumnType("time without time zone").IsRequired();
        e.Property(x => x.EndsAt).HasColumnName("ends_at").HasColumnType("time without time zone").IsRequired();
    }
}

internal sealed class CalendarDayRecordConfiguration : IEntityTypeConfiguration<CalendarDayRecord>
{
    public void Configure(EntityTypeBuilder<CalendarDayRecord> e)
    {
        e.ToTable("calendar_days");
        e.HasKey(x => x.Day);
        e.Property(x => x.Day).HasColumnName("day").HasColumnType("date").IsRequired();
        e.Property(x => x.Kind).HasColumnName("kind").HasColumnType("text").IsRequired();
        e.Property(x => x.Note).HasColumnName("note").HasColumnType("text").IsRequired().HasDefaultValueSql("''::text");
    }
}
