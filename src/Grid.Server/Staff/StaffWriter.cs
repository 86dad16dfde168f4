using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Staff;

/// <summary>A person to be created, with his roles. <see cref="PasswordHash"/> is already hashed.</summary>
public sealed record NewPerson(Guid Id, string Username, string DisplayName, string? Phone, string PasswordHash, string? UnitId,
    string? StreetCode, bool OnDuty, DateTimeOffset CreatedAt, IReadOnlyList<string> Roles, bool MustChangePassword)
{
    /// <summary>The community an area-wide role is limited to (within <see cref="StreetCode"/>).</summary>
    public string? CommunityCode { get; init; }
}

/// <summary>A post of a cell (一长五员) and who holds it.</summary>
public sealed record PostHolder(string CellCode, string Role, Guid PersonId);

/// <summary>
/// The one way people and posts are written in bulk: the console's staff import and the demo seeder both
/// come through here (COPY, inside the caller's transaction), so a seeded city and an imported one have
/// the same rows. Checks and audit are the caller's (<see cref="PeopleAdmin"/>); the seeder's plan is
/// valid by construction.
/// </summary>
public static class StaffWriter
{
    private const string CopyPeopleSql = """
        copy people (id, username, display_name, phone, password_hash, unit_id, street_code, on_duty, created_at, must_change_password, community_code) from stdin (format binary)
        """;
    private const string CopyRolesSql = "copy person_roles (person_id, role) from stdin (format binary)";
    private const string CopyPostsSql = "copy cell_staff (cell_code, role, person_id) from stdin (format binary)";

    // A post has one holder: the new holder replaces whoever held it (the caller audited who that was).
    private const string VacatePostsSql = """
        delete from cell_staff s using unnest(@Cells, @Roles) as v(cell_code, role)
        where s.cell_code = v.cell_code and s.role = v.role
        """;

    /// <summary>Creates the people and their roles; runs in the connection's open transaction.</summary>
    public static async Task InsertPeopleAsync(NpgsqlConnection conn, IReadOnlyList<NewPerson> people, CancellationToken ct)
    {
        await using (var copy = await conn.BeginBinaryImportAsync(CopyPeopleSql, ct))
        {
            foreach (var p in people)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(p.Id, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(p.Username, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(p.DisplayName, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, p.Phone, ct);
                await copy.WriteAsync(p.PasswordHash, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, p.UnitId, ct);
                await WriteNullableAsync(copy, p.StreetCode, ct);
                await copy.WriteAsync(p.OnDuty, NpgsqlDbType.Boolean, ct);
                await copy.WriteAsync(p.CreatedAt, NpgsqlDbType.TimestampTz, ct);
                await copy.WriteAsync(p.MustChangePassword, NpgsqlDbType.Boolean, ct);
                await WriteNullableAsync(copy, p.CommunityCode, ct);
            }
            await copy.CompleteAsync(ct);
        }
        await using (var roles = await conn.BeginBinaryImportAsync(CopyRolesSql, ct))
        {
            foreach (var p in people)
            {
                foreach (var role in p.Roles)
                {
                    await roles.StartRowAsync(ct);
                    await roles.WriteAsync(p.Id, NpgsqlDbType.Uuid, ct);
                    await roles.WriteAsync(role, NpgsqlDbType.Text, ct);
                }
            }
            await roles.CompleteAsync(ct);
        }
    }

    /// <summary>Gives each post to its new holder (replacing the old one); runs in the connection's open transaction.</summary>
    public static async Task AssignPostsAsync(NpgsqlConnection conn, IReadOnlyList<PostHolder> posts, CancellationToken ct)
    {
        if (posts.Count == 0) return;
        await using (var vacate = new NpgsqlCommand(VacatePostsSql, conn))
        {
            vacate.Parameters.Add(new NpgsqlParameter("Cells", posts.Select(p => p.CellCode).ToArray()));
            vacate.Parameters.Add(new NpgsqlParameter("Roles", posts.Select(p => p.Role).ToArray()));
            await vacate.ExecuteNonQueryAsync(ct);
        }
        await using var copy = await conn.BeginBinaryImportAsync(CopyPostsSql, ct);
        foreach (var post in posts)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(post.CellCode, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(post.Role, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(post.PersonId, NpgsqlDbType.Uuid, ct);
        }
        await copy.CompleteAsync(ct);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Text, ct);
}
