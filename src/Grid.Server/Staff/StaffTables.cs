// The tables this feature owns, as GridDbContext maps them. The schema itself is db/migrations/;
// GridDbModelTests checks that every table, column, type, nullability and key here exists there.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Grid.Server.Staff;

/// <summary>A row of <c>people</c>.</summary>
public sealed class PersonRecord
{
    public Guid Id { get; set; }
    public string Username { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string? Phone { get; set; }
    public string PasswordHash { get; set; } = "";
    public string? UnitId { get; set; }
    public string? StreetCode { get; set; }
    /// <summary>The community an area-wide role is limited to (within <see cref="StreetCode"/>); null: the street or district.</summary>
    public string? CommunityCode { get; set; }
    public bool OnDuty { get; set; }
    public int FailedLogins { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Changes when every session of the person must end (sign-out everywhere, reset, deactivation).</summary>
    public Guid SecurityStamp { get; set; }
    public DateTimeOffset? DeactivatedAt { get; set; }
    /// <summary>Rises with every edit from the console; an edit naming an older version loses (409).</summary>
    public int Version { get; set; }
    /// <summary>Set when an administrator chose the password (reset, import): the person must choose his own at the next sign-in.</summary>
    public bool MustChangePassword { get; set; }
}

/// <summary>A row of <c>person_roles</c>.</summary>
public sealed class PersonRoleRecord
{
    public Guid PersonId { get; set; }
    public string Role { get; set; } = "";
}

/// <summary>A row of <c>cell_staff</c>.</summary>
public sealed class CellStaffRecord
{
    public string CellCode { get; set; } = "";
    public string Role { get; set; } = "";
    public Guid PersonId { get; set; }
}

internal sealed class PersonRecordConfiguration : IEntityTypeConfiguration<PersonRecord>
{
    public void Configure(EntityTypeBuilder<PersonRecord> e)
    {
        e.ToTable("people");
        e.HasKey(x => x.Id);
        e.Property(x => x.Id).HasColumnName("id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.Username).HasColumnName("username").HasColumnType("text").IsRequired();
        e.Property(x => x.DisplayName).HasColumnName("display_name").HasColumnType("text").IsRequired();
        e.Property(x => x.Phone).HasColumnName("phone").HasColumnType("text");
        e.Property(x => x.PasswordHash).HasColumnName("password_hash").HasColumnType("text").IsRequired();
        e.Property(x => x.UnitId).HasColumnName("unit_id").HasColumnType("text");
        e.Property(x => x.StreetCode).HasColumnName("street_code").HasColumnType("text");
        e.Property(x => x.CommunityCode).HasColumnName("community_code").HasColumnType("text");
        e.Property(x => x.OnDuty).HasColumnName("on_duty").HasColumnType("boolean").IsRequired();
        e.Property(x => x.FailedLogins).HasColumnName("failed_logins").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.LockedUntil).HasColumnName("locked_until").HasColumnType("timestamp with time zone");
        e.Property(x => x.CreatedAt).HasColumnName("created_at").HasColumnType("timestamp with time zone").IsRequired().HasDefaultValueSql("now()");
        e.Property(x => x.SecurityStamp).HasColumnName("security_stamp").HasColumnType("uuid").IsRequired().HasDefaultValueSql("gen_random_uuid()");
        e.Property(x => x.DeactivatedAt).HasColumnName("deactivated_at").HasColumnType("timestamp with time zone");
        e.Property(x => x.Version).HasColumnName("version").HasColumnType("integer").IsRequired().HasDefaultValueSql("1");
        e.Property(x => x.MustChangePassword).HasColumnName("must_change_password").HasColumnType("boolean").IsRequired();
    }
}

internal sealed class PersonRoleRecordConfiguration : IEntityTypeConfiguration<PersonRoleRecord>
{
    public void Configure(EntityTypeBuilder<PersonRoleRecord> e)
    {
        e.ToTable("person_roles");
        e.HasKey(x => new { x.PersonId, x.Role });
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
        e.Property(x => x.Role).HasColumnName("role").HasColumnType("text").IsRequired();
    }
}

internal sealed class CellStaffRecordConfiguration : IEntityTypeConfiguration<CellStaffRecord>
{
    public void Configure(EntityTypeBuilder<CellStaffRecord> e)
    {
        e.ToTable("cell_staff");
        e.HasKey(x => new { x.CellCode, x.Role });
        e.Property(x => x.CellCode).HasColumnName("cell_code").HasColumnType("text").IsRequired();
        e.Property(x => x.Role).HasColumnName("role").HasColumnType("text").IsRequired();
        e.Property(x => x.PersonId).HasColumnName("person_id").HasColumnType("uuid").IsRequired();
    }
}

/// <summary>A row of <c>login_name_failures</c>: failed sign-ins under a name that is no active account.</summary>
public sealed class LoginNameFailureRecord
{
    public string LoginName { get; set; } = "";
    public int FailedLogins { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class LoginNameFailureRecordConfiguration : IEntityTypeConfiguration<LoginNameFailureRecord>
{
    public void Configure(EntityTypeBuilder<LoginNameFailureRecord> e)
    {
        e.ToTable("login_name_failures");
        e.HasKey(x => x.LoginName);
        e.Property(x => x.LoginName).HasColumnName("login_name").HasColumnType("text").IsRequired();
        e.Property(x => x.FailedLogins).HasColumnName("failed_logins").HasColumnType("integer").IsRequired().HasDefaultValueSql("0");
        e.Property(x => x.LockedUntil).HasColumnName("locked_until").HasColumnType("timestamp with time zone");
    }
}
