using System.Collections.Concurrent;
using System.Security.Claims;
using Grid.Server.Data;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Auth;

/// <summary>
/// The security stamp of each person: a sign-in cookie is valid only while the stamp it carries is
/// the person's current one and the person is active. Sign-out, a password reset and deactivation
/// change the stamp, which ends every session of that person: on the node that changed it at once,
/// on other nodes within <see cref="GridOptions.SessionCheckSeconds"/> (the per-node cache), the
/// live hub connections included (<see cref="HubSessions"/>).
/// </summary>
public sealed class SessionStamps(IDbContextFactory<GridDbContext> contexts, TimeProvider clock, IOptions<GridOptions> options)
{
    public const string Claim = "grid:stamp";
    private readonly ConcurrentDictionary<Guid, (string? Stamp, DateTimeOffset ReadAt)> _cache = new();

    private TimeSpan Ttl => TimeSpan.FromSeconds(Math.Max(0, options.Value.SessionCheckSeconds));

    /// <summary>The person's stamp now, or null when there is no such active person.</summary>
    public async Task<string?> CurrentAsync(Guid person, bool fresh = false)
    {
        var now = clock.GetUtcNow();
        if (!fresh && _cache.TryGetValue(person, out var cached) && now - cached.ReadAt < Ttl) return cached.Stamp;
        await using var db = await contexts.CreateDbContextAsync();
        var stamp = await db.Set<PersonRecord>().Where(p => p.Id == person && p.DeactivatedAt == null)
            .Select(p => (Guid?)p.SecurityStamp).FirstOrDefaultAsync();
        _cache[person] = (stamp?.ToString(), now);
        return stamp?.ToString();
    }

    /// <summary>Current stamps of many people in one query (the hub sweep); inactive people are absent.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> CurrentManyAsync(IReadOnlyCollection<Guid> people)
    {
        var ids = people.ToArray();
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Set<PersonRecord>().Where(p => ids.Contains(p.Id) && p.DeactivatedAt == null)
            .Select(p => new { p.Id, p.SecurityStamp }).ToListAsync();
        var now = clock.GetUtcNow();
        var found = rows.ToDictionary(r => r.Id, r => r.SecurityStamp.ToString());
        foreach (var p in people) _cache[p] = (found.GetValueOrDefault(p), now);
        return found;
    }

    /// <summary>Ends every session of the person (inside the caller's transaction, audited there).</summary>
    public async Task RotateAsync(GridDbContext db, Guid person)
    {
        // Guid.NewGuid() here is gen_random_uuid() in the UPDATE: the database makes the stamp.
        await db.Set<PersonRecord>().Where(p => p.Id == person).ExecuteUpdateAsync(u => u.SetProperty(p => p.SecurityStamp, p => Guid.NewGuid()));
        _cache.TryRemove(person, out _);
    }

    /// <summary>Sign-out: the person's stamp changes, so every cookie of his (other devices, other nodes) stops working.</summary>
    public async Task EndAllSessionsAsync(Guid person, string reason)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await RotateAsync(db, person);
        db.Add(new AuditLogRecord { At = clock.GetUtcNow(), ActorId = person, Action = reason, Subject = $"person:{person}", Details = "{}" });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
    }

    /// <summary>Cookie validation on every request: a cookie without the current stamp is refused and removed.</summary>
    public static async Task ValidateAsync(CookieValidatePrincipalContext ctx)
    {
        var user = ctx.Principal;
        var stamps = ctx.HttpContext.RequestServices.GetRequiredService<SessionStamps>();
        if (user is null || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var person)
            || user.FindFirstValue(Claim) is not { } stamp || await stamps.CurrentAsync(person) != stamp)
        {
            ctx.RejectPrincipal();
            await ctx.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }
}

/// <summary>
/// Live hub connections per person, closed when the person's stamp changes. A hub connection is
/// authenticated once, when it opens; this sweep is what ends it afterwards. It runs on every node
/// for that node's own connections, so it is an in-process timer, not a cluster-wide job.
/// </summary>
public sealed class HubSessions(SessionStamps stamps, IOptions<GridOptions> options, ILogger<HubSessions> log) : BackgroundService
{
    private sealed record Live(Guid Person, string? Stamp, HubCallerContext Context);
    private readonly ConcurrentDictionary<string, Live> _live = new();

    public void Opened(HubCallerContext context)
    {
        var user = context.User;
        if (user is null || !Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var person)) return;
        _live[context.ConnectionId] = new Live(person, user.FindFirstValue(SessionStamps.Claim), context);
    }

    public void Closed(string connectionId) => _live.TryRemove(connectionId, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(Math.Max(1, options.Value.SessionCheckSeconds));
        using var timer = new PeriodicTimer(every);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync();
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // The database is away for a moment; the next sweep catches up.
                log.LogWarning(e, "Hub session sweep could not read the security stamps.");
            }
        }
    }

    private async Task SweepAsync()
    {
        if (_live.IsEmpty) return;
        var live = _live.Values.ToList();
        var current = await stamps.CurrentManyAsync(live.Select(l => l.Person).Distinct().ToList());
        foreach (var l in live.Where(l => l.Stamp is null || current.GetValueOrDefault(l.Person) != l.Stamp))
        {
            l.Context.Abort();
            _live.TryRemove(l.Context.ConnectionId, out _);
        }
    }
}
