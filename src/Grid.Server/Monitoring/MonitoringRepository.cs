using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Monitoring;

public sealed class DeviceRow
{
    public string Id { get; init; } = "";
    public string Kind { get; init; } = "";
    public string SystemId { get; init; } = "";
    public string CategoryCode { get; init; } = "";
    public string Priority { get; init; } = "";
    public string Name { get; init; } = "";
    public double Lat { get; init; }
    public double Lon { get; init; }
    public string CellCode { get; init; } = "";
    public string Address { get; init; } = "";
    public int Version { get; init; }
}

/// <summary>A device kind as stored (the 409 answer's <c>current</c>).</summary>
public sealed record KindRow(string Kind, string SystemId, string CategoryCode, string Priority, int Version);

public sealed class MonitoringRepository(IDbContextFactory<GridDbContext> contexts)
{
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private const string UpsertSystemSql = """
        insert into monitoring_systems (id, name, secret_hash, created_at) values (@Id, @Name, @Hash, @Now)
        on conflict (id) do update set name = excluded.name, secret_hash = excluded.secret_hash
        """;

    /// <summary>Registers a system (or gives it a new secret) and returns the secret, shown once.</summary>
    public async Task<string> SaveSystemAsync(string id, string name, Guid actor, DateTimeOffset now)
    {
        var secret = "mon_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(UpsertSystemSql, new NpgsqlParameter("Id", id), new NpgsqlParameter("Name", name),
            new NpgsqlParameter("Hash", Hash(secret)), new NpgsqlParameter("Now", now));
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "monitoring_system_saved", Subject = $"monitoring_system:{id}",
            Details = JsonSerializer.Serialize(new { name }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return secret;
    }

    // The version guard in the upsert itself: a save made on version N changes the row only while it is still
    // at N (0: "this kind is new", which loses to a kind created meanwhile); without a version (API clients of
    // before) the last writer wins as it always did.
    private const string UpsertKindSql = """
        insert into monitoring_kinds (kind, system_id, category_code, priority, version) values (@Kind, @System, @Category, @Priority, 1)
        on conflict (kind) do update set system_id = excluded.system_id, category_code = excluded.category_code, priority = excluded.priority,
            version = monitoring_kinds.version + 1
        where @Version::integer is null or monitoring_kinds.version = @Version::integer
        """;

