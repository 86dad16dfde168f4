using Dapper;
using Grid.Server.Data;
using Grid.Domain.People;
using Grid.Server.Auth;
using Npgsql;

namespace Grid.Server.Staff;

public sealed class PersonLogin
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public string? StreetCode { get; init; }
    public string? UnitId { get; init; }
    public int FailedLogins { get; init; }
    public DateTime? LockedUntil { get; init; }
    public string[] Roles { get; init; } = [];
}

public sealed record TeamMember(string Role, Guid PersonId, string DisplayName, string? Phone, bool OnDuty);

public sealed class StaffRepository(NpgsqlDataSource db)
{
    private const string SelectLoginSql = """
        select p.id, p.username, p.display_name as DisplayName, p.password_hash as PasswordHash, p.street_code as StreetCode,
               p.unit_id as UnitId, p.failed_logins as FailedLogins, p.locked_until as LockedUntil,
               coalesce(array_agg(r.role order by r.role) filter (where r.role is not null), '{}') as Roles
        from people p left join person_roles r on r.person_id = p.id
        where p.username = @Username
        group by p.id
        """;

    public async Task<PersonLogin?> FindLoginAsync(string username)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<PersonLogin>(SelectLoginSql, new { Username = username });
    }

    // The failure count and lock are updated in one statement so parallel guesses cannot slip past the limit.
    private const string RecordFailedLoginSql = """
        update people
        set failed_logins = case when failed_logins + 1 >= @MaxFailures then 0 else failed_logins + 1 end,
            locked_until  = case when failed_logins + 1 >= @MaxFailures then @LockUntil else locked_until end
        where id = @Id
        returning locked_until
        """;

    /// <summary>Counts a failed sign-in; returns the lock end if this failure locked the account.</summary>
    public async Task<DateTime?> RecordFailedLoginAsync(Guid id, int maxFailures, DateTimeOffset now, DateTimeOffset lockUntil)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var locked = await conn.QuerySingleAsync<DateTime?>(RecordFailedLoginSql, new { Id = id, MaxFailures = maxFailures, LockUntil = lockUntil }, tx);
        var lockedNow = locked is { } l && l > now.UtcDateTime;
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = id, Action = lockedNow ? "account_locked" : "login_failed", Subject = $"person:{id}", Details = "{}",
        }, tx);
        await tx.CommitAsync();
        return lockedNow ? locked : null;
    }

    private const string SelectNameLockSql = "select locked_until from login_name_failures where login_name = @Name";

    /// <summary>The lock of a login name that is no active account (see <see cref="RecordFailedNameAsync"/>), if any.</summary>
    public async Task<DateTime?> NameLockAsync(string name)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<DateTime?>(SelectNameLockSql, new { Name = LoginKey(name) });
    }

    private const string RecordFailedNameSql = """
        insert into login_name_failures as f (login_name, failed_logins, locked_until)
        values (@Name, case when 1 >= @MaxFailures then 0 else 1 end, case when 1 >= @MaxFailures then @LockUntil end)
        on conflict (login_name) do update
        set failed_logins = case when f.failed_logins + 1 >= @MaxFailures then 0 else f.failed_logins + 1 end,
            locked_until  = case when f.failed_logins + 1 >= @MaxFailures then @LockUntil else f.locked_until end
        returning locked_until
        """;

    /// <summary>
    /// Counts a failed sign-in under a name that is no active account (unknown or deactivated) by the
    /// same rule as <see cref="RecordFailedLoginAsync"/>, so such a name locks after the same number of
    /// failures and a lock does not tell that an account exists. Returns the lock end if this failure locked it.
    /// </summary>
    public async Task<DateTime?> RecordFailedNameAsync(string name, int maxFailures, DateTimeOffset now, DateTimeOffset lockUntil)
    {
        var key = LoginKey(name);
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var locked = await conn.QuerySingleAsync<DateTime?>(RecordFailedNameSql, new { Name = key, MaxFailures = maxFailures, LockUntil = lockUntil }, tx);
        var lockedNow = locked is { } l && l > now.UtcDateTime;
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = (Guid?)null, Action = lockedNow ? "account_locked" : "login_failed",
            Subject = $"username:{(key.Length > 64 ? key[..64] : key)}", Details = "{}",
        }, tx);
        await tx.CommitAsync();
        return lockedNow ? locked : null;
    }

    // The table's key is at most 200 characters; a longer name is no account anyway.
    private static string LoginKey(string name) => name.Length > 200 ? name[..200] : name;

    private const string RecordLoginSql = "update people set failed_logins = 0, locked_until = null where id = @Id";

    public async Task RecordSuccessfulLoginAsync(Guid id, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(RecordLoginSql, new { Id = id }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = id, Action = "login", Subject = $"person:{id}", Details = "{}" }, tx);
        await tx.CommitAsync();
    }

    private const string SelectServesCellSql = "select exists (select 1 from cell_staff where cell_code = @CellCode and person_id = @PersonId)";

    public async Task<bool> ServesCellAsync(Guid personId, string cellCode)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(SelectServesCellSql, new { PersonId = personId, CellCode = cellCode });
    }

    private const string SelectCellsOfPersonSql = "select cell_code from cell_staff where person_id = @PersonId order by cell_code";

    public async Task<IReadOnlyList<string>> CellsServedByAsync(Guid personId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>(SelectCellsOfPersonSql, new { PersonId = personId })).ToList();
    }

    private const string SelectTeamSql = """
        select s.role, p.id as PersonId, p.display_name as DisplayName, p.phone, p.on_duty as OnDuty
        from cell_staff s join people p on p.id = s.person_id
        where s.cell_code = @CellCode
        order by array_position(array['grid_head','grid_worker','patroller','informant','inspector','liaison'], s.role)
        """;

    public async Task<IReadOnlyList<TeamMember>> TeamOfCellAsync(string cellCode)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<TeamMember>(SelectTeamSql, new { CellCode = cellCode })).ToList();
    }

    private const string SelectPersonExistsSql = "select display_name from people where id = @Id";

    public async Task<string?> DisplayNameAsync(Guid id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>(SelectPersonExistsSql, new { Id = id });
    }

    public static Viewer ToViewer(PersonLogin p) =>
        new(p.Id, p.Username, p.DisplayName, p.Roles.Select(Roles.Parse).ToList(), p.StreetCode, p.UnitId);
}
