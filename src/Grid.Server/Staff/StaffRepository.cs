using Grid.Server.Data;
using Grid.Domain.People;
using Grid.Server.Auth;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Staff;

public sealed class PersonLogin
{
    public Guid Id { get; init; }
    public string Username { get; init; } = "";
    public string DisplayName { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public string? StreetCode { get; init; }
    public string? CommunityCode { get; init; }
    public string? UnitId { get; init; }
    public int FailedLogins { get; init; }
    public DateTime? LockedUntil { get; init; }
    public string[] Roles { get; init; } = [];
    /// <summary>An administrator chose the password: the person must choose his own before doing anything else.</summary>
    public bool MustChangePassword { get; init; }
}

public sealed record TeamMember(string Role, Guid PersonId, string DisplayName, string? Phone, bool OnDuty);

public sealed class StaffRepository(IDbContextFactory<GridDbContext> contexts)
{
    public async Task<PersonLogin?> FindLoginAsync(string username)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var p = await db.Set<PersonRecord>()
            .Where(p => p.Username == username)
            .Select(p => new
            {
                p.Id, p.Username, p.DisplayName, p.PasswordHash, p.StreetCode, p.CommunityCode, p.UnitId, p.FailedLogins, p.LockedUntil, p.MustChangePassword,
                Roles = db.Set<PersonRoleRecord>().Where(r => r.PersonId == p.Id).OrderBy(r => r.Role).Select(r => r.Role).ToList(),
            })
            .SingleOrDefaultAsync();
        return p is null ? null : new PersonLogin
        {
            Id = p.Id, Username = p.Username, DisplayName = p.DisplayName, PasswordHash = p.PasswordHash, StreetCode = p.StreetCode, CommunityCode = p.CommunityCode,
            UnitId = p.UnitId, FailedLogins = p.FailedLogins, LockedUntil = p.LockedUntil?.UtcDateTime, Roles = [.. p.Roles],
            MustChangePassword = p.MustChangePassword,
        };
    }

    /// <summary>Counts a failed sign-in; returns the lock end if this failure locked the account.</summary>
    public async Task<DateTime?> RecordFailedLoginAsync(Guid id, int maxFailures, DateTimeOffset now, DateTimeOffset lockUntil)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        // The failure count and lock change in one UPDATE (the row lock orders parallel guesses), so
        // parallel guesses cannot slip past the limit.
        await db.Set<PersonRecord>().Where(p => p.Id == id).ExecuteUpdateAsync(u => u
            .SetProperty(p => p.FailedLogins, p => p.FailedLogins + 1 >= maxFailures ? 0 : p.FailedLogins + 1)
            .SetProperty(p => p.LockedUntil, p => p.FailedLogins + 1 >= maxFailures ? lockUntil : p.LockedUntil));
        var locked = await db.Set<PersonRecord>().Where(p => p.Id == id).Select(p => p.LockedUntil).SingleAsync();
        var lockedNow = locked is { } l && l > now;
        db.Add(new AuditLogRecord { At = now, ActorId = id, Action = lockedNow ? "account_locked" : "login_failed", Subject = $"person:{id}", Details = "{}" });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return lockedNow ? locked!.Value.UtcDateTime : null;
    }

    /// <summary>The lock of a login name that is no active account (see <see cref="RecordFailedNameAsync"/>), if any.</summary>
    public async Task<DateTime?> NameLockAsync(string name)
    {
        var key = LoginKey(name);
        await using var db = await contexts.CreateDbContextAsync();
        var until = await db.Set<LoginNameFailureRecord>().Where(f => f.LoginName == key).Select(f => f.LockedUntil).SingleOrDefaultAsync();
        return until?.UtcDateTime;
    }

    // The same rule as a person's count, as one statement (the row lock orders parallel guesses).
    private const string RecordFailedNameSql = """
        insert into login_name_failures as f (login_name, failed_logins, locked_until)
        values (@Name, case when 1 >= @MaxFailures then 0 else 1 end, case when 1 >= @MaxFailures then @LockUntil end)
        on conflict (login_name) do update
        set failed_logins = case when f.failed_logins + 1 >= @MaxFailures then 0 else f.failed_logins + 1 end,
            locked_until  = case when f.failed_logins + 1 >= @MaxFailures then @LockUntil else f.locked_until end
        """;

    /// <summary>
    /// Counts a failed sign-in under a name that is no active account (unknown or deactivated) by the
    /// same rule as <see cref="RecordFailedLoginAsync"/>, so such a name locks after the same number of
    /// failures and a lock does not tell that an account exists. Returns the lock end if this failure locked it.
    /// </summary>
    public async Task<DateTime?> RecordFailedNameAsync(string name, int maxFailures, DateTimeOffset now, DateTimeOffset lockUntil)
    {
        var key = LoginKey(name);
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(RecordFailedNameSql,
            new Npgsql.NpgsqlParameter("Name", key), new Npgsql.NpgsqlParameter("MaxFailures", maxFailures),
            new Npgsql.NpgsqlParameter("LockUntil", lockUntil.ToUniversalTime()));
        var locked = await db.Set<LoginNameFailureRecord>().Where(f => f.LoginName == key).Select(f => f.LockedUntil).SingleAsync();
        var lockedNow = locked is { } l && l > now;
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = null, Action = lockedNow ? "account_locked" : "login_failed",
            Subject = $"username:{(key.Length > 64 ? key[..64] : key)}", Details = "{}",
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return lockedNow ? locked!.Value.UtcDateTime : null;
    }

    // The table's key is at most 200 characters; a longer name is no account anyway.
    private static string LoginKey(string name) => name.Length > 200 ? name[..200] : name;

    public async Task RecordSuccessfulLoginAsync(Guid id, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Set<PersonRecord>().Where(p => p.Id == id).ExecuteUpdateAsync(u => u
            .SetProperty(p => p.FailedLogins, 0)
            .SetProperty(p => p.LockedUntil, (DateTimeOffset?)null));
        db.Add(new AuditLogRecord { At = now, ActorId = id, Action = "login", Subject = $"person:{id}", Details = "{}" });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
    }

    public async Task<bool> ServesCellAsync(Guid personId, string cellCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<CellStaffRecord>().AnyAsync(s => s.CellCode == cellCode && s.PersonId == personId);
    }

    public async Task<IReadOnlyList<string>> CellsServedByAsync(Guid personId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<CellStaffRecord>().Where(s => s.PersonId == personId).OrderBy(s => s.CellCode).Select(s => s.CellCode).ToListAsync();
    }

    // The team in the order of the standard's posts: head first, then the five officers.
    private static readonly string[] PostOrder = ["grid_head", "grid_worker", "patroller", "informant", "inspector", "liaison"];

    public async Task<IReadOnlyList<TeamMember>> TeamOfCellAsync(string cellCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var team = await (from s in db.Set<CellStaffRecord>()
                          join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                          where s.CellCode == cellCode
                          select new TeamMember(s.Role, p.Id, p.DisplayName, p.Phone, p.OnDuty)).ToListAsync();
        return team.OrderBy(m => Array.IndexOf(PostOrder, m.Role)).ToList();
    }

    public async Task<string?> DisplayNameAsync(Guid id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<PersonRecord>().Where(p => p.Id == id).Select(p => p.DisplayName).SingleOrDefaultAsync();
    }

    public static Viewer ToViewer(PersonLogin p) =>
        new(p.Id, p.Username, p.DisplayName, p.Roles.Select(Roles.Parse).ToList(), p.StreetCode, p.UnitId, p.CommunityCode);
}
