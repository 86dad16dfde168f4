using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Staff;

/// <summary>
/// The posts of each cell (一长五员) as the console manages them (issue 11): who holds each, vacancies, a
/// cell without a grid head flagged. Used by /admin/posts and /api/admin/posts; assignments go through
/// <see cref="StaffWriter"/> like the import and the seeder. A street administrator manages his street's
/// cells only. A post has no version column: a change names the holder it replaces, and loses (409) when
/// someone changed the post in between.
/// </summary>
public sealed class PostsAdmin(IDbContextFactory<GridDbContext> contexts, NpgsqlDataSource dataSource, TimeProvider clock)
{
    private static readonly string[] PostOrder = [.. Roles.CellTeam.Select(r => r.ToCode())];
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);
    public const int MaxCellsListed = 500;

    private static PostOutcome Refused(AdminRefusal kind, string message, CellPosts? current = null) =>
        new(current, message, kind == AdminRefusal.Conflict) { Refusal = kind };

    private static bool InArea(Viewer admin, string cellCode) => admin.AreaStreet is not { } s || cellCode.StartsWith(s, StringComparison.Ordinal);

    public async Task<(IReadOnlyList<CellPosts>? Cells, PostOutcome? Refusal)> CellsAsync(Viewer viewer, string? text, bool vacantOnly = false)
    {
        if (!viewer.Has(Role.Admin)) return (null, Refused(AdminRefusal.Forbidden, "Only administrators manage posts."));
        await using var db = await contexts.CreateDbContextAsync();
        // A retired cell (no longer in the imported grid) has no posts to fill.
        var cells = db.Set<GridCellRecord>().Where(c => c.RetiredAt == null);
        if (viewer.AreaStreet is { } street) cells = cells.Where(c => c.Code.StartsWith(street));
        if (!string.IsNullOrWhiteSpace(text))
        {
            var like = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            cells = cells.Where(c => EF.Functions.ILike(c.Code, like) || EF.Functions.ILike(c.Name, like)
                || db.Set<CellStaffRecord>().Any(s => s.CellCode == c.Code && db.Set<PersonRecord>().Any(p => p.Id == s.PersonId
                    && (EF.Functions.ILike(p.DisplayName, like) || EF.Functions.ILike(p.Username, like)))));
        }
        if (vacantOnly)
        {
            // Fewer than six posts held by active people.
            cells = cells.Where(c => db.Set<CellStaffRecord>().Count(s => s.CellCode == c.Code
                && db.Set<PersonRecord>().Any(p => p.Id == s.PersonId && p.DeactivatedAt == null)) < PostOrder.Length);
        }
        var list = await cells.OrderBy(c => c.Code).Take(MaxCellsListed).Select(c => new { c.Code, c.Name, c.CommunityCode }).ToListAsync();
        var codes = list.Select(c => c.Code).ToArray();
        var posts = (await (from s in db.Set<CellStaffRecord>()
                            join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                            where codes.Contains(s.CellCode)
                            select new { s.CellCode, s.Role, p.Id, p.DisplayName, p.Username, Active = p.DeactivatedAt == null }).ToListAsync())
            .ToLookup(x => x.CellCode);
        return (list.Select(c => new CellPosts(c.Code, c.Name, c.CommunityCode, PostOrder.Select(role =>
        {
            var holder = posts[c.Code].FirstOrDefault(x => x.Role == role);
            return holder is null ? new PostView(role, null, null, null, false) : new PostView(role, holder.Id, holder.DisplayName, holder.Username, holder.Active);
        }).ToList())).ToList(), null);
    }

    private async Task<CellPosts> OneAsync(string cellCode)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var cell = await db.Set<GridCellRecord>().Where(c => c.Code == cellCode).Select(c => new { c.Code, c.Name, c.CommunityCode }).SingleAsync();
        var posts = await (from s in db.Set<CellStaffRecord>()
                           join p in db.Set<PersonRecord>() on s.PersonId equals p.Id
                           where s.CellCode == cellCode
                           select new { s.Role, p.Id, p.DisplayName, p.Username, Active = p.DeactivatedAt == null }).ToListAsync();
        return new CellPosts(cell.Code, cell.Name, cell.CommunityCode, PostOrder.Select(role =>
        {
            var h = posts.FirstOrDefault(x => x.Role == role);
            return h is null ? new PostView(role, null, null, null, false) : new PostView(role, h.Id, h.DisplayName, h.Username, h.Active);
        }).ToList());
    }

    public async Task<(CellPosts? Cell, PostOutcome? Refusal)> GetAsync(Viewer viewer, string cellCode)
    {
        if (!viewer.Has(Role.Admin)) return (null, Refused(AdminRefusal.Forbidden, "Only administrators manage posts."));
        await using var db = await contexts.CreateDbContextAsync();
        if (!await db.Set<GridCellRecord>().AnyAsync(c => c.Code == cellCode)) return (null, Refused(AdminRefusal.NotFound, $"There is no cell {cellCode}."));
        if (!InArea(viewer, cellCode)) return (null, Refused(AdminRefusal.Forbidden, $"Cell {cellCode} is not in your street {viewer.AreaStreet}."));
        return (await OneAsync(cellCode), null);
    }

    /// <summary>Active people the administrator manages who hold <paramref name="role"/>, fewest posts first.</summary>
    public async Task<IReadOnlyList<PostCandidate>> CandidatesAsync(Viewer viewer, string role, string? text)
    {
        if (!viewer.Has(Role.Admin)) return [];
        await using var db = await contexts.CreateDbContextAsync();
        var people = db.Set<PersonRecord>().Where(p => p.DeactivatedAt == null
            && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == role));
        if (viewer.AreaStreet is { } street)
            people = people.Where(p => p.StreetCode == street || db.Set<CellStaffRecord>().Any(s => s.PersonId == p.Id && s.CellCode.StartsWith(street)));
        if (!string.IsNullOrWhiteSpace(text))
        {
            var like = "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            people = people.Where(p => EF.Functions.ILike(p.DisplayName, like) || EF.Functions.ILike(p.Username, like));
        }
        return await people
            .Select(p => new { p.Id, p.Username, p.DisplayName, Held = db.Set<CellStaffRecord>().Count(s => s.PersonId == p.Id) })
            .OrderBy(c => c.Held).ThenBy(c => c.Username).Take(50)
            .Select(c => new PostCandidate(c.Id, c.Username, c.DisplayName, c.Held)).ToListAsync();
    }

    // The post's row locked while it changes, so two administrators replacing the same holder are ordered.
    private const string LockPostSql = "select person_id from cell_staff where cell_code = @Cell and role = @Role for update";

    public async Task<PostOutcome> AssignAsync(Viewer viewer, string cellCode, string role, Guid? personId, Guid? expected)
    {
        if (!viewer.Has(Role.Admin)) return Refused(AdminRefusal.Forbidden, "Only administrators manage posts.");
        if (!PostOrder.Contains(role))
            return Refused(AdminRefusal.Invalid, $"'{role}' is no post of a cell; the posts are {string.Join(", ", PostOrder)}.");
        await using var db = await contexts.CreateDbContextAsync();
        if (!await db.Set<GridCellRecord>().AnyAsync(c => c.Code == cellCode)) return Refused(AdminRefusal.NotFound, $"There is no cell {cellCode}.");
        if (!InArea(viewer, cellCode)) return Refused(AdminRefusal.Forbidden, $"Cell {cellCode} is not in your street {viewer.AreaStreet}.");
        PersonRecord? person = null;
        if (personId is { } pid)
        {
            person = await db.Set<PersonRecord>().Where(p => p.Id == pid).SingleOrDefaultAsync();
            if (person is null) return Refused(AdminRefusal.Invalid, $"There is no person {pid}.");
            if (person.DeactivatedAt is not null) return Refused(AdminRefusal.Invalid, $"{person.DisplayName} ({person.Username}) is deactivated; reactivate him first or choose someone else.");
            if (!await db.Set<PersonRoleRecord>().AnyAsync(r => r.PersonId == pid && r.Role == role))
                return Refused(AdminRefusal.Invalid, $"{person.DisplayName} ({person.Username}) does not have the role {role}; give it to him on the people page first.");
            if (viewer.AreaStreet is { } street && person.StreetCode != street
                && !await db.Set<CellStaffRecord>().AnyAsync(s => s.PersonId == pid && s.CellCode.StartsWith(street)))
                return Refused(AdminRefusal.Forbidden, $"{person.DisplayName} ({person.Username}) is not staff of your street {street}.");
        }

        await using var tx = await db.Database.BeginTransactionAsync();
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        Guid? current;
        await using (var lockCmd = new NpgsqlCommand(LockPostSql, conn))
        {
            lockCmd.Parameters.AddWithValue("Cell", cellCode);
            lockCmd.Parameters.AddWithValue("Role", role);
            current = await lockCmd.ExecuteScalarAsync() as Guid?;
        }
        if (current != expected)
        {
            await tx.RollbackAsync();
            var now = await OneAsync(cellCode);
            var holder = now.Posts.First(p => p.Role == role);
            return Refused(AdminRefusal.Conflict,
                $"Someone changed the {role} post of cell {cellCode} meanwhile: it is now {(holder.PersonId is null ? "vacant" : $"{holder.DisplayName} ({holder.Username})")}. Look again and choose.", now);
        }
        var beforeName = current is { } c ? await db.Set<PersonRecord>().Where(p => p.Id == c).Select(p => p.DisplayName).SingleOrDefaultAsync() : null;
        try
        {
            if (person is null)
                await db.Set<CellStaffRecord>().Where(s => s.CellCode == cellCode && s.Role == role).ExecuteDeleteAsync();
            else
                await StaffWriter.AssignPostsAsync(conn, [new PostHolder(cellCode, role, person.Id)], CancellationToken.None);
        }
        catch (PostgresException e) when (UniqueViolation.On(e, "cell_staff_pkey"))
        {
            return Refused(AdminRefusal.Conflict, $"Someone filled the {role} post of cell {cellCode} at the same moment; look again and choose.", await OneAsync(cellCode));
        }
        db.Add(new AuditLogRecord
        {
            At = clock.GetUtcNow(), ActorId = viewer.PersonId, Action = person is null ? "post_vacated" : "post_assigned", Subject = $"cell:{cellCode}",
            Details = JsonSerializer.Serialize(new
            {
                post = role,
                before = current is null ? null : new { personId = current, displayName = beforeName },
                after = person is null ? null : new { personId = (Guid?)person.Id, displayName = person.DisplayName },
            }, AuditJson),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new PostOutcome(await OneAsync(cellCode));
    }

    // One FeatureCollection for the map: each cell with how many of its six posts have no active holder.
    private const string MapSql = """
        select json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
                   'type', 'Feature',
                   'geometry', ST_AsGeoJSON(c.geom, 6)::json,
                   'properties', json_build_object('code', c.code, 'name', c.name, 'vacant', 6 - coalesce(h.held, 0), 'noHead', not coalesce(h.head, false)))
                   order by c.code), '[]'::json))::text
        from grid_cells c
        left join lateral (
            select count(*) as held, bool_or(s.role = 'grid_head') as head
            from cell_staff s join people p on p.id = s.person_id
            where s.cell_code = c.code and p.deactivated_at is null
        ) h on true
        where c.retired_at is null and (@Street::text is null or c.code like @Street::text || '%')
        """;

    public async Task<string> MapAsync(Viewer viewer)
    {
        if (!viewer.Has(Role.Admin)) return """{"type":"FeatureCollection","features":[]}""";
        await using var cmd = dataSource.CreateCommand(MapSql);
        cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)viewer.AreaStreet ?? DBNull.Value });
        return (string)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>Whether the cell's grid-head post has no active holder (for the dispatch suggestion's warning).</summary>
    public static async Task<bool> GridHeadVacantAsync(GridDbContext db, string cellCode) =>
        !await db.Set<CellStaffRecord>().AnyAsync(s => s.CellCode == cellCode && s.Role == "grid_head"
            && db.Set<PersonRecord>().Any(p => p.Id == s.PersonId && p.DeactivatedAt == null));
}
