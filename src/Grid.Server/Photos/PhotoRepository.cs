using Dapper;
using Grid.Server.Incidents;
using Npgsql;

namespace Grid.Server.Photos;

public sealed record PhotoRow(string Sha256, string ContentType, int Bytes, bool HasMetadata, string? ThumbSha256);

public sealed class PhotoRepository(NpgsqlDataSource db)
{
    private const string CountTodaySql = """
        select count(*)::int from photo_uploads where person_id = @Person and uploaded_at >= @Since
        """;

    public async Task<int> UploadsSinceAsync(Guid person, DateTimeOffset since)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>(CountTodaySql, new { Person = person, Since = since });
    }

    // The first upload of some bytes describes them; later uploads of the same bytes only add their uploader.
    private const string InsertPhotoSql = """
        insert into photos (sha256, content_type, bytes, has_metadata, thumb_sha256, created_at)
        values (@Sha256, @ContentType, @Bytes, @HasMetadata, @ThumbSha256, @Now)
        on conflict (sha256) do update set thumb_sha256 = coalesce(photos.thumb_sha256, excluded.thumb_sha256);
        insert into photo_uploads (sha256, person_id, uploaded_at) values (@Sha256, @Person, @Now)
        on conflict do nothing;
        """;

    public async Task RecordUploadAsync(PhotoRow photo, Guid person, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(InsertPhotoSql, new { photo.Sha256, photo.ContentType, photo.Bytes, photo.HasMetadata, photo.ThumbSha256, Person = person, Now = now }, tx);
        await tx.CommitAsync();
    }

    private const string SelectPhotoSql = """
        select sha256, content_type, bytes, has_metadata, thumb_sha256 from photos where sha256 = @Sha
        """;

    public async Task<PhotoRow?> FindAsync(string sha)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<PhotoRow>(SelectPhotoSql, new { Sha = sha });
    }

    private const string SelectUploadedBySql = """
        select exists (select 1 from photo_uploads where sha256 = @Sha and person_id = @Person)
        """;

    public async Task<bool> UploadedByAsync(string sha, Guid person)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(SelectUploadedBySql, new { Sha = sha, Person = person });
    }

    /// <summary>Photos of <paramref name="shas"/> that this person has not uploaded (a reference must be one's own).</summary>
    private const string SelectNotUploadedBySql = """
        select s from unnest(@Shas::text[]) s
        where not exists (select 1 from photo_uploads u where u.sha256 = s and u.person_id = @Person)
        """;

    public async Task<IReadOnlyList<string>> NotUploadedByAsync(IReadOnlyList<string> shas, Guid person)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<string>(SelectNotUploadedBySql, new { Shas = shas.ToArray(), Person = person })).ToList();
    }

    // A photo is visible with any case that the viewer may see and whose history cites it as evidence.
    private const string SelectVisibleSql = """
        select exists (
            select 1 from case_history h join cases c on c.id = h.case_id
            where h.evidence @> jsonb_build_array(@Ref::text)
              and
        """ + CaseRepository.ScopeSql + ")";

    public async Task<bool> VisibleThroughCaseAsync(string sha, Scope scope)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(SelectVisibleSql, new { Ref = PhotoEndpoints.RefPrefix + sha, scope.Me, scope.All, scope.Street, scope.Unit });
    }
}
