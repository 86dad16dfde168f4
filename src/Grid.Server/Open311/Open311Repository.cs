using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Open311;

public sealed class AttributeRow
{
    public string CategoryCode { get; init; } = "";
    public string Code { get; init; } = "";
    public bool Variable { get; init; }
    public string Datatype { get; init; } = "";
    public bool Required { get; init; }
    public string DatatypeDescription { get; init; } = "";
    public int SortOrder { get; init; }
    public string Description { get; init; } = "";
    public string Values { get; init; } = "[]";

    public IReadOnlyList<(string Key, string Name)> ValueList =>
        JsonSerializer.Deserialize<List<JsonElement>>(Values)!.Select(v => (v.GetProperty("key").GetString()!, v.GetProperty("name").GetString()!)).ToList();
}

public sealed class ApiKeyRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string KeyPrefix { get; init; } = "";
    public int RatePerMinute { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    /// <summary>open311, hotline or both: which channel the key may be used on.</summary>
    public string Scope { get; init; } = "open311";

    /// <summary>The city's own citizen page (/r): limited per device and address instead of per key.</summary>
    public bool CitizenPage { get; init; }

    public bool Allows(string channel) => Scope == "both" || Scope == channel;
}

/// <summary>One service request as GET requests shows it; the effective case is the one a merged duplicate went into.</summary>
public sealed class RequestRow
{
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string State { get; init; } = "";
    public string? EffectiveNo { get; init; }
    public string EffectiveState { get; init; } = "";
    public string? StatusNote { get; init; }
    public string ServiceCode { get; init; } = "";
    public string ServiceName { get; init; } = "";
    public string Description { get; init; } = "";
    public string? AgencyResponsible { get; init; }
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ExpectedAt { get; init; }
    public string Address { get; init; } = "";
    /// <summary>Null while an address-only request waits to be placed on the map.</summary>
    public double? Lat { get; init; }
    public double? Lon { get; init; }
    public string? MediaUrl { get; init; }
}

public sealed class PendingRow
{
    public Guid Token { get; init; }
    /// <summary>The service_request_id the client was given (null for requests from before migration 0052).</summary>
    public string? CaseNo { get; init; }
    public long ApiKeyId { get; init; }
    public string ServiceCode { get; init; } = "";
    public string? AddressString { get; init; }
    public string Description { get; init; } = "";
    public string? MediaUrl { get; init; }
    public string Attributes { get; init; } = "{}";
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
}

public sealed record NewOpen311Request(Guid Token, long ApiKeyId, string ServiceCode, string? AddressString, string Description,
    string? MediaUrl, string Attributes, string? FirstName, string? LastName, string? Phone, string? Email, string? DeviceId,
    string? AccountId, DateTimeOffset Now);

