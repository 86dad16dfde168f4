using System.Collections.Concurrent;
using System.Security.Claims;
using Dapper;
using Grid.Server.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.SignalR;
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
public sealed class SessionStamps(NpgsqlDataSource db, TimeProvider clock, IOptions<GridOptions> options)
{
    public const string Claim = "grid:stamp";
    private readonly ConcurrentDictionary<Guid, (string? Stamp, DateTimeOffset ReadAt)> _cache = new();

    private TimeSpan Ttl => TimeSpan.FromSeconds(Math.Max(0, options.Value.SessionCheckSeconds));

    private const string SelectStampSql = "select security_stamp::text from people where id = @Id and deactivated_at is null";

    /// <summary>The person's stamp now, or null when there is no such active person.</summary>
    public async Task<string?> CurrentAsync(Guid person, bool fresh = false)
    {
        var now = clock.GetUtcNow();
        if (!fresh && _cache.TryGetValue(person, out var cached) && now - cached.ReadAt < Ttl) return cached.Stamp;
        await using var conn = await db.OpenConnectionAsync();
        var stamp = await conn.ExecuteScalarAsync<string?>(SelectStampSql, new { Id = person });
        _cache[person] = (stamp, now);
        return stamp;
    }

    private const string SelectStampsSql = "select id, security_stamp::text as stamp from people where id = any(@Ids) and deactivated_at is null";

    /// <summary>Current stamps of many people in one query (the hub sweep); inactive people are absent.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> CurrentManyAsync(IReadOnlyCollection<Guid> people)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(Guid Id, string Stamp)>(SelectStampsSql, new { Ids = people.ToArray() });
        var now = clock.GetUtcNow();
        var found = rows.ToDictionary(r => r.Id, r => r.Stamp);
        foreach (var p in people) _cache[p] = (found.GetValueOrDefault(p), now);
        return found;
    }

    private const string RotateSql = "update people set security_stamp = gen_random_uuid() where id = @Id";

    /// <summary>Ends every session of the person (inside the caller's transaction, audited there).</summary>
    public async Task RotateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid person)
    {
        await conn.ExecuteAsync(RotateSql, new { Id = person }, tx);
        _cache.TryRemove(person, out _);
    }

    /// <summary>Sign-out: the person's stamp changes, so every cookie of his (other devices, other nodes) stops working.</summary>
    public async Task EndAllSessionsAsync(Guid person, string reason)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await RotateAsync(conn, tx, person);
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = clock.GetUtcNow(), Actor = person, Action = reason, Subject = $"person:{person}", Details = "{}",
        }, tx);
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
