using System.Security.Cryptography;
using System.Text;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Grid.Web;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

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
    public string Details { get; init; } = "{}";
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
    public string? ReporterEmail { get; init; }
    public string? TicketId { get; init; }
    public DateTimeOffset ClosedAt { get; init; }
    public bool NoAnswer { get; init; }

    /// <summary>How many cases the whole list has (the same on every row of a page).</summary>
    public long Total { get; init; }
}

public sealed class CitizenRepository(IDbContextFactory<GridDbContext> contexts)
{
    /// <summary>The system person recorded as the actor of steps a citizen's answer causes (see migration 0061).</summary>
    public static readonly Guid CitizenActor = Guid.Parse("00000000-0000-0000-0000-0000000c1715");

    public static string NewCode() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    public static string HashCode(string code) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(code)));

    /// <summary>A case has a citizen reporter when it was sent from the citizen page, or came from a citizen
    /// channel with a phone number or an email address to ask (an Open311 app may send only an email). Used by the
    /// follow-up list and the figures alike.</summary>
    public const string CitizenReporterSql = """
        (exists (select 1 from citizen_tracking t where t.case_id = c.id)
         or (c.source in ('citizen','web','open311','hotline') and (c.reporter_phone is not null or c.reporter_email is not null)))
        """;

    // ---- the page's key ----

    private const string InsertPageKeySql = """
        insert into open311_api_keys (name, key_prefix, key_hash, rate_per_minute, scope, created_at, citizen_page, public_key)
        values ('GridCity citizen page (/r)', left(@Key, 9), @Hash, 10000, 'open311', @Now, true, @Key)
        on conflict do nothing
        """;

    private static Task<string?> PageKeyAsync(GridDbContext db) =>
        db.Set<Open311.ApiKeyRecord>().Where(k => k.CitizenPage && k.RevokedAt == null).Select(k => k.PublicKey).FirstOrDefaultAsync();

    /// <summary>The citizen page's Open311 key, made on first use; several nodes racing make one (unique index).</summary>
    public async Task<string> PageKeyAsync(DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        if (await PageKeyAsync(db) is { } key) return key;
        var fresh = "o311_page_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await db.Database.ExecuteSqlRawAsync(InsertPageKeySql, new NpgsqlParameter("Key", fresh),
            new NpgsqlParameter("Hash", Open311.Open311Repository.Hash(fresh)), new NpgsqlParameter("Now", now));
        return (await PageKeyAsync(db))!;
    }

    // ---- limits ----

    private const string CountSql = """
        insert into citizen_rate_usage (subject, window_start, count) values (@Subject, @Window, 1)
        on conflict (subject, window_start) do update set count = citizen_rate_usage.count + 1
        returning count as "Value"
        """;

    /// <summary>Counts one use of <paramref name="subject"/> in the current hour; the count after it decides, on every node alike.</summary>
    public async Task<int> CountUseAsync(string subject, DateTimeOffset now)
    {
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        await using var db = await contexts.CreateDbContextAsync();
        var count = (await db.Database.SqlQueryRaw<int>(CountSql, new NpgsqlParameter("Subject", subject), new NpgsqlParameter("Window", window))
            .ToListAsync()).Single();
        var old = window.AddDays(-1);
        if (count == 1) await db.Set<CitizenRateUsageRecord>().Where(u => u.Subject == subject && u.WindowStart < old).ExecuteDeleteAsync();
        return count;
    }

    // ---- photos ----

    // The photo row is an upsert and citizen_photo_uploads has no key (EF inserts only keyed rows): SQL through EF.
    private const string InsertPhotoSql = """
        insert into photos (sha256, content_type, bytes, has_metadata, thumb_sha256, created_at)
        values (@Sha256, @ContentType, @Bytes, @HasMetadata, @ThumbSha256, @Now) on conflict (sha256) do nothing;
        insert into citizen_photo_uploads (sha256, device_id, address, uploaded_at) values (@Sha256, @Device, @Address, @Now);
        """;

    public async Task RecordPhotoAsync(Photos.PhotoRow photo, string? device, string? address, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(InsertPhotoSql, new NpgsqlParameter("Sha256", photo.Sha256),
            new NpgsqlParameter("ContentType", photo.ContentType), new NpgsqlParameter("Bytes", photo.Bytes),
            new NpgsqlParameter("HasMetadata", photo.HasMetadata),
            new NpgsqlParameter("ThumbSha256", NpgsqlDbType.Text) { Value = (object?)photo.ThumbSha256 ?? DBNull.Value }, new NpgsqlParameter("Now", now),
            new NpgsqlParameter("Device", NpgsqlDbType.Text) { Value = (object?)device ?? DBNull.Value },
            new NpgsqlParameter("Address", NpgsqlDbType.Text) { Value = (object?)address ?? DBNull.Value });
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<string>> NotCitizenPhotosAsync(IReadOnlyList<string> shas)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var known = await db.Set<CitizenPhotoUploadRecord>().Where(u => shas.Contains(u.Sha256)).Select(u => u.Sha256).Distinct().ToListAsync();
        return shas.Where(s => !known.Contains(s)).ToList();
    }

    // ---- tracking ----

    // A merged report is followed through the case that absorbed it.
    public async Task<TrackedCase?> TrackedAsync(string code)
    {
        var hash = HashCode(code);
        await using var db = await contexts.CreateDbContextAsync();
        var cases = db.Set<CaseRecord>();
        var spam = db.Set<SpamMarkRecord>();
        return await (from t in db.Set<CitizenTrackingRecord>()
                      where t.CodeHash == hash
                      join c in cases on t.CaseId equals c.Id
                      join m0 in cases on c.MergedInto equals m0.Id into merged
                      from m in merged.DefaultIfEmpty()
                      join e in cases on (m != null ? m.Id : c.Id) equals e.Id
                      join k in db.Set<CategoryRecord>() on e.CategoryCode equals k.Code
                      select new TrackedCase
                      {
                          CaseId = t.CaseId, Kind = t.Kind, CaseNo = e.CaseNo, State = e.State, CategoryCode = e.CategoryCode,
                          CategoryNameZh = k.NameZh, CategoryNameEn = k.NameEn, Address = e.Address, Description = e.Description,
                          CreatedAt = e.CreatedAt, UpdatedAt = e.UpdatedAt, ClosedAt = e.ClosedAt, Deadline = e.Deadline,
                          Spam = spam.Any(s => s.CaseId == c.Id || s.CaseId == e.Id), MergedIntoNo = m.CaseNo,
                      }).FirstOrDefaultAsync();
    }

    /// <summary>The id of the case that handles the tracked problem (the merge target, if merged).</summary>
    public async Task<long?> EffectiveCaseIdAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<CaseRecord>().Where(c => c.Id == caseId).Select(c => (long?)(c.MergedInto ?? c.Id)).FirstOrDefaultAsync();
    }

    public async Task<IReadOnlyList<PublicNoteRow>> PublicNotesAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var ids = await db.Set<CaseRecord>().Where(c => c.Id == caseId).Select(c => c.MergedInto ?? c.Id).ToListAsync();
        ids.Add(caseId);
        return await db.Set<CaseHistoryRecord>().Where(h => ids.Contains(h.CaseId) && h.PublicNote != null)
            .OrderBy(h => h.At).ThenBy(h => h.Id)
            .Select(h => new PublicNoteRow { At = h.At, Action = h.Action, Note = h.PublicNote!, Details = h.Details }).ToListAsync();
    }

    public async Task<IReadOnlyList<(string Sha, string Kind)>> PublishedPhotosAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var ids = await db.Set<CaseRecord>().Where(c => c.Id == caseId).Select(c => c.MergedInto ?? c.Id).ToListAsync();
        ids.Add(caseId);
        var rows = await db.Set<PublishedPhotoRecord>().Where(p => ids.Contains(p.CaseId))
            .OrderByDescending(p => p.Kind).ThenBy(p => p.PublishedAt).Select(p => new { p.Sha256, p.Kind }).ToListAsync();
        return rows.Select(r => (r.Sha256, r.Kind)).ToList();
    }

    // ---- where the pin is, in words ----

    public async Task<(string Street, string Community)?> PlaceNamesAsync(string communityCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var row = await (from m in db.Set<Grid.CommunityRecord>()
                         where m.Code == communityCode
                         join s in db.Set<Grid.StreetRecord>() on m.StreetCode equals s.Code
                         select new { Street = s.Name, Community = m.Name }).FirstOrDefaultAsync();
        return row is null ? null : (row.Street, row.Community);
    }

    // ---- nearby and "+1" ----

    // The distance is on the spheroid (a geography cast EF does not translate for geometry columns),
    // so this stays SQL; the && box keeps the GiST index in play.
    private const string NearbySql = """
        select c.case_no as "CaseNo", c.state as "State", left(c.description, 140) as "Description", c.address as "Address",
               ST_Distance(c.location::geography, @Point::geography) as "DistanceM", c.created_at as "CreatedAt",
               (select count(*)::int from citizen_tracking t where t.case_id = c.id and t.kind = 'support') as "Supporters"
        from cases c
        where c.category_code = @Category and c.state not in ('closed','cancelled') and c.merged_into is null
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
          and c.created_at >= @Since
          and c.location && ST_Expand(@Point, @DegLon, @DegLat)
          and ST_DWithin(c.location::geography, @Point::geography, @Meters)
        order by 5, c.id
        limit 5
        """;

    public async Task<IReadOnlyList<NearbyRow>> NearbyAsync(double lat, double lon, string category, double meters, DateTimeOffset since)
    {
        var box = Grid.SearchBox.Around(lat, meters);
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<NearbyRow>(NearbySql, new NpgsqlParameter("Point", Grid.Geo.Point(lon, lat)),
            new NpgsqlParameter("Category", category), new NpgsqlParameter("Meters", meters), new NpgsqlParameter("Since", since),
            new NpgsqlParameter("DegLat", box.DegLat), new NpgsqlParameter("DegLon", box.DegLon)).ToListAsync();
    }

    // Locked, so the "+1" and a step closing the case at the same moment take turns.
    private const string SupportableSql = """
        select c.id as "Value" from cases c
        where c.case_no = @CaseNo and c.state not in ('closed','cancelled') and c.merged_into is null
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
        for update
        """;

    /// <summary>"This is my problem too": a tracking code on an open case, and a history row saying so; null if
    /// the case is not open (closed, cancelled, merged, spam or unknown).</summary>
    public async Task<long?> SupportAsync(string caseNo, string codeHash, string? device, string? name, string? phone, string? note, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var found = await db.Database.SqlQueryRaw<long>(SupportableSql, new NpgsqlParameter("CaseNo", caseNo)).ToListAsync();
        if (found.Count == 0) { await tx.RollbackAsync(); return null; }
        var id = found[0];
        var state = await db.Set<CaseRecord>().Where(c => c.Id == id).Select(c => c.State).SingleAsync();
        db.Add(new CitizenTrackingRecord { CodeHash = codeHash, CaseId = id, Kind = "support", DeviceId = device, Name = name, Phone = phone, CreatedAt = now });
        var channel = new Dictionary<string, object?> { ["channel"] = "citizen_page" };
        db.Add(new CaseHistoryRecord
        {
            CaseId = id, At = now, ActorId = null, Action = Field.FieldEndpoints.SupportAction, FromState = state, ToState = state,
            Reason = note ?? "Citizen page: this is my problem too (+1).", Evidence = "[]",
            // The citizen's own words are his; only the sentence written for him when he left none is keyed.
            Details = System.Text.Json.JsonSerializer.Serialize(note is null ? HistoryTexts.With(channel, HistoryTexts.CitizenSupport) : channel),
        });
        await db.SaveChangesAsync();
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", Field.FieldEndpoints.SupportAction, id);
        await tx.CommitAsync();
        return id;
    }

    // ---- spam and published photos ----

    private const string InsertSpamSql = """
        insert into spam_marks (case_id, marked_by, marked_at, reason) values (@CaseId, @Actor, @Now, @Reason) on conflict do nothing
        """;

    public async Task<bool> MarkSpamAsync(long caseId, Guid actor, string reason, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var done = await db.Database.ExecuteSqlRawAsync(InsertSpamSql, new NpgsqlParameter("CaseId", caseId), new NpgsqlParameter("Actor", actor),
            new NpgsqlParameter("Now", now), new NpgsqlParameter("Reason", reason));
        if (done == 0) { await tx.RollbackAsync(); return false; }
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "case_marked_spam", Subject = $"case:{caseId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { reason }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> IsSpamAsync(long caseId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<SpamMarkRecord>().AnyAsync(s => s.CaseId == caseId);
    }

    // jsonb containment (@>) of the photo reference in a step's evidence: no LINQ for it. The case and
    // its merged duplicates are one IN list: "case_id = x or case_id in (...)" cannot use an index and
    // reads the whole history table (CaseRepository.HistoryAsync).
    private const string CitedSql = """
        select exists (select 1 from case_history h
                       where h.case_id in (select m.id from cases m where m.id = @CaseId or m.merged_into = @CaseId)
                         and h.evidence @> jsonb_build_array(@Ref::text)) as "Value"
        """;

    private const string UpsertPublishedSql = """
        insert into published_photos (case_id, sha256, kind, published_by, published_at) values (@CaseId, @Sha, @Kind, @Actor, @Now)
        on conflict (case_id, sha256) do update set kind = excluded.kind, published_by = excluded.published_by, published_at = excluded.published_at
        """;

    public async Task<bool> PublishPhotoAsync(long caseId, string sha, string kind, Guid actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var cited = (await db.Database.SqlQueryRaw<bool>(CitedSql, new NpgsqlParameter("CaseId", caseId),
            new NpgsqlParameter("Ref", Photos.PhotoEndpoints.RefPrefix + sha)).ToListAsync()).Single();
        if (!cited)
        {
            await tx.RollbackAsync();
            return false;
        }
        await db.Database.ExecuteSqlRawAsync(UpsertPublishedSql, new NpgsqlParameter("CaseId", caseId), new NpgsqlParameter("Sha", sha),
            new NpgsqlParameter("Kind", kind), new NpgsqlParameter("Actor", actor), new NpgsqlParameter("Now", now));
        db.Add(new AuditLogRecord { At = now, ActorId = actor, Action = "photo_published", Subject = $"case:{caseId}",
            Details = System.Text.Json.JsonSerializer.Serialize(new { sha, kind }) });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return true;
    }

    public async Task<bool> IsPublishedAsync(long caseId, string sha)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var ids = await db.Set<CaseRecord>().Where(c => c.Id == caseId).Select(c => c.MergedInto ?? c.Id).ToListAsync();
        ids.Add(caseId);
        return await db.Set<PublishedPhotoRecord>().AnyAsync(p => p.Sha256 == sha && ids.Contains(p.CaseId));
    }

    // ---- follow-up ----

    public async Task<FollowUpRow?> FollowUpAsync(long caseId, DateTimeOffset closedAt)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<FollowupRecord>().Where(f => f.CaseId == caseId && f.ClosedAt == closedAt)
            .Select(f => new FollowUpRow
            {
                CaseId = f.CaseId, ClosedAt = f.ClosedAt, Channel = f.Channel, Solved = f.Solved, Satisfaction = f.Satisfaction,
                Comment = f.Comment, AnsweredAt = f.AnsweredAt,
            }).FirstOrDefaultAsync();
    }

    // Guarded on the closing the caller saw: a case reopened meanwhile (or answered first) inserts nothing.
    private const string InsertFollowUpSql = """
        insert into followups (case_id, closed_at, channel, solved, satisfaction, comment, answered_at, recorded_by)
        select c.id, c.closed_at, @Channel, @Solved, @Satisfaction, @Comment, @Now, @Actor
        from cases c where c.id = @CaseId and c.state = 'closed' and c.closed_at = @ClosedAt
        on conflict (case_id, closed_at) do nothing
        """;

    /// <summary>Records the answer about the closing seen by the caller; false when the case is no longer that
    /// closing (reopened meanwhile) or someone answered first. A history row and event say so.</summary>
    public async Task<bool> RecordFollowUpAsync(long caseId, DateTimeOffset closedAt, string channel, bool solved, string satisfaction,
        string? comment, Guid? actor, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var inserted = await db.Database.ExecuteSqlRawAsync(InsertFollowUpSql, new NpgsqlParameter("CaseId", caseId),
            new NpgsqlParameter("ClosedAt", closedAt), new NpgsqlParameter("Channel", channel), new NpgsqlParameter("Solved", solved),
            new NpgsqlParameter("Satisfaction", satisfaction), new NpgsqlParameter("Comment", NpgsqlDbType.Text) { Value = (object?)comment ?? DBNull.Value },
            new NpgsqlParameter("Now", now), new NpgsqlParameter("Actor", NpgsqlDbType.Uuid) { Value = (object?)actor ?? DBNull.Value });
        if (inserted == 0) { await tx.RollbackAsync(); return false; }
        db.Add(new CaseHistoryRecord
        {
            CaseId = caseId, At = now, ActorId = actor, Action = FollowUpAction, FromState = "closed", ToState = "closed",
            Reason = comment, Evidence = "[]",
            Details = System.Text.Json.JsonSerializer.Serialize(new { channel, solved, satisfaction }),
        });
        await db.SaveChangesAsync();
        await CaseRepository.InsertCaseEventAsync(db, now, "case_changed", FollowUpAction, caseId);
        await tx.CommitAsync();
        return true;
    }

    /// <summary>The history action of a follow-up answer; not a lifecycle step (state and version unchanged).</summary>
    public const string FollowUpAction = "followup";

    // The closed cases with a citizen reporter (and someone to ask) whose closing has no answer yet, in a street or all.
    private const string DueWhereSql = """
        c.state = 'closed' and c.merged_into is null
          and not exists (select 1 from followups f where f.case_id = c.id and f.closed_at = c.closed_at)
          and not exists (select 1 from spam_marks s where s.case_id = c.id)
          and
        """ + CitizenReporterSql + """
          and (@Street::text is null or c.cell_code like @Street || '%')
        """;

    private const string DueCountSql = "select count(*) as \"Value\" from cases c where " + DueWhereSql;

    private const string DueSql = """
        select c.id as "CaseId", c.case_no as "CaseNo", k.name_zh as "CategoryNameZh", c.address as "Address", c.source as "Source",
               coalesce(c.reporter_name, (select t.name from citizen_tracking t where t.case_id = c.id and t.name is not null order by t.created_at limit 1)) as "ReporterName",
               coalesce(c.reporter_phone, (select t.phone from citizen_tracking t where t.case_id = c.id and t.phone is not null order by t.created_at limit 1)) as "ReporterPhone",
               c.reporter_email as "ReporterEmail",
               (select h.external_id from hotline_tickets h where h.case_id = c.id limit 1) as "TicketId",
               c.closed_at as "ClosedAt", c.closed_at < @NoAnswerBefore as "NoAnswer", count(*) over () as "Total"
        from cases c join categories k on k.code = c.category_code
        """ + " where " + DueWhereSql + "\n" + """
        order by c.closed_at < @NoAnswerBefore,
                 case when c.closed_at >= @NoAnswerBefore then c.closed_at end,
                 c.closed_at desc, c.id
        limit @Limit offset @Offset
        """;

    /// <summary>
    /// One page of the closed cases with a citizen reporter whose follow-up is still unanswered, and how many there are
    /// in all. Most urgent first: those still within the follow-up period, the one whose period ends first at the top;
    /// then those already past it ("no answer"), the latest first, so the backlog of never-answered closings, which
    /// only grows, never hides the calls that can still be made in time.
    /// </summary>
    public async Task<(IReadOnlyList<DueFollowUpRow> Rows, long Total)> DueFollowUpsAsync(string? street, DateTimeOffset noAnswerBefore,
        int page, int pageSize)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Database.SqlQueryRaw<DueFollowUpRow>(DueSql,
            new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value },
            new NpgsqlParameter("NoAnswerBefore", noAnswerBefore),
            new NpgsqlParameter("Limit", pageSize), new NpgsqlParameter("Offset", (page - 1) * pageSize)).ToListAsync();
        var total = rows.Count > 0 ? rows[0].Total : 0;
        if (rows.Count == 0 && page > 1)
            total = (await db.Database.SqlQueryRaw<long>(DueCountSql,
                new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value }).ToListAsync()).Single();
        return (rows, total);
    }
}
