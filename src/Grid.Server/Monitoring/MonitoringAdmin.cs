using System.Security.Cryptography;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Monitoring;

/// <summary>
/// Monitoring systems, device kinds and devices for the administrators' console, and the rotation of a
/// system's alarm secret: a new secret replaces the old hash in one statement, so from that commit on the
/// old secret is refused on every node (the alarm route compares with the stored hash on each request).
/// </summary>
public sealed class MonitoringAdmin(IDbContextFactory<GridDbContext> contexts)
{
    private const string RotateSql = "update monitoring_systems set secret_hash = @Hash where id = @Id returning name";

    public async Task<AdminResult<NewSecret>> RotateSecretAsync(Viewer viewer, string id, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "Monitoring systems") is { } refused) return AdminResult<NewSecret>.Forbidden(refused);
        var secret = "mon_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var before = await db.Set<MonitoringSystemRecord>().Where(s => s.Id == id).Select(s => s.SecretHash).SingleOrDefaultAsync();
        if (before is null) return AdminResult<NewSecret>.NotFound($"There is no monitoring system '{id}'.");
        var hash = MonitoringRepository.Hash(secret);
        await db.Database.ExecuteSqlRawAsync(RotateSql, new NpgsqlParameter("Hash", hash), new NpgsqlParameter("Id", id));
        // The audit names the secrets by the start of their hashes: enough to tell them apart, nothing to sign alarms with.
        db.Add(new AuditLogRecord { At = now, ActorId = viewer.PersonId, Action = "monitoring_secret_rotated", Subject = $"monitoring_system:{id}",
            Details = JsonSerializer.Serialize(new { before = new { secretHash = before[..8] + "…" }, after = new { secretHash = hash[..8] + "…" } }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return AdminResult<NewSecret>.Success(new NewSecret(id, secret));
    }

    public async Task<IReadOnlyList<MonitoringSystemItem>> SystemsAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<MonitoringSystemRecord>().OrderBy(s => s.Id)
            .Select(s => new MonitoringSystemItem(s.Id, s.Name, s.CreatedAt,
                db.Set<MonitoringKindRecord>().Count(k => k.SystemId == s.Id),
                db.Set<MonitoringDeviceRecord>().Count(d => db.Set<MonitoringKindRecord>().Any(k => k.Kind == d.Kind && k.SystemId == s.Id))))
            .ToListAsync();
    }

    public async Task<IReadOnlyList<DeviceKindItem>> KindsAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<MonitoringKindRecord>().OrderBy(k => k.Kind).Select(k => new DeviceKindItem(k.Kind, k.SystemId, k.CategoryCode, k.Priority, k.Version)).ToListAsync();
    }
}

/// <summary>The devices page's data and changes: the API's own handlers (same checks, audit and answers) for the circuit's person.</summary>
public sealed class DeviceAdminSource(AuthenticationStateProvider auth, MonitoringAdmin admin, MonitoringRepository repo, CatalogueRepository catalogue,
    CategoryAdmin categories, GridRepository grid, IOptions<GridOptions> options, TimeProvider clock) : IDeviceAdmin
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public Task<IReadOnlyList<MonitoringSystemItem>> SystemsAsync() => admin.SystemsAsync();
    public Task<IReadOnlyList<DeviceKindItem>> KindsAsync() => admin.KindsAsync();
    public Task<IReadOnlyList<CategoryItem>> CategoriesAsync() => categories.ListAsync();

    public async Task<IReadOnlyList<DeviceItem>> DevicesAsync() =>
        (await repo.ListDevicesAsync()).Select(d => new DeviceItem(d.Id, d.Kind, d.SystemId, d.Name, d.Lat, d.Lon, d.CellCode, d.Address, d.Version)).ToList();

    public async Task<AdminResult<NewSecret>> CreateSystemAsync(string? id, string? name)
    {
        // The API's route also renames an existing system (with a new secret); the page only registers new ones.
        if (id is not null && await repo.SystemExistsAsync(id.Trim()))
        {
            return AdminResult<NewSecret>.Conflict($"Monitoring system '{id.Trim()}' exists already; rotate its secret instead.", null);
        }
        var result = await MonitoringEndpoints.SaveSystem(new SystemRequest(id?.Trim(), name), await HttpLike(), repo, clock);
        return result.Result switch
        {
            Created<SystemSecret> c => AdminResult<NewSecret>.Success(new NewSecret(c.Value!.Id, c.Value.Secret), 201),
            _ => Refusal<NewSecret>(result.Result),
        };
    }

    public async Task<AdminResult<NewSecret>> RotateSecretAsync(string id) => await admin.RotateSecretAsync(await ViewerAsync(), id, clock.GetUtcNow());

    public async Task<AdminResult<DeviceKindItem>> SaveKindAsync(DeviceKindItem kind)
    {
        var result = await MonitoringEndpoints.SaveKind(new KindRequest(kind.Kind, kind.SystemId, kind.CategoryCode, kind.Priority, kind.Version), await HttpLike(), repo, catalogue, clock);
        return result.Result is NoContent
            ? AdminResult<DeviceKindItem>.Success(kind with { Version = (await repo.FindKindAsync(kind.Kind))?.Version ?? kind.Version + 1 })
            : Refusal<DeviceKindItem>(result.Result, current => current is KindRow k ? new DeviceKindItem(k.Kind, k.SystemId, k.CategoryCode, k.Priority, k.Version) : null);
    }

    public async Task<AdminResult<DeviceItem>> SaveDeviceAsync(DeviceItem d)
    {
        var result = await MonitoringEndpoints.SaveDevice(new DeviceRequest(d.Id, d.Kind, d.Name, double.IsFinite(d.Lat) ? d.Lat : null, double.IsFinite(d.Lon) ? d.Lon : null, d.Address, d.Version), await HttpLike(), repo, grid, options, clock);
        return result.Result is Ok<DeviceView> ok
            ? AdminResult<DeviceItem>.Success(Item(ok.Value!))
            : Refusal<DeviceItem>(result.Result, current => current is DeviceView v ? Item(v) : null);
    }

    /// <summary>The handlers read the person from an HttpContext; the circuit's person is given to them in one.</summary>
    private async Task<HttpContext> HttpLike() => new DefaultHttpContext { User = (await auth.GetAuthenticationStateAsync()).User };

    private static DeviceItem Item(DeviceView v) => new(v.Id, v.Kind, v.SystemId, v.Name, v.Lat, v.Lon, v.CellCode, v.Address, v.Version);

    private static AdminResult<T> Refusal<T>(IResult result, Func<object?, T?>? current = null) => result switch
    {
        ValidationProblem v => AdminResult<T>.Invalid(v.ProblemDetails.Errors.ToDictionary(e => e.Key, e => e.Value)),
        ProblemHttpResult { StatusCode: StatusCodes.Status409Conflict } p when current is not null =>
            AdminResult<T>.Conflict(p.ProblemDetails.Detail ?? p.ProblemDetails.Title ?? "Changed meanwhile.", current(p.ProblemDetails.Extensions.TryGetValue("current", out var c) ? c : null)),
        ProblemHttpResult p => new AdminResult<T>(p.StatusCode, default, null, p.ProblemDetails.Detail ?? p.ProblemDetails.Title, default),
        _ => new AdminResult<T>(500, default, null, "Unexpected answer.", default),
    };
}
