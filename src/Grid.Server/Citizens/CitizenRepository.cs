using System.Security.Cryptography;
using System.Text;
using Dapper;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Npgsql;

namespace Grid.Server.Citizens;

public sealed class TrackedCase
{
    public long CaseId { get; init; }
    public string Kind { get; init; } = "";
    public string CaseNo { get; init; } = "";
    public string State { get; init; } = "";
    public string CategoryCode { get; init; } = "";
    public string CategoryNameZh { get; init; } = "";
    public string CategoryNameEn { get; init; } = "";
    public string Address { get; init; } = "";
    public string Description { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public bool Spam { get; init; }
    /// <summary>Set when the reported case was merged into another: the case that handles the problem.</summary>
    public string? MergedIntoNo { get; init; }
}

public sealed class PublicNoteRow
{
    public DateTimeOffset At { get; init; }
    public string Action { get; init; } = "";
    public string Note { get; init; } = "";
}

public sealed class FollowUpRow
{
    public long CaseId { get; init; }
    public DateTimeOffset ClosedAt { get; init; }
    public string Channel { get; init; } = "";
    public bool Solved { get; init; }
    public string Satisfaction { get; init; } = "";
    public string? Comment { get; init; }
    public DateTimeOffset AnsweredAt { get; init; }
}

public sealed class NearbyRow
{
    public string CaseNo { get; init; } = "";
    public string State { get; init; } = "";
    public string Description { get; init; } = "";
    public string Address { get; init; } = "";
    public double DistanceM { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int Supporters { get; init; }
}

public sealed class DueFollowUpRow
{
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string CategoryNameZh { get; init; } = "";
    public string Address { get; init; } = "";
    public string Source { get; init; } = "";
    public string? ReporterName { get; init; }
    public string? ReporterPhone { get; init; }
    public string? TicketId { get; init; }
    public DateTimeOffset ClosedAt { get; init; }
    public bool NoAnswer { get; init; }
}

public sealed class CitizenRepository(NpgsqlDataSource db)
{
    /// <summary>The system person recorded as the actor of steps a citizen's answer causes (see migration 0061).</summary>
    public static readonly Guid CitizenActor = Guid.Parse("00000000-0000-0000-0000-0000000c1715");

