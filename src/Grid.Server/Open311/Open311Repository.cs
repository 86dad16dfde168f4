using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Server.Data;
using Npgsql;

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
    public double Lat { get; init; }
    public double Lon { get; init; }
    public string? MediaUrl { get; init; }
}

public sealed class PendingRow
{
    public Guid Token { get; init; }
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

public sealed class Open311Repository(NpgsqlDataSource db)
{
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private const string SelectAttributesSql = """
        select category_code, code, variable, datatype, required, datatype_description, sort_order, description, "values"::text as values
        from category_attributes
        where (@Code::text is null or category_code = @Code)
        order by category_code, sort_order, code
        """;

    public async Task<IReadOnlyList<AttributeRow>> AttributesAsync(string? categoryCode)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<AttributeRow>(SelectAttributesSql, new { Code = categoryCode })).ToList();
    }

    // ---- API keys ----

    private const string FindKeySql = """
        select id, name, key_prefix, rate_per_minute, created_at, revoked_at, scope, citizen_page from open311_api_keys where key_hash = @Hash
        """;

    public async Task<ApiKeyRow?> FindKeyAsync(string key)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<ApiKeyRow>(FindKeySql, new { Hash = Hash(key) });
    }

    // One row per key and minute; the count after this request decides, the same on every node.
    private const string CountUseSql = """
        insert into open311_key_usage (key_id, window_start, count) values (@Id, @Window, 1)
        on conflict (key_id, window_start) do update set count = open311_key_usage.count + 1
        returning count
        """;

    // Old windows are dropped as the key is used, so the table stays at about an hour per key.
    private const string DropOldWindowsSql = """
        delete from open311_key_usage where key_id = @Id and window_start < @Window - interval '1 hour'
        """;

    public async Task<int> CountUseAsync(long keyId, DateTimeOffset now)
    {
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        await using var conn = await db.OpenConnectionAsync();
        var count = await conn.ExecuteScalarAsync<int>(CountUseSql, new { Id = keyId, Window = window });
        if (count == 1) await conn.ExecuteAsync(DropOldWindowsSql, new { Id = keyId, Window = window });
        return count;
    }

    private const string ListKeysSql = """
        select id, name, key_prefix, rate_per_minute, created_at, revoked_at, scope from open311_api_keys order by id desc
        """;

    public async Task<IReadOnlyList<ApiKeyRow>> ListKeysAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<ApiKeyRow>(ListKeysSql)).ToList();
    }

    private const string InsertKeySql = """
        insert into open311_api_keys (name, key_prefix, key_hash, rate_per_minute, scope, created_by, created_at)
        values (@Name, @Prefix, @Hash, @Rate, @Scope, @Actor, @Now)
        returning id
        """;

    /// <summary>Issues a key; the key itself is returned once and only its hash is stored.</summary>
    public async Task<(long Id, string Key)> IssueKeyAsync(string name, int ratePerMinute, string scope, Guid actor, DateTimeOffset now)
    {
        var key = "o311_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.ExecuteScalarAsync<long>(InsertKeySql,
            new { Name = name, Prefix = key[..9], Hash = Hash(key), Rate = ratePerMinute, Scope = scope, Actor = actor, Now = now }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "open311_key_issued", Subject = $"open311_key:{id}",
            Details = JsonSerializer.Serialize(new { name, ratePerMinute, scope }) }, tx);
        await tx.CommitAsync();
        return (id, key);
    }

    private const string ScopeKeySql = """
        update open311_api_keys k set scope = @Scope from open311_api_keys old
        where k.id = @Id and old.id = k.id and k.revoked_at is null
        returning old.scope
        """;

    /// <summary>Changes what an active key may be used for; audited with the scope before and after.</summary>
    public async Task<bool> SetScopeAsync(long id, string scope, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var before = await conn.QueryFirstOrDefaultAsync<string?>(ScopeKeySql, new { Id = id, Scope = scope }, tx);
        if (before is null) { await tx.RollbackAsync(); return false; }
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "open311_key_scope_changed", Subject = $"open311_key:{id}",
            Details = JsonSerializer.Serialize(new { from = before, to = scope }) }, tx);
        await tx.CommitAsync();
        return true;
    }

    private const string RevokeKeySql = """
        update open311_api_keys set revoked_at = @Now, revoked_by = @Actor where id = @Id and revoked_at is null returning id
        """;

    public async Task<bool> RevokeKeyAsync(long id, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var done = await conn.QueryFirstOrDefaultAsync<long?>(RevokeKeySql, new { Id = id, Actor = actor, Now = now }, tx);
        if (done is null) { await tx.RollbackAsync(); return false; }
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "open311_key_revoked", Subject = $"open311_key:{id}", Details = "{}" }, tx);
        await tx.CommitAsync();
        return true;
    }

    // ---- requests ----

    public const string InsertRequestSql = """
        insert into open311_requests (token, api_key_id, case_id, service_code, address_string, description, media_url, attributes,
                                      first_name, last_name, phone, email, device_id, account_id, created_at)
        values (@Token, @ApiKeyId, @CaseId, @ServiceCode, @AddressString, @Description, @MediaUrl, @Attributes::jsonb,
                @FirstName, @LastName, @Phone, @Email, @DeviceId, @AccountId, @Now)
        """;

    public static Task InsertRequestAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, NewOpen311Request r, long? caseId) =>
        conn.ExecuteAsync(InsertRequestSql, new
        {
            r.Token, r.ApiKeyId, CaseId = caseId, r.ServiceCode, r.AddressString, r.Description, r.MediaUrl, r.Attributes,
            r.FirstName, r.LastName, r.Phone, r.Email, r.DeviceId, r.AccountId, r.Now,
        }, tx);

    public async Task InsertPendingAsync(NewOpen311Request r)
    {
        await using var conn = await db.OpenConnectionAsync();
        await InsertRequestAsync(conn, null, r, null);
    }

    public async Task<(bool Found, string? CaseNo)> TokenAsync(Guid token)
    {
        await using var conn = await db.OpenConnectionAsync();
        var row = await conn.QueryFirstOrNullAsync<(Guid Token, string? CaseNo)>(
            "select r.token, c.case_no from open311_requests r left join cases c on c.id = r.case_id where r.token = @Token", new { Token = token });
        return row is { } r ? (true, r.CaseNo) : (false, null);
    }

    public async Task<IReadOnlyList<PendingRow>> PendingAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<PendingRow>("""
            select token, api_key_id, service_code, address_string, description, media_url, attributes::text as attributes,
                   first_name, last_name, phone, email, created_at
            from open311_requests where case_id is null order by created_at limit 200
            """)).ToList();
    }

    public async Task<PendingRow?> FindPendingAsync(Guid token)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<PendingRow>("""
            select token, api_key_id, service_code, address_string, description, media_url, attributes::text as attributes,
                   first_name, last_name, phone, email, created_at
            from open311_requests where token = @Token and case_id is null
            """, new { Token = token });
    }

    // Guarded on case_id is null: two operators placing the same request at once make one case.
    public const string PlaceSql = """
        update open311_requests set case_id = @CaseId, placed_at = @Now, placed_by = @Actor
        where token = @Token and case_id is null
        returning token
        """;

    // The public view of a request: no reporter details, and of the history only the public notes
    // (reasons and staff notes are internal: supervision orders, rework, cancel reasons), and nothing
    // an operator marked as spam. A merged
    // duplicate shows the state of the case it went into, and its status note says so.
    private const string SelectRequestsSql = """
        select c.id as case_id, c.case_no, c.state, m.case_no as effective_no, coalesce(m.state, c.state) as effective_state,
               (select h.public_note from case_history h where h.case_id in (c.id, coalesce(m.id, c.id)) and h.public_note is not null
                order by h.id desc limit 1) as status_note,
               c.category_code as service_code, k.name_zh as service_name, c.description,
               coalesce(u.name_zh, du.name_zh) as agency_responsible,
               c.created_at as requested_at, greatest(c.updated_at, coalesce(m.updated_at, c.updated_at)) as updated_at,
               coalesce(m.deadline, c.deadline) as expected_at, c.address, ST_Y(c.location) as lat, ST_X(c.location) as lon,
               (select r.media_url from open311_requests r where r.case_id = c.id limit 1) as media_url
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
        order by c.created_at desc, c.id desc
        limit @Limit
        """;

    public async Task<IReadOnlyList<RequestRow>> RequestsAsync(string[]? ids, string[]? codes, DateTimeOffset start, DateTimeOffset end, bool? open, int limit)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<RequestRow>(SelectRequestsSql,
            new { Ids = ids, Codes = codes, Start = start, End = end, Open = open, Limit = limit })).ToList();
    }
}
