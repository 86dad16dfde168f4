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
    public string? UnitId { get; init; }
    public int FailedLogins { get; init; }
    public DateTime? LockedUntil { get; init; }
    public string[] Roles { get; init; } = [];
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
                p.Id, p.Username, p.DisplayName, p.PasswordHash, p.StreetCode, p.UnitId, p.FailedLogins, p.LockedUntil,
                Roles = db.Set<PersonRoleRecord>().Where(r => r.PersonId == p.Id).OrderBy(r => r.Role).Select(r => r.Role).ToList(),
            })
            .SingleOrDefaultAsync();
        return p is null ? null : new PersonLogin
        {
            Id = p.Id, Username = p.Username, DisplayName = p.DisplayName, PasswordHash = p.PasswordHash, StreetCode = p.StreetCode,
            UnitId = p.UnitId, FailedLogins = p.FailedLogins, LockedUntil = p.LockedUntil?.UtcDateTime, Roles = [.. p.Roles],
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
        new(p.Id, p.Username, p.DisplayName, p.Roles.Select(Roles.Parse).ToList(), p.StreetCode, p.UnitId);
}