    public static string NewCode() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public static string HashCode(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    /// <summary>A case has a citizen reporter when it was sent from the citizen page, or came from a citizen
    /// channel with a phone number to call back. Used by the follow-up list and the figures alike.</summary>
    public const string CitizenReporterSql = """
        (exists (select 1 from citizen_tracking t where t.case_id = c.id)
         or (c.source in ('citizen','web','open311','hotline') and c.reporter_phone is not null))
        """;

    // ---- the page's key ----

    private const string PageKeySql = "select public_key from open311_api_keys where citizen_page and revoked_at is null";

    private const string InsertPageKeySql = """
        insert into open311_api_keys (name, key_prefix, key_hash, rate_per_minute, scope, created_at, citizen_page, public_key)
        values ('GridCity citizen page (/r)', left(@Key, 9), @Hash, 10000, 'open311', @Now, true, @Key)
        on conflict do nothing
        """;

    /// <summary>The citizen page's Open311 key, made on first use; several nodes racing make one (unique index).</summary>
    public async Task<string> PageKeyAsync(DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        if (await conn.QueryFirstOrDefaultAsync<string?>(PageKeySql) is { } key) return key;
        var fresh = "o311_page_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await conn.ExecuteAsync(InsertPageKeySql, new { Key = fresh, Hash = Open311.Open311Repository.Hash(fresh), Now = now });
        return (await conn.QueryFirstAsync<string>(PageKeySql));
    }

    // ---- limits ----

    private const string CountSql = """
        insert into citizen_rate_usage (subject, window_start, count) values (@Subject, @Window, 1)
        on conflict (subject, window_start) do update set count = citizen_rate_usage.count + 1
        returning count
        """;

    private const string DropOldSql = "delete from citizen_rate_usage where subject = @Subject and window_start < @Window - interval '1 day'";

    /// <summary>Counts one use of <paramref name="subject"/> in the current hour; the count after it decides, on every node alike.</summary>
    public async Task<int> CountUseAsync(string subject, DateTimeOffset now)
    {
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        await using var conn = await db.OpenConnectionAsync();
        var count = await conn.ExecuteScalarAsync<int>(CountSql, new { Subject = subject, Window = window });
        if (count == 1) await conn.ExecuteAsync(DropOldSql, new { Subject = subject, Window = window });
        return count;
    }

    // ---- photos ----

    public async Task RecordPhotoAsync(Photos.PhotoRow photo, string? device, string? address, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into photos (sha256, content_type, bytes, has_metadata, thumb_sha256, created_at)
            values (@Sha256, @ContentType, @Bytes, @HasMetadata, @ThumbSha256, @Now) on conflict (sha256) do nothing
            """, new { photo.Sha256, photo.ContentType, photo.Bytes, photo.HasMetadata, photo.ThumbSha256, Now = now }, tx);
        await conn.ExecuteAsync("insert into citizen_photo_uploads (sha256, device_id, address, uploaded_at) values (@Sha, @Device, @Address, @Now)",
            new { Sha = photo.Sha256, Device = device, Address = address, Now = now }, tx);
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<string>> NotCitizenPhotosAsync(IReadOnlyList<string> shas)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>(
            "select s from unnest(@Shas::text[]) s where not exists (select 1 from citizen_photo_uploads u where u.sha256 = s)",
            new { Shas = shas.ToArray() })).ToList();
    }

    // ---- tracking ----

    public const string InsertTrackingSql = """
        insert into citizen_tracking (code_hash, case_id, kind, device_id, name, phone, created_at)
        values (@CodeHash, @CaseId, @Kind, @Device, @Name, @Phone, @Now)
        """;

    // A merged report is followed through the case that absorbed it.
    private const string TrackedSql = """
        select t.case_id, t.kind, e.case_no, e.state, e.category_code, k.name_zh as category_name_zh, k.name_en as category_name_en,
               e.address, e.description, e.created_at, e.updated_at, e.closed_at, e.deadline,
               exists (select 1 from spam_marks s where s.case_id in (c.id, e.id)) as spam,
               m.case_no as merged_into_no
        from citizen_tracking t
        join cases c on c.id = t.case_id
        left join cases m on m.id = c.merged_into
        join cases e on e.id = coalesce(m.id, c.id)
        join categories k on k.code = e.category_code
        where t.code_hash = @Hash
        """;

    public async Task<TrackedCase?> TrackedAsync(string code)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<TrackedCase>(TrackedSql, new { Hash = HashCode(code) });
    }

    /// <summary>The id of the case that handles the tracked problem (the merge target, if merged).</summary>
    public async Task<long?> EffectiveCaseIdAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long?>("select coalesce(merged_into, id) from cases where id = @Id", new { Id = caseId });
    }

    private const string PublicNotesSql = """
        select h.at, h.action, h.public_note as note from case_history h
        where h.case_id in (@Id, (select coalesce(merged_into, id) from cases where id = @Id)) and h.public_note is not null
        order by h.at, h.id
        """;

    public async Task<IReadOnlyList<PublicNoteRow>> PublicNotesAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<PublicNoteRow>(PublicNotesSql, new { Id = caseId })).ToList();
    }

    private const string PublishedSql = """
        select p.sha256, p.kind from published_photos p
        where p.case_id in (@Id, (select coalesce(merged_into, id) from cases where id = @Id))
        order by p.kind desc, p.published_at
        """;

    public async Task<IReadOnlyList<(string Sha, string Kind)>> PublishedPhotosAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<(string, string)>(PublishedSql, new { Id = caseId })).ToList();
    }

    // ---- nearby and "+1" ----

    private const string NearbySql = """
        select c.case_no, c.state, left(c.description, 140) as description, c.address,
               ST_Distance(c.location::geography, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326)::geography) as distance_m, c.created_at,
               (select count(*)::int from citizen_tracking t where t.case_id = c.id and t.kind = 'support') as supporters
        from cases c
        where c.category_code = @Category and c.state not in ('closed','cancelled') and c.merged_into is null
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
          and c.created_at >= @Since
          and c.location && ST_Expand(ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @DegLon, @DegLat)
          and ST_DWithin(c.location::geography, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326)::geography, @Meters)
        order by 5, c.id
        limit 5
        """;

    public async Task<IReadOnlyList<NearbyRow>> NearbyAsync(double lat, double lon, string category, double meters, DateTimeOffset since)
    {
        var box = Grid.SearchBox.Around(lat, meters);
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<NearbyRow>(NearbySql, new { Lat = lat, Lon = lon, Category = category, Meters = meters, Since = since, box.DegLat, box.DegLon })).ToList();
    }

    private const string SupportableSql = """
        select c.id from cases c
        where c.case_no = @CaseNo and c.state not in ('closed','cancelled') and c.merged_into is null
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
        for update
        """;

    /// <summary>"This is my problem too": a tracking code on an open case, and a history row saying so; null if
    /// the case is not open (closed, cancelled, merged, spam or unknown).</summary>
    public async Task<long?> SupportAsync(string caseNo, string codeHash, string? device, string? name, string? phone, string? note, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.QueryFirstOrDefaultAsync<long?>(SupportableSql, new { CaseNo = caseNo }, tx);
        if (id is null) { await tx.RollbackAsync(); return null; }
        await conn.ExecuteAsync(InsertTrackingSql, new { CodeHash = codeHash, CaseId = id, Kind = "support", Device = device, Name = name, Phone = phone, Now = now }, tx);
        var state = await conn.ExecuteScalarAsync<string>("select state from cases where id = @Id", new { Id = id }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertHistorySql, new
        {
            CaseId = id, At = now, ActorId = (Guid?)null, Action = Field.FieldEndpoints.SupportAction, FromState = state, ToState = state,
            Reason = note ?? "Citizen page: this is my problem too (+1).", Evidence = "[]",
            Details = System.Text.Json.JsonSerializer.Serialize(new { channel = "citizen_page" }),
        }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = Field.FieldEndpoints.SupportAction, CaseId = id }, tx);
        await tx.CommitAsync();
        return id;
    }

    // ---- spam and published photos ----

    public async Task<bool> MarkSpamAsync(long caseId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var done = await conn.ExecuteAsync("""
            insert into spam_marks (case_id, marked_by, marked_at, reason) values (@CaseId, @Actor, @Now, @Reason) on conflict do nothing
            """, new { CaseId = caseId, Actor = actor, Now = now, Reason = reason }, tx);
        if (done == 0) { await tx.RollbackAsync(); return false; }
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "case_marked_spam", Subject = $"case:{caseId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { reason }) }, tx);
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> IsSpamAsync(long caseId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("select exists (select 1 from spam_marks where case_id = @Id)", new { Id = caseId });
    }

    private const string CitedSql = """
        select exists (select 1 from case_history h
                       where (h.case_id = @CaseId or h.case_id in (select m.id from cases m where m.merged_into = @CaseId))
                         and h.evidence @> jsonb_build_array(@Ref::text))
        """;

    public async Task<bool> PublishPhotoAsync(long caseId, string sha, string kind, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        if (!await conn.ExecuteScalarAsync<bool>(CitedSql, new { CaseId = caseId, Ref = Photos.PhotoEndpoints.RefPrefix + sha }, tx))
        {
            await tx.RollbackAsync();
            return false;
        }
        await conn.ExecuteAsync("""
            insert into published_photos (case_id, sha256, kind, published_by, published_at) values (@CaseId, @Sha, @Kind, @Actor, @Now)
            on conflict (case_id, sha256) do update set kind = excluded.kind, published_by = excluded.published_by, published_at = excluded.published_at
            """, new { CaseId = caseId, Sha = sha, Kind = kind, Actor = actor, Now = now }, tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = actor, Action = "photo_published", Subject = $"case:{caseId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { sha, kind }) }, tx);
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> IsPublishedAsync(long caseId, string sha)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>("""
            select exists (select 1 from published_photos
                           where sha256 = @Sha and case_id in (@Id, (select coalesce(merged_into, id) from cases where id = @Id)))
            """, new { Id = caseId, Sha = sha });
    }

    // ---- follow-up ----

    public async Task<FollowUpRow?> FollowUpAsync(long caseId, DateTimeOffset closedAt)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QueryFirstOrDefaultAsync<FollowUpRow>(
            "select case_id, closed_at, channel, solved, satisfaction, comment, answered_at from followups where case_id = @Id and closed_at = @ClosedAt",
            new { Id = caseId, ClosedAt = closedAt });
    }

    private const string InsertFollowUpSql = """
        insert into followups (case_id, closed_at, channel, solved, satisfaction, comment, answered_at, recorded_by)
        select c.id, c.closed_at, @Channel, @Solved, @Satisfaction, @Comment, @Now, @Actor
        from cases c where c.id = @CaseId and c.state = 'closed' and c.closed_at = @ClosedAt
        on conflict (case_id, closed_at) do nothing
        returning id
        """;

    /// <summary>Records the answer about the closing seen by the caller; false when the case is no longer that
    /// closing (reopened meanwhile) or someone answered first. A history row and event say so.</summary>
    public async Task<bool> RecordFollowUpAsync(long caseId, DateTimeOffset closedAt, string channel, bool solved, string satisfaction,
        string? comment, Guid? actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.QueryFirstOrDefaultAsync<long?>(InsertFollowUpSql, new
        {
            CaseId = caseId, ClosedAt = closedAt, Channel = channel, Solved = solved, Satisfaction = satisfaction, Comment = comment, Now = now, Actor = actor,
        }, tx);
        if (id is null) { await tx.RollbackAsync(); return false; }
        await conn.ExecuteAsync(CaseRepository.InsertHistorySql, new
        {
            CaseId = caseId, At = now, ActorId = actor, Action = FollowUpAction, FromState = "closed", ToState = "closed",
            Reason = comment, Evidence = "[]",
            Details = System.Text.Json.JsonSerializer.Serialize(new { channel, solved, satisfaction }),
        }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = now, Kind = "case_changed", Action = FollowUpAction, CaseId = caseId }, tx);
        await tx.CommitAsync();
        return true;
    }

    /// <summary>The history action of a follow-up answer; not a lifecycle step (state and version unchanged).</summary>
    public const string FollowUpAction = "followup";

    private const string DueSql = """
        select c.id as case_id, c.case_no, k.name_zh as category_name_zh, c.address, c.source,
               coalesce(c.reporter_name, (select t.name from citizen_tracking t where t.case_id = c.id and t.name is not null order by t.created_at limit 1)) as reporter_name,
               coalesce(c.reporter_phone, (select t.phone from citizen_tracking t where t.case_id = c.id and t.phone is not null order by t.created_at limit 1)) as reporter_phone,
               (select h.external_id from hotline_tickets h where h.case_id = c.id limit 1) as ticket_id,
               c.closed_at, c.closed_at < @NoAnswerBefore as no_answer
        from cases c join categories k on k.code = c.category_code
        where c.state = 'closed' and c.merged_into is null
          and not exists (select 1 from followups f where f.case_id = c.id and f.closed_at = c.closed_at)
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
          and
        """ + CitizenReporterSql + """
          and (@Street::text is null or c.cell_code like @Street || '%')
        order by c.closed_at, c.id
        limit 500
        """;

    /// <summary>Closed cases with a citizen reporter whose follow-up is still unanswered, oldest first.</summary>
    public async Task<IReadOnlyList<DueFollowUpRow>> DueFollowUpsAsync(string? street, DateTimeOffset noAnswerBefore)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<DueFollowUpRow>(DueSql, new { Street = street, NoAnswerBefore = noAnswerBefore })).ToList();
    }
}
