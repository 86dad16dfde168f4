using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Server.Data;
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
}

public sealed class MonitoringRepository(NpgsqlDataSource db)
{
    public NpgsqlDataSource Db => db;

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Registers a system (or gives it a new secret) and returns the secret, shown once.</summary>
    public async Task<string> SaveSystemAsync(string id, string name, Guid actor, DateTimeOffset now)
    {
        var secret = "mon_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into monitoring_systems (id, name, secret_hash, created_at) values (@Id, @Name, @Hash, @Now)
            on conflict (id) do update set name = excluded.name, secret_hash = excluded.secret_hash
            """, new { Id = id, Name = name, Hash = Hash(secret), Now = now }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "monitoring_system_saved", Subject = $"monitoring_system:{id}",
            Details = JsonSerializer.Serialize(new { name }) }, tx);
        await tx.CommitAsync();
        return secret;
    }

    public async Task SaveKindAsync(string kind, string systemId, string category, string priority, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into monitoring_kinds (kind, system_id, category_code, priority) values (@Kind, @System, @Category, @Priority)
            on conflict (kind) do update set system_id = excluded.system_id, category_code = excluded.category_code, priority = excluded.priority
            """, new { Kind = kind, System = systemId, Category = category, Priority = priority }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "monitoring_kind_saved", Subject = $"monitoring_kind:{kind}",
            Details = JsonSerializer.Serialize(new { systemId, category, priority }) }, tx);
        await tx.CommitAsync();
    }

    public async Task<bool> SystemExistsAsync(string id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from monitoring_systems where id = @Id)", new { Id = id });
    }

    public async Task<string?> KindSystemAsync(string kind)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>("select system_id from monitoring_kinds where kind = @Kind", new { Kind = kind });
    }

    public async Task SaveDeviceAsync(string id, string kind, string name, double lat, double lon, string cell, string address, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into monitoring_devices (id, kind, name, location, cell_code, address, created_at)
            values (@Id, @Kind, @Name, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @Cell, @Address, @Now)
            on conflict (id) do update set kind = excluded.kind, name = excluded.name, location = excluded.location,
                cell_code = excluded.cell_code, address = excluded.address
            """, new { Id = id, Kind = kind, Name = name, Lat = lat, Lon = lon, Cell = cell, Address = address, Now = now }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "monitoring_device_saved", Subject = $"monitoring_device:{id}",
            Details = JsonSerializer.Serialize(new { kind, lat, lon, cell }) }, tx);
        await tx.CommitAsync();
    }

    private const string SelectDeviceSql = """
        select d.id, d.kind, k.system_id, k.category_code, k.priority, d.name, ST_Y(d.location) as lat, ST_X(d.location) as lon,
               d.cell_code, d.address
        from monitoring_devices d join monitoring_kinds k on k.kind = d.kind
        """;

    public async Task<DeviceRow?> FindDeviceAsync(string id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<DeviceRow>(SelectDeviceSql + " where d.id = @Id", new { Id = id });
    }

    public async Task<IReadOnlyList<DeviceRow>> ListDevicesAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<DeviceRow>(SelectDeviceSql + " order by d.id limit 1000")).ToList();
    }

    public async Task<string?> SystemSecretHashAsync(string kind)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string?>(
            "select s.secret_hash from monitoring_kinds k join monitoring_systems s on s.id = k.system_id where k.kind = @Kind", new { Kind = kind });
    }

    /// <summary>The device's newest case that is still open; once merged, the case it was merged into.</summary>
    public static Task<long?> OpenCaseAsync(NpgsqlConnection conn, string deviceId) =>
        conn.QueryFirstOrDefaultAsync<long?>("""
            select coalesce(m.id, c.id) from device_alarms a
            join cases c on c.id = a.case_id
            left join cases m on m.id = c.merged_into
            where a.device_id = @Id and a.outcome = 'case_created' and coalesce(m.state, c.state) not in ('closed','cancelled')
            order by a.id desc limit 1
            """, new { Id = deviceId });

    public static Task<int> CasesSinceAsync(NpgsqlConnection conn, string deviceId, DateTimeOffset since) =>
        conn.ExecuteScalarAsync<int>("""
            select count(*)::int from device_alarms where device_id = @Id and outcome = 'case_created' and received_at >= @Since
            """, new { Id = deviceId, Since = since });

    public const string InsertAlarmSql = """
        insert into device_alarms (device_id, received_at, alarm_type, message, case_id, outcome)
        values (@DeviceId, @Now, @AlarmType, @Message, @CaseId, @Outcome)
        """;

    public sealed record AlarmCount(string Outcome, int Count);

    public async Task<IReadOnlyList<AlarmCount>> AlarmCountsAsync(string deviceId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<AlarmCount>(
            "select outcome, count(*)::int as count from device_alarms where device_id = @Id group by outcome order by outcome", new { Id = deviceId })).ToList();
    }
}