public sealed class Open311Repository(IDbContextFactory<GridDbContext> contexts)
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task<IReadOnlyList<AttributeRow>> AttributesAsync(string? categoryCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = db.Set<Catalogue.CategoryAttributeRecord>().AsQueryable();
        if (categoryCode is not null) rows = rows.Where(a => a.CategoryCode == categoryCode);
        return await rows.OrderBy(a => a.CategoryCode).ThenBy(a => a.SortOrder).ThenBy(a => a.Code)
            .Select(a => new AttributeRow
            {
                CategoryCode = a.CategoryCode, Code = a.Code, Variable = a.Variable, Datatype = a.Datatype, Required = a.Required,
                DatatypeDescription = a.DatatypeDescription, SortOrder = a.SortOrder, Description = a.Description, Values = a.Values,
            }).ToListAsync();
    }

    // ---- API keys ----

    public async Task<ApiKeyRow?> FindKeyAsync(string key)
    {
        var hash = Hash(key);
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<ApiKeyRecord>().Where(k => k.KeyHash == hash)
            .Select(k => new ApiKeyRow
            {
                Id = k.Id, Name = k.Name, KeyPrefix = k.KeyPrefix, RatePerMinute = k.RatePerMinute, CreatedAt = k.CreatedAt,
                RevokedAt = k.RevokedAt, Scope = k.Scope, CitizenPage = k.CitizenPage,
            }).SingleOrDefaultAsync();
    }

    // One row per key and minute; the count after this request decides, the same on every node.
    private const string CountUseSql = """
        insert into open311_key_usage (key_id, window_start, count) values (@Id, @Window, 1)
        on conflict (key_id, window_start) do update set count = open311_key_usage.count + 1
        returning count as "Value"
        """;

    public async Task<int> CountUseAsync(long keyId, DateTimeOffset now)
    {
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        await using var db = await contexts.CreateDbContextAsync();
        var count = (await db.Database.SqlQueryRaw<int>(CountUseSql, new NpgsqlParameter("Id", keyId), new NpgsqlParameter("Window", window))
            .ToListAsync()).Single();
        // Old windows are dropped as the key is used, so the table stays at about an hour per key.
        var old = window.AddHours(-1);
        if (count == 1) await db.Set<ApiKeyUsageRecord>().Where(u => u.KeyId == keyId && u.WindowStart < old).ExecuteDeleteAsync();
        return count;
    }

    public async Task<IReadOnlyList<ApiKeyRow>> ListKeysAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<ApiKeyRecord>().OrderByDescending(k => k.Id)
            .Select(k => new ApiKeyRow
            {
                Id = k.Id, Name = k.Name, KeyPrefix = k.KeyPrefix, RatePerMinute = k.RatePerMinute, CreatedAt = k.CreatedAt,
                RevokedAt = k.RevokedAt, Scope = k.Scope,
            }).ToListAsync();
    }

    /// <summary>Issues a key; the key itself is returned once and only its hash is stored.</summary>
    public async Task<(long Id, string Key)> IssueKeyAsync(string name, int ratePerMinute, string scope, Guid actor, DateTimeOffset now)
    {
        var key = "o311_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var row = new ApiKeyRecord { Name = name, KeyPrefix = key[..9], KeyHash = Hash(key), RatePerMinute = ratePerMinute, Scope = scope, CreatedBy = actor, CreatedAt = now };
        db.Add(row);
        await db.SaveChangesAsync();
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "open311_key_issued", Subject = $"open311_key:{row.Id}",
            Details = JsonSerializer.Serialize(new { name, ratePerMinute, scope }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return (row.Id, key);
    }

    // The scope before the change comes from the same statement, so the audit names what it replaced
    // even when two administrators change it at once.
    private const string ScopeKeySql = """
        update open311_api_keys k set scope = @Scope from open311_api_keys old
        where k.id = @Id and old.id = k.id and k.revoked_at is null
        returning old.scope as "Value"
        """;

    /// <summary>Changes what an active key may be used for; audited with the scope before and after.</summary>
    public async Task<bool> SetScopeAsync(long id, string scope, Guid actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var before = (await db.Database.SqlQueryRaw<string>(ScopeKeySql, new NpgsqlParameter("Id", id), new NpgsqlParameter("Scope", scope))
            .ToListAsync()).FirstOrDefault();
        if (before is null) { await tx.RollbackAsync(); return false; }
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "open311_key_scope_changed", Subject = $"open311_key:{id}",
            Details = JsonSerializer.Serialize(new { from = before, to = scope }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> RevokeKeyAsync(long id, Guid actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        // Guarded on revoked_at is null: a second revocation changes nothing and is not audited again.
        var done = await db.Set<ApiKeyRecord>().Where(k => k.Id == id && k.RevokedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.RevokedAt, now).SetProperty(k => k.RevokedBy, actor));
        if (done == 0) { await tx.RollbackAsync(); return false; }
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "open311_key_revoked", Subject = $"open311_key:{id}", Details = "{}" });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    // ---- requests ----

    /// <summary>Writes a request; with <paramref name="caseId"/> inside the case's transaction (the intake's context).</summary>
    /// <param name="caseNo">The number reserved for an address-only request that has no case yet.</param>
    public static Task InsertRequestAsync(GridDbContext db, NewOpen311Request r, long? caseId, string? caseNo = null)
    {
        db.Add(new Open311RequestRecord
        {
            Token = r.Token, ApiKeyId = r.ApiKeyId, CaseId = caseId, ServiceCode = r.ServiceCode, AddressString = r.AddressString,
            Description = r.Description, MediaUrl = r.MediaUrl, Attributes = r.Attributes, FirstName = r.FirstName, LastName = r.LastName,
            Phone = r.Phone, Email = r.Email, DeviceId = r.DeviceId, AccountId = r.AccountId, CreatedAt = r.Now, CaseNo = caseNo,
        });
        return db.SaveChangesAsync();
    }

    /// <summary>
    /// Stores an address-only request until an operator places it, with the case number its case will
    /// carry, taken now: the client gets its service_request_id at once and has no reason to post again.
    /// </summary>
    public async Task<string> InsertPendingAsync(NewOpen311Request r)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var caseNo = await db.Database.SqlQueryRaw<string>("select case_no(@Now, nextval('case_no_seq')) as \"Value\"",
            new NpgsqlParameter("Now", r.Now.ToUniversalTime())).SingleAsync();
        await InsertRequestAsync(db, r, null, caseNo);
        return caseNo;
    }

    public async Task<(bool Found, string? CaseNo)> TokenAsync(Guid token)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var row = await (from r in db.Set<Open311RequestRecord>()
                         where r.Token == token
                         join c0 in db.Set<Incidents.CaseRecord>() on r.CaseId equals c0.Id into cases
                         from c in cases.DefaultIfEmpty()
                         select new { r.Token, CaseNo = c.CaseNo ?? r.CaseNo }).FirstOrDefaultAsync();
        return row is null ? (false, null) : (true, row.CaseNo);
    }

    private static IQueryable<PendingRow> Pending(GridDbContext db) =>
        db.Set<Open311RequestRecord>().Where(r => r.CaseId == null).Select(r => new PendingRow
        {
            Token = r.Token, CaseNo = r.CaseNo, ApiKeyId = r.ApiKeyId, ServiceCode = r.ServiceCode, AddressString = r.AddressString, Description = r.Description,
            MediaUrl = r.MediaUrl, Attributes = r.Attributes, FirstName = r.FirstName, LastName = r.LastName, Phone = r.Phone, Email = r.Email,
            CreatedAt = r.CreatedAt,
        });

    public async Task<IReadOnlyList<PendingRow>> PendingAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Pending(db).OrderBy(r => r.CreatedAt).Take(200).ToListAsync();
    }

    public async Task<PendingRow?> FindPendingAsync(Guid token)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Pending(db).Where(r => r.Token == token).FirstOrDefaultAsync();
    }

    /// <summary>Places a pending request on the case made for it, in the case's transaction. Guarded on
    /// case_id is null: two operators placing the same request at once make one case (false: someone was first).</summary>
    public static async Task<bool> PlaceAsync(GridDbContext db, Guid token, long caseId, Guid actor, DateTimeOffset now) =>
        await db.Set<Open311RequestRecord>().Where(r => r.Token == token && r.CaseId == null)
            .ExecuteUpdateAsync(u => u.SetProperty(r => r.CaseId, caseId).SetProperty(r => r.PlacedAt, now).SetProperty(r => r.PlacedBy, actor)) == 1;

    // The public view of a request: no reporter details, and of the history only the public notes
    // (reasons and staff notes are internal: supervision orders, rework, cancel reasons), and nothing
    // an operator marked as spam. A merged
    // duplicate shows the state of the case it went into, and its status note says so.
    private const string SelectRequestsSql = """
        select c.id as "CaseId", c.case_no as "CaseNo", c.state as "State", m.case_no as "EffectiveNo",
               coalesce(m.state, c.state) as "EffectiveState",
               (select h.public_note from case_history h where h.case_id in (c.id, coalesce(m.id, c.id)) and h.public_note is not null
                order by h.id desc limit 1) as "StatusNote",
               c.category_code as "ServiceCode", k.name_zh as "ServiceName", c.description as "Description",
               coalesce(u.name_zh, du.name_zh) as "AgencyResponsible",
               c.created_at as "RequestedAt", greatest(c.updated_at, coalesce(m.updated_at, c.updated_at)) as "UpdatedAt",
               coalesce(m.deadline, c.deadline) as "ExpectedAt", c.address as "Address", ST_Y(c.location) as "Lat", ST_X(c.location) as "Lon",
               (select r.media_url from open311_requests r where r.case_id = c.id limit 1) as "MediaUrl"
        from cases c
        join categories k on k.code = c.category_code
        join units du on du.id = k.default_unit_id
        left join cases m on m.id = c.merged_into
        left join units u on u.id = coalesce(m.assigned_unit_id, c.assigned_unit_id)
        where (@Ids::text[] is null or c.case_no = any(@Ids))
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
          and (@Codes::text[] is null or c.category_code = any(@Codes))
          and (@Ids::text[] is not null or (c.created_at >= @Start and c.created_at <= @End))
          and (@Open::boolean is null or (@Open = (coalesce(m.state, c.state) not in ('closed','cancelled'))))
        union all
        -- Address-only requests not yet placed on the map: open, under the number they were given, without a position.
        select 0, r.case_no, 'reported', null, 'reported',
               'Received; waiting for the command center to place the address on the map.',
               r.service_code, k.name_zh, r.description, du.name_zh, r.created_at, r.created_at, null, coalesce(r.address_string, ''),
               null, null, r.media_url
        from open311_requests r
        join categories k on k.code = r.service_code
        join units du on du.id = k.default_unit_id
        where r.case_id is null and r.case_no is not null
          and (@Ids::text[] is null or r.case_no = any(@Ids))
          and (@Codes::text[] is null or r.service_code = any(@Codes))
          and (@Ids::text[] is not null or (r.created_at >= @Start and r.created_at <= @End))
          and (@Open::boolean is null or @Open)
        order by "RequestedAt" desc, "CaseNo" desc
        limit @Limit
        """;

    public async Task<IReadOnlyList<RequestRow>> RequestsAsync(string[]? ids, string[]? codes, DateTimeOffset start, DateTimeOffset end, bool? open, int limit)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<RequestRow>(SelectRequestsSql,
            new NpgsqlParameter("Ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)ids ?? DBNull.Value },
            new NpgsqlParameter("Codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = (object?)codes ?? DBNull.Value },
            new NpgsqlParameter("Start", start), new NpgsqlParameter("End", end),
            new NpgsqlParameter("Open", NpgsqlDbType.Boolean) { Value = (object?)open ?? DBNull.Value },
            new NpgsqlParameter("Limit", limit)).ToListAsync();
    }
}
