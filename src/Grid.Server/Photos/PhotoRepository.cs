using Grid.Server.Data;
using Grid.Server.Incidents;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Photos;

public sealed record PhotoRow(string Sha256, string ContentType, int Bytes, bool HasMetadata, string? ThumbSha256);

public sealed class PhotoRepository(IDbContextFactory<GridDbContext> contexts)
{
    public async Task<int> UploadsSinceAsync(Guid person, DateTimeOffset since)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<PhotoUploadRecord>().CountAsync(u => u.PersonId == person && u.UploadedAt >= since);
    }

    // The first upload of some bytes describes them; later uploads of the same bytes only add their
    // uploader. Upserts, so two uploads of the same bytes at once both succeed: SQL through EF.
    private const string InsertPhotoSql = """
        insert into photos (sha256, content_type, bytes, has_metadata, thumb_sha256, created_at)
        values (@Sha256, @ContentType, @Bytes, @HasMetadata, @ThumbSha256, @Now)
        on conflict (sha256) do update set thumb_sha256 = coalesce(photos.thumb_sha256, excluded.thumb_sha256);
        insert into photo_uploads (sha256, person_id, uploaded_at) values (@Sha256, @Person, @Now)
        on conflict do nothing;
        """;

    public async Task RecordUploadAsync(PhotoRow photo, Guid person, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync(InsertPhotoSql,
            new NpgsqlParameter("Sha256", photo.Sha256), new NpgsqlParameter("ContentType", photo.ContentType),
            new NpgsqlParameter("Bytes", photo.Bytes), new NpgsqlParameter("HasMetadata", photo.HasMetadata),
            new NpgsqlParameter("ThumbSha256", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)photo.ThumbSha256 ?? DBNull.Value },
            new NpgsqlParameter("Person", person), new NpgsqlParameter("Now", now));
        await tx.CommitAsync();
    }

    public async Task<PhotoRow?> FindAsync(string sha)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<PhotoRecord>().Where(p => p.Sha256 == sha)
            .Select(p => new PhotoRow(p.Sha256, p.ContentType, p.Bytes, p.HasMetadata, p.ThumbSha256)).SingleOrDefaultAsync();
    }

    public async Task<bool> UploadedByAsync(string sha, Guid person)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<PhotoUploadRecord>().AnyAsync(u => u.Sha256 == sha && u.PersonId == person);
    }

    /// <summary>Photos of <paramref name="shas"/> that this person has not uploaded (a reference must be one's own).</summary>
    public async Task<IReadOnlyList<string>> NotUploadedByAsync(IReadOnlyList<string> shas, Guid person)
    {
        var wanted = shas.ToArray();
        await using var db = await contexts.CreateDbContextAsync();
        var own = await db.Set<PhotoUploadRecord>().Where(u => u.PersonId == person && wanted.Contains(u.Sha256)).Select(u => u.Sha256).ToListAsync();
        return wanted.Where(s => !own.Contains(s)).ToList();
    }

    // A photo is visible with any case that the viewer may see and whose history cites it as evidence
    // (jsonb containment on the GIN index, and the visibility rule of CaseRepository.ScopeSql).
    private const string SelectVisibleSql = """
        select exists (
            select 1 from case_history h join cases c on c.id = h.case_id
            where h.evidence @> jsonb_build_array(@Ref::text)
              and
        """ + CaseRepository.ScopeSql + """
        ) as "Value"
        """;

    public async Task<bool> VisibleThroughCaseAsync(string sha, Scope scope)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<bool>(SelectVisibleSql,
            new NpgsqlParameter("Ref", PhotoEndpoints.RefPrefix + sha), new NpgsqlParameter("Me", scope.Me), new NpgsqlParameter("All", scope.All),
            new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)scope.Street ?? DBNull.Value },
            new NpgsqlParameter("Unit", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)scope.Unit ?? DBNull.Value }).SingleAsync();
    }
}