    public async Task<KindRow?> FindKindAsync(string kind)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<MonitoringKindRecord>().Where(k => k.Kind == kind)
            .Select(k => new KindRow(k.Kind, k.SystemId, k.CategoryCode, k.Priority, k.Version)).SingleOrDefaultAsync();
    }

    /// <summary>Saves a kind made on <paramref name="version"/> (null: unguarded); false when it changed meanwhile (nothing written).</summary>
    public async Task<bool> SaveKindAsync(string kind, string systemId, string category, string priority, int? version, Guid actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var before = await db.Set<MonitoringKindRecord>().Where(k => k.Kind == kind)
            .Select(k => new { systemId = k.SystemId, category = k.CategoryCode, priority = k.Priority, version = k.Version }).SingleOrDefaultAsync();
        var saved = await db.Database.ExecuteSqlRawAsync(UpsertKindSql, new NpgsqlParameter("Kind", kind), new NpgsqlParameter("System", systemId),
            new NpgsqlParameter("Category", category), new NpgsqlParameter("Priority", priority),
            new NpgsqlParameter("Version", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
        if (saved == 0)
        {
            await tx.RollbackAsync();
            return false;
        }
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "monitoring_kind_saved", Subject = $"monitoring_kind:{kind}",
            Details = JsonSerializer.Serialize(new { before, after = new { systemId, category, priority, version = (before?.version ?? 0) + 1 } }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> SystemExistsAsync(string id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<MonitoringSystemRecord>().AnyAsync(s => s.Id == id);
    }

    public async Task<string?> KindSystemAsync(string kind)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<MonitoringKindRecord>().Where(k => k.Kind == kind).Select(k => k.SystemId).FirstOrDefaultAsync();
    }

    // Guarded like the kinds: a save on version N changes the device only while it is at N (0: a new device).
    private const string UpsertDeviceSql = """
        insert into monitoring_devices (id, kind, name, location, cell_code, address, created_at, version)
        values (@Id, @Kind, @Name, @Location, @Cell, @Address, @Now, 1)
        on conflict (id) do update set kind = excluded.kind, name = excluded.name, location = excluded.location,
            cell_code = excluded.cell_code, address = excluded.address, version = monitoring_devices.version + 1
        where @Version::integer is null or monitoring_devices.version = @Version::integer
        """;

    /// <summary>Saves a device made on <paramref name="version"/> (null: unguarded); false when it changed meanwhile (nothing written).</summary>
    public async Task<bool> SaveDeviceAsync(string id, string kind, string name, double lat, double lon, string cell, string address, int? version,
        Guid actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var before = await Devices(db).Where(d => d.Id == id)
            .Select(d => new { kind = d.Kind, name = d.Name, lat = d.Lat, lon = d.Lon, cell = d.CellCode, address = d.Address, version = d.Version }).SingleOrDefaultAsync();
        var saved = await db.Database.ExecuteSqlRawAsync(UpsertDeviceSql, new NpgsqlParameter("Id", id), new NpgsqlParameter("Kind", kind),
            new NpgsqlParameter("Name", name), new NpgsqlParameter("Location", Grid.Geo.Point(lon, lat)), new NpgsqlParameter("Cell", cell),
            new NpgsqlParameter("Address", address), new NpgsqlParameter("Now", now),
            new NpgsqlParameter("Version", NpgsqlTypes.NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
        if (saved == 0)
        {
            await tx.RollbackAsync();
            return false;
        }
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "monitoring_device_saved", Subject = $"monitoring_device:{id}",
            Details = JsonSerializer.Serialize(new { before, after = new { kind, name, lat, lon, cell, address, version = (before?.version ?? 0) + 1 } }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    private static IQueryable<DeviceRow> Devices(GridDbContext db) =>
        from d in db.Set<MonitoringDeviceRecord>()
        join k in db.Set<MonitoringKindRecord>() on d.Kind equals k.Kind
        select new DeviceRow
        {
            Id = d.Id, Kind = d.Kind, SystemId = k.SystemId, CategoryCode = k.CategoryCode, Priority = k.Priority, Name = d.Name,
            Lat = d.Location.Y, Lon = d.Location.X, CellCode = d.CellCode, Address = d.Address, Version = d.Version,
        };

    public async Task<DeviceRow?> FindDeviceAsync(string id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Devices(db).Where(d => d.Id == id).SingleOrDefaultAsync();
    }

    public async Task<IReadOnlyList<DeviceRow>> ListDevicesAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Devices(db).OrderBy(d => d.Id).Take(1000).ToListAsync();
    }

    public async Task<string?> SystemSecretHashAsync(string kind)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await (from k in db.Set<MonitoringKindRecord>()
                      join s in db.Set<MonitoringSystemRecord>() on k.SystemId equals s.Id
                      where k.Kind == kind
                      select s.SecretHash).FirstOrDefaultAsync();
    }

    /// <summary>
    /// Handles one device's alarms one at a time on every node (a storm makes one case): a session
    /// advisory lock on a context of its own, held while <paramref name="handle"/> runs and released after.
    /// </summary>
    public async Task<T> UnderDeviceLockAsync<T>(string deviceId, Func<GridDbContext, Task<T>> handle)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await db.Database.OpenConnectionAsync();
        var key = new NpgsqlParameter("Key", "device:" + deviceId);
        await db.Database.ExecuteSqlRawAsync("select pg_advisory_lock(hashtextextended(@Key, 0))", key);
        try
        {
            return await handle(db);
        }
        finally
        {
            await db.Database.ExecuteSqlRawAsync("select pg_advisory_unlock(hashtextextended(@Key, 0))", new NpgsqlParameter("Key", "device:" + deviceId));
        }
    }

    private static readonly string[] Finished = ["closed", "cancelled"];

    /// <summary>The device's newest case that is still open; once merged, the case it was merged into.</summary>
    public static Task<long?> OpenCaseAsync(GridDbContext db, string deviceId) =>
        (from a in db.Set<DeviceAlarmRecord>()
         join c in db.Set<Incidents.CaseRecord>() on a.CaseId equals c.Id
         join m0 in db.Set<Incidents.CaseRecord>() on c.MergedInto equals m0.Id into merged
         from m in merged.DefaultIfEmpty()
         where a.DeviceId == deviceId && a.Outcome == "case_created" && !Finished.Contains(m != null ? m.State : c.State)
         orderby a.Id descending
         select (long?)(m != null ? m.Id : c.Id)).FirstOrDefaultAsync();

    public static Task<int> CasesSinceAsync(GridDbContext db, string deviceId, DateTimeOffset since) =>
        db.Set<DeviceAlarmRecord>().CountAsync(a => a.DeviceId == deviceId && a.Outcome == "case_created" && a.ReceivedAt >= since);

    /// <summary>Records an alarm and what became of it; <paramref name="db"/> may be inside the case's transaction.</summary>
    public static Task InsertAlarmAsync(GridDbContext db, string deviceId, DateTimeOffset now, string alarmType, string message, long? caseId, string outcome)
    {
        db.Add(new DeviceAlarmRecord { DeviceId = deviceId, ReceivedAt = now, AlarmType = alarmType, Message = message, CaseId = caseId, Outcome = outcome });
        return db.SaveChangesAsync();
    }

    public sealed record AlarmCount(string Outcome, int Count);

    public async Task<IReadOnlyList<AlarmCount>> AlarmCountsAsync(string deviceId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<DeviceAlarmRecord>().Where(a => a.DeviceId == deviceId).GroupBy(a => a.Outcome).OrderBy(g => g.Key)
            .Select(g => new AlarmCount(g.Key, g.Count())).ToListAsync();
    }
}
