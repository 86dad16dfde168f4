using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Staff;

/// <summary>
/// People as the administrators' console manages them (issue 11): list, create, edit, deactivate and
/// reactivate (never delete: history keeps the name), password reset, roles and their scope, and the staff
/// import. Used by the /admin/people page, by /api/admin/people and by the demo seeder (through
/// <see cref="StaffWriter"/>). A street administrator manages only the people of his street: those whose
/// street is his or who hold a post in one of its cells; every read and write by id checks it. Every change
/// is audited with the person before and after.
/// </summary>
public sealed class PeopleAdmin(IDbContextFactory<GridDbContext> contexts, TimeProvider clock, SessionStamps stamps)
{
    public const int MinPasswordLength = 10;
    public const int MaxImportRows = 5000;
    private static readonly Regex UsernamePattern = new("^[a-z0-9_.-]{2,64}$", RegexOptions.Compiled);
    private static readonly Regex PhonePattern = new(@"^\+?[0-9][0-9-]{4,19}$", RegexOptions.Compiled);
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    // ---- scope -----------------------------------------------------------------------------------------

    /// <summary>The people an administrator manages: everyone for a district administrator, else those of his street.</summary>
    private static IQueryable<PersonRecord> Managed(GridDbContext db, Viewer admin)
    {
        var people = db.Set<PersonRecord>().AsQueryable();
        if (admin.AreaStreet is not { } street) return people;
        var prefix = street;
        return people.Where(p => p.StreetCode == street
            || db.Set<CellStaffRecord>().Any(s => s.PersonId == p.Id && s.CellCode.StartsWith(prefix)));
    }

    private static AdminOutcome? Gate(Viewer viewer) =>
        viewer.Has(Role.Admin) ? null : Refused(AdminRefusal.Forbidden, "Only administrators manage people.");

    public static AdminOutcome Refused(AdminRefusal kind, string message, IReadOnlyDictionary<string, string[]>? fields = null, PersonRow? current = null) =>
        new(null, message, fields, kind == AdminRefusal.Conflict, current) { Refusal = kind };

    /// <summary>The person by id for the administrator: NotFound when there is none, Forbidden when he is outside the administrator's street.</summary>
    private static async Task<(PersonRecord? Person, AdminOutcome? Refusal)> LoadManagedAsync(GridDbContext db, Viewer admin, Guid id)
    {
        var person = await db.Set<PersonRecord>().Where(p => p.Id == id).SingleOrDefaultAsync();
        if (person is null) return (null, Refused(AdminRefusal.NotFound, $"There is no person {id}."));
        if (!await Managed(db, admin).AnyAsync(p => p.Id == id))
            return (null, Refused(AdminRefusal.Forbidden, $"{person.DisplayName} ({person.Username}) is not staff of your street {admin.AreaStreet}; a district administrator manages him."));
        return (person, null);
    }

    // ---- reads ------------------------------------------------------------------------------------------

    public async Task<(PeoplePage? Page, AdminOutcome? Refusal)> ListAsync(Viewer viewer, PeopleQuery query)
    {
        if (Gate(viewer) is { } no) return (null, no);
        var size = Math.Clamp(query.PageSize, 1, 200);
        var page = Math.Max(0, query.Page);
        await using var db = await contexts.CreateDbContextAsync();
        var people = Managed(db, viewer);
        if (!query.IncludeInactive) people = people.Where(p => p.DeactivatedAt == null);
        if (!string.IsNullOrWhiteSpace(query.Text))
        {
            var like = "%" + query.Text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
            people = people.Where(p => EF.Functions.ILike(p.DisplayName, like) || EF.Functions.ILike(p.Username, like)
                || (p.Phone != null && EF.Functions.ILike(p.Phone, like)));
        }
        if (!string.IsNullOrWhiteSpace(query.Role))
        {
            var role = query.Role;
            people = people.Where(p => db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == role));
        }
        var total = await people.CountAsync();
        var ids = await people.OrderBy(p => p.Username).Skip(page * size).Take(size).Select(p => p.Id).ToListAsync();
        return (new PeoplePage(await RowsAsync(db, ids), total), null);
    }

    public async Task<(PersonRow? Person, AdminOutcome? Refusal)> GetAsync(Viewer viewer, Guid id)
    {
        if (Gate(viewer) is { } no) return (null, no);
        await using var db = await contexts.CreateDbContextAsync();
        var (person, refusal) = await LoadManagedAsync(db, viewer, id);
        return person is null ? (null, refusal) : ((await RowsAsync(db, [id]))[0], null);
    }

    /// <summary>Every person the administrator manages, for the export (same columns as the import).</summary>
    public async Task<(IReadOnlyList<PersonRow>? Rows, AdminOutcome? Refusal)> ExportAsync(Viewer viewer)
    {
        if (Gate(viewer) is { } no) return (null, no);
        await using var db = await contexts.CreateDbContextAsync();
        var ids = await Managed(db, viewer).OrderBy(p => p.Username).Select(p => p.Id).ToListAsync();
        return (await RowsAsync(db, ids), null);
    }

    /// <summary>The staff of a unit (people with the unit_staff role whose unit it is, deactivated ones too) that the administrator manages.</summary>
    public async Task<IReadOnlyList<PersonRow>> UnitMembersAsync(Viewer viewer, string unitId)
    {
        if (!viewer.Has(Role.Admin)) return [];
        await using var db = await contexts.CreateDbContextAsync();
        var staff = Role.UnitStaff.ToCode();
        var ids = await Managed(db, viewer).Where(p => p.UnitId == unitId && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == staff))
            .OrderBy(p => p.DeactivatedAt != null).ThenBy(p => p.Username).Select(p => p.Id).Take(500).ToListAsync();
        return await RowsAsync(db, ids);
    }

    public async Task<PeopleChoices> ChoicesAsync(Viewer viewer)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var streets = db.Set<StreetRecord>().AsQueryable();
        if (viewer.AreaStreet is { } s) streets = streets.Where(x => x.Code == s);
        var communities = db.Set<CommunityRecord>().AsQueryable();
        if (viewer.AreaStreet is { } own) communities = communities.Where(x => x.StreetCode == own);
        return new PeopleChoices(
            await streets.OrderBy(x => x.Code).Select(x => new Choice(x.Code, x.Name)).ToListAsync(),
            await db.Set<UnitRecord>().Where(u => u.DeactivatedAt == null).OrderBy(u => u.Id).Select(u => new Choice(u.Id, u.NameZh)).ToListAsync(),
            viewer.AreaStreet is null, await communities.OrderBy(x => x.Code).Select(x => new Choice(x.Code, x.Name)).Take(2000).ToListAsync());
    }

    private static async Task<List<PersonRow>> RowsAsync(GridDbContext db, IReadOnlyCollection<Guid> ids)
    {
        var idArray = ids.ToArray();
        var people = await db.Set<PersonRecord>().Where(p => idArray.Contains(p.Id)).ToListAsync();
        var roles = (await db.Set<PersonRoleRecord>().Where(r => idArray.Contains(r.PersonId)).ToListAsync()).ToLookup(r => r.PersonId);
        var posts = (await db.Set<CellStaffRecord>().Where(s => idArray.Contains(s.PersonId)).ToListAsync()).ToLookup(s => s.PersonId);
        var byId = people.ToDictionary(p => p.Id);
        return idArray.Where(byId.ContainsKey).Select(id =>
        {
            var p = byId[id];
            return new PersonRow(p.Id, p.Username, p.DisplayName, p.Phone,
                roles[id].Select(r => r.Role).OrderBy(RoleOrder).ToList(), p.StreetCode, p.UnitId,
                posts[id].Select(s => s.CellCode).Distinct().Order(StringComparer.Ordinal).ToList(),
                p.OnDuty, p.DeactivatedAt is null, p.MustChangePassword, p.Version, p.CommunityCode);
        }).ToList();
    }

    private static int RoleOrder(string code) => Roles.TryParse(code, out var r) ? (int)r : 99;

    // ---- validation --------------------------------------------------------------------------------------

    /// <summary>The form's field errors for this administrator; empty when it can be saved.</summary>
    private static async Task<Dictionary<string, List<string>>> ValidateAsync(GridDbContext db, Viewer admin, PersonForm form, Guid? editing,
        IReadOnlyCollection<string>? heldPostRoles)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }
        foreach (var (field, text) in new[] { ("username", form.Username), ("displayName", form.DisplayName), ("phone", form.Phone),
                     ("streetCode", form.StreetCode), ("communityCode", form.CommunityCode), ("unitId", form.UnitId), ("password", form.Password) })
        {
            if (InputGuard.BadCharacter(text) is { } bad) Add(field, $"'{field}' contains {bad}; remove it.");
        }
        if (errors.Count > 0) return errors;

        if (editing is null)
        {
            var username = form.Username?.Trim().ToLowerInvariant();
            if (string.IsNullOrEmpty(username)) Add("username", "Enter a username (2 to 64 of a-z, 0-9, '.', '_', '-').");
            else if (!UsernamePattern.IsMatch(username)) Add("username", $"The username '{Shown(username)}' may use only a-z, 0-9, '.', '_' and '-', 2 to 64 of them.");
            else if (await db.Set<PersonRecord>().AnyAsync(p => p.Username == username)) Add("username", $"The username '{username}' is taken; choose another.");
            if (form.Password is { Length: > 0 } pw && pw.Length < MinPasswordLength)
                Add("password", $"The first password needs at least {MinPasswordLength} characters (or leave it empty and reset it later).");
            if (form.Password is { Length: > 200 }) Add("password", "The password is longer than 200 characters.");
        }
        var name = form.DisplayName?.Trim();
        if (string.IsNullOrEmpty(name)) Add("displayName", "Enter the person's name.");
        else if (name.Length > 100) Add("displayName", $"The name is {name.Length} characters long; at most 100 are allowed.");

        var phone = NormalPhone(form.Phone);
        if (phone is not null)
        {
            if (!PhonePattern.IsMatch(phone)) Add("phone", $"'{Shown(phone)}' is not a phone number (digits, optionally '+' and '-', 5 to 20 of them).");
            else if (await db.Set<PersonRecord>().Where(p => p.Phone == phone && p.DeactivatedAt == null && p.Id != editing)
                         .Select(p => p.Username).FirstOrDefaultAsync() is { } holder)
                Add("phone", $"The phone {phone} is already {holder}'s; each person needs his own number.");
        }

        var roles = new List<Role>();
        if (form.Roles.Count == 0) Add("roles", "Give the person at least one role.");
        foreach (var code in form.Roles.Distinct())
        {
            if (Roles.TryParse(code, out var role)) roles.Add(role);
            else Add("roles", $"'{Shown(code)}' is no role; use one of {string.Join(", ", Enum.GetValues<Role>().Select(r => r.ToCode()))}.");
        }
        // A street administrator gives nobody the admin role, but saves an administrator of his street (himself
        // included) who has it already, as the import takes such a row.
        var alreadyAdmin = editing is { } edited
            && await db.Set<PersonRoleRecord>().AnyAsync(r => r.PersonId == edited && r.Role == Role.Admin.ToCode());
        if (roles.Contains(Role.Admin) && admin.AreaStreet is not null && !alreadyAdmin)
            Add("roles", "Only a district administrator gives the admin role.");
        if (heldPostRoles is not null)
        {
            foreach (var held in heldPostRoles.Where(h => !form.Roles.Contains(h)).Distinct())
                Add("roles", $"He still holds {held} posts; give those posts to someone else on the posts page before taking the role away.");
        }

        var (street, community) = Area(form);
        if (community is not null)
        {
            // A community narrows an area-wide role; cell staff get their cells through posts, and administrators keep a street or the district.
            if (!roles.Any(Roles.AreaWide.Contains))
                Add("communityCode", "A community limits an area-wide role (operator, shift lead, dispatcher, supervisor); cell staff get their cells through their posts on the posts page.");
            else if (roles.Contains(Role.Admin))
                Add("communityCode", "An administrator manages a street or the whole district, not one community; leave the community empty.");
            var communityStreet = await db.Set<CommunityRecord>().Where(c => c.Code == community).Select(c => c.StreetCode).FirstOrDefaultAsync();
            if (communityStreet is null) Add("communityCode", $"There is no community {Shown(community)}.");
            else if (communityStreet != street) Add("communityCode", $"Community {community} is in street {communityStreet}, not in street {street}; choose one of street {street}'s communities or another street.");
        }
        if (street is not null && !await db.Set<StreetRecord>().AnyAsync(s => s.Code == street))
            Add("streetCode", $"There is no street {Shown(street)}.");
        if (admin.AreaStreet is { } own && street != own && !(editing is not null && street is null && heldPostRoles is { Count: > 0 }))
            Add("streetCode", $"You manage street {own} only; the person's street must be {own}.");

        var unit = Blank(form.UnitId);
        if (unit is not null)
        {
            var known = await db.Set<UnitRecord>().Where(u => u.Id == unit).Select(u => new { u.NameZh, Active = u.DeactivatedAt == null }).FirstOrDefaultAsync();
            if (known is null) Add("unitId", $"There is no responsible unit '{Shown(unit)}'.");
            // A deactivated unit takes no new staff; those who were its staff may stay (history), so an unchanged unit passes.
            else if (!known.Active && !(editing is { } who && await db.Set<PersonRecord>().AnyAsync(p => p.Id == who && p.UnitId == unit)))
                Add("unitId", $"{known.NameZh} is deactivated; choose an active unit, or reactivate it on the units page.");
        }
        if (roles.Contains(Role.UnitStaff) && unit is null) Add("unitId", "Unit staff need their responsible unit.");
        return errors;
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The street and community of the form: a community alone brings its street (its code's first 9 digits).</summary>
    private static (string? Street, string? Community) Area(PersonForm form)
    {
        var community = Blank(form.CommunityCode);
        var street = Blank(form.StreetCode) ?? (community is { Length: 12 } ? community[..9] : null);
        return (street, community);
    }

    private static string? NormalPhone(string? phone) => Blank(phone)?.Replace(" ", "");

    private static string Shown(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static IReadOnlyDictionary<string, string[]> ToFields(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

    private static string Summary(Dictionary<string, List<string>> errors) => string.Join(" ", errors.Values.SelectMany(v => v));

    // ---- writes ------------------------------------------------------------------------------------------

    public async Task<AdminOutcome> CreateAsync(Viewer viewer, PersonForm form)
    {
        if (Gate(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        var errors = await ValidateAsync(db, viewer, form, null, null);
        if (errors.Count > 0) return Refused(AdminRefusal.Invalid, Summary(errors), ToFields(errors));
        var now = clock.GetUtcNow();
        var person = new NewPerson(Guid.NewGuid(), form.Username!.Trim().ToLowerInvariant(), form.DisplayName!.Trim(), NormalPhone(form.Phone),
            Passwords.Hash(string.IsNullOrEmpty(form.Password) ? UnknowablePassword() : form.Password), Blank(form.UnitId),
            Area(form).Street, form.OnDuty, now, form.Roles.Distinct().OrderBy(RoleOrder).ToList(), MustChangePassword: true) { CommunityCode = Area(form).Community };
        await using var tx = await db.Database.BeginTransactionAsync();
        try
        {
            await StaffWriter.InsertPeopleAsync((NpgsqlConnection)db.Database.GetDbConnection(), [person], CancellationToken.None);
        }
        catch (PostgresException e) when (UniqueViolation.On(e, "people_username_key"))
        {
            return Refused(AdminRefusal.Conflict, $"Someone created '{person.Username}' a moment ago; choose another username.");
        }
        var after = (await RowsAsync(db, [person.Id]))[0];
        Audit(db, viewer, now, "person_created", person.Id, null, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new AdminOutcome(after);
    }

    public async Task<AdminOutcome> UpdateAsync(Viewer viewer, Guid id, PersonForm form)
    {
        if (Gate(viewer) is { } no) return no;
        if (form.Version is not { } version) return Refused(AdminRefusal.Invalid, "Send the version you edited (from the person as you read him).",
            new Dictionary<string, string[]> { ["version"] = ["Send the version you edited."] });
        await using var db = await contexts.CreateDbContextAsync();
        var (person, refusal) = await LoadManagedAsync(db, viewer, id);
        if (person is null) return refusal!;
        var heldPostRoles = await db.Set<CellStaffRecord>().Where(s => s.PersonId == id).Select(s => s.Role).Distinct().ToListAsync();
        var errors = await ValidateAsync(db, viewer, form, id, heldPostRoles);
        if (errors.Count > 0) return Refused(AdminRefusal.Invalid, Summary(errors), ToFields(errors));
        if (id == viewer.PersonId && !form.Roles.Contains(Role.Admin.ToCode()))
            return Refused(AdminRefusal.Conflict, "You cannot take the admin role from yourself; ask another administrator.");

        var now = clock.GetUtcNow();
        var before = (await RowsAsync(db, [id]))[0];
        await using var tx = await db.Database.BeginTransactionAsync();
        var (name, phone, unit, onDuty) = (form.DisplayName!.Trim(), NormalPhone(form.Phone), Blank(form.UnitId), form.OnDuty);
        var (street, community) = Area(form);
        // The version guard in the UPDATE itself: of two edits from the same version, the second changes no row.
        var changed = await db.Set<PersonRecord>().Where(p => p.Id == id && p.Version == version).ExecuteUpdateAsync(u => u
            .SetProperty(p => p.DisplayName, name).SetProperty(p => p.Phone, phone).SetProperty(p => p.StreetCode, street).SetProperty(p => p.CommunityCode, community)
            .SetProperty(p => p.UnitId, unit).SetProperty(p => p.OnDuty, onDuty).SetProperty(p => p.Version, p => p.Version + 1));
        if (changed == 0)
        {
            await tx.RollbackAsync();
            var current = (await RowsAsync(db, [id]))[0];
            return Refused(AdminRefusal.Conflict,
                $"Someone saved {current.DisplayName} while you were editing (version {version} is now {current.Version}): {Differences(before.Version == version ? before : null, current, form)}. Look at the person as he is now and make your change again.",
                current: current);
        }
        var roles = form.Roles.Distinct().ToList();
        await db.Set<PersonRoleRecord>().Where(r => r.PersonId == id && !roles.Contains(r.Role)).ExecuteDeleteAsync();
        var had = before.Roles.ToHashSet();
        db.AddRange(roles.Where(r => !had.Contains(r)).Select(r => new PersonRoleRecord { PersonId = id, Role = r }));
        await db.SaveChangesAsync();
        // New roles or a new area change what his sessions may see: they end, he signs in again.
        if (!had.SetEquals(roles) || before.StreetCode != street || before.CommunityCode != community || before.UnitId != unit) await stamps.RotateAsync(db, id);
        var after = (await RowsAsync(db, [id]))[0];
        Audit(db, viewer, now, "person_updated", id, before, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new AdminOutcome(after);
    }

    /// <summary>What differs between the person as the form started (or the form itself) and as he is now, for a person to read.</summary>
    private static string Differences(PersonRow? started, PersonRow current, PersonForm form)
    {
        var d = new List<string>();
        if ((started?.DisplayName ?? form.DisplayName) != current.DisplayName) d.Add($"name is now '{current.DisplayName}'");
        if ((started?.Phone ?? form.Phone) != current.Phone) d.Add($"phone is now '{current.Phone}'");
        if ((started?.StreetCode ?? form.StreetCode) != current.StreetCode) d.Add($"street is now '{current.StreetCode}'");
        if ((started?.CommunityCode ?? form.CommunityCode) != current.CommunityCode) d.Add($"community is now '{current.CommunityCode}'");
        if ((started?.UnitId ?? form.UnitId) != current.UnitId) d.Add($"unit is now '{current.UnitId}'");
        if (!(started?.Roles ?? form.Roles).ToHashSet().SetEquals(current.Roles)) d.Add($"roles are now {string.Join(", ", current.Roles)}");
        if ((started?.OnDuty ?? form.OnDuty) != current.OnDuty) d.Add(current.OnDuty ? "he is now on duty" : "he is now off duty");
        if ((started?.Active ?? true) != current.Active) d.Add(current.Active ? "he was reactivated" : "he was deactivated");
        return d.Count == 0 ? "nothing you can see changed" : string.Join("; ", d);
    }

    /// <summary>A deactivated person cannot sign in and every session of his ends; his history stays, his rows are never deleted.</summary>
    public Task<AdminOutcome> DeactivateAsync(Viewer viewer, Guid id)
    {
        var now = clock.GetUtcNow();
        if (id == viewer.PersonId && viewer.Has(Role.Admin))
            return Task.FromResult(Refused(AdminRefusal.Conflict, "You cannot deactivate your own account; ask another administrator."));
        // A second deactivation keeps the first moment.
        return ChangeAsync(viewer, id, "person_deactivated", people => people.ExecuteUpdateAsync(u => u
            .SetProperty(p => p.DeactivatedAt, p => p.DeactivatedAt ?? now).SetProperty(p => p.Version, p => p.Version + 1)));
    }

    public Task<AdminOutcome> ReactivateAsync(Viewer viewer, Guid id) =>
        ChangeAsync(viewer, id, "person_reactivated", people => people.ExecuteUpdateAsync(u => u
            .SetProperty(p => p.DeactivatedAt, (DateTimeOffset?)null).SetProperty(p => p.Version, p => p.Version + 1)));

    /// <summary>An administrator sets a new password; every session of the person ends and he must choose his own at the next sign-in.</summary>
    public Task<AdminOutcome> ResetPasswordAsync(Viewer viewer, Guid id, string? password)
    {
        if (!viewer.Has(Role.Admin)) return Task.FromResult(Refused(AdminRefusal.Forbidden, "Only administrators reset passwords."));
        var errors = new Dictionary<string, string[]>();
        if (password is null || password.Length < MinPasswordLength) errors["password"] = [$"The new password needs at least {MinPasswordLength} characters."];
        else if (password.Length > 200) errors["password"] = [$"'password' is {password.Length} characters long; at most 200 are allowed."];
        if (errors.Count > 0) return Task.FromResult(Refused(AdminRefusal.Invalid, errors["password"][0], errors));
        var hash = Passwords.Hash(password!);
        return ChangeAsync(viewer, id, "password_reset", people => people.ExecuteUpdateAsync(u => u
            .SetProperty(p => p.PasswordHash, hash).SetProperty(p => p.FailedLogins, 0).SetProperty(p => p.LockedUntil, (DateTimeOffset?)null)
            .SetProperty(p => p.MustChangePassword, true).SetProperty(p => p.Version, p => p.Version + 1)));
    }

    /// <summary>One audited account change that also ends the person's sessions, in one transaction.</summary>
    private async Task<AdminOutcome> ChangeAsync(Viewer viewer, Guid id, string action, Func<IQueryable<PersonRecord>, Task<int>> change)
    {
        if (Gate(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        var (person, refusal) = await LoadManagedAsync(db, viewer, id);
        if (person is null) return refusal!;
        var before = (await RowsAsync(db, [id]))[0];
        await using var tx = await db.Database.BeginTransactionAsync();
        if (await change(db.Set<PersonRecord>().Where(p => p.Id == id)) == 0) return Refused(AdminRefusal.NotFound, $"There is no person {id}.");
        await stamps.RotateAsync(db, id);
        var after = (await RowsAsync(db, [id]))[0];
        Audit(db, viewer, clock.GetUtcNow(), action, id, before, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return new AdminOutcome(after);
    }

    private static void Audit(GridDbContext db, Viewer actor, DateTimeOffset now, string action, Guid person, object? before, object? after) =>
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor.PersonId, Action = action, Subject = $"person:{person}",
            Details = JsonSerializer.Serialize(new { before, after }, AuditJson),
        });

    /// <summary>A password nobody knows: the account cannot be used until an administrator resets it.</summary>
    private static string UnknowablePassword() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));

    // ---- import ------------------------------------------------------------------------------------------

    /// <summary>Every row of the file with its problems; nothing is written.</summary>
    public async Task<(ImportPreview? Preview, AdminOutcome? Refusal)> PreviewImportAsync(Viewer viewer, IReadOnlyList<StaffSheet.Row>? rows, string? fileError)
    {
        if (Gate(viewer) is { } no) return (null, no);
        if (fileError is not null || rows is null) return (new ImportPreview([], fileError ?? "The file could not be read.", 0), null);
        await using var db = await contexts.CreateDbContextAsync();
        var (views, _, _, _) = await CheckRowsAsync(db, viewer, rows);
        return (new ImportPreview(views, null, 0), null);
    }

    /// <summary>
    /// Writes every row in one transaction, or (when any row has a problem) nothing at all and the preview.
    /// New people come in through <see cref="StaffWriter"/>, the seeder's path; a row whose username is an
    /// existing person's updates him (name, phone, roles, street, unit), guarded by the version the check read,
    /// audited before and after; cell posts named in the file go to them (an earlier holder is replaced, audited).
    /// Nobody is deleted, deactivated or reactivated by an import, and a post not named is kept.
    /// </summary>
    public async Task<(ImportPreview? Preview, AdminOutcome? Refusal)> ImportAsync(Viewer viewer, IReadOnlyList<StaffSheet.Row>? rows, string? fileError)
    {
        if (Gate(viewer) is { } no) return (null, no);
        if (fileError is not null || rows is null) return (new ImportPreview([], fileError ?? "The file could not be read.", 0), null);
        await using var db = await contexts.CreateDbContextAsync();
        var (views, people, updates, posts) = await CheckRowsAsync(db, viewer, rows);
        var preview = new ImportPreview(views, null, 0);
        if (!preview.Valid) return (preview, null);

        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync();
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        var postKeys = posts.Select(p => p.CellCode + "/" + p.Role).ToList();
        var replaced = await db.Set<CellStaffRecord>().Where(s => postKeys.Contains(s.CellCode + "/" + s.Role)).ToListAsync();
        try
        {
            var stamped = people.Select(p => p with { CreatedAt = now }).ToList();
            await StaffWriter.InsertPeopleAsync(conn, stamped, CancellationToken.None);
        }
        catch (PostgresException e) when (UniqueViolation.On(e, "people_username_key"))
        {
            return (null, Refused(AdminRefusal.Conflict, "Someone created one of these usernames while you were importing; nothing was written. Preview the file again."));
        }
        foreach (var u in updates)
        {
            // The version the preview read: a person saved by someone else since changes no row, and the whole import is undone.
            var changed = await db.Set<PersonRecord>().Where(p => p.Id == u.Before.Id && p.Version == u.Before.Version && p.DeactivatedAt == null)
                .ExecuteUpdateAsync(x => x
                    .SetProperty(p => p.DisplayName, u.Name).SetProperty(p => p.Phone, u.Phone).SetProperty(p => p.StreetCode, u.Street)
                    .SetProperty(p => p.CommunityCode, u.Community).SetProperty(p => p.UnitId, u.Unit).SetProperty(p => p.Version, p => p.Version + 1));
            if (changed == 0)
            {
                await tx.RollbackAsync();
                return (null, Refused(AdminRefusal.Conflict,
                    $"{u.Before.DisplayName} ({u.Before.Username}) was changed by someone else while you were importing; nothing was written. Preview the file again to see him as he is now."));
            }
            var roles = u.Roles;
            await db.Set<PersonRoleRecord>().Where(r => r.PersonId == u.Before.Id && !roles.Contains(r.Role)).ExecuteDeleteAsync();
            var had = u.Before.Roles.ToHashSet();
            db.AddRange(roles.Where(r => !had.Contains(r)).Select(r => new PersonRoleRecord { PersonId = u.Before.Id, Role = r }));
            await db.SaveChangesAsync();
            // New roles or a new area change what his sessions may see: they end, he signs in again (as after an edit on the page).
            if (!had.SetEquals(roles) || u.Before.StreetCode != u.Street || u.Before.CommunityCode != u.Community || u.Before.UnitId != u.Unit)
                await stamps.RotateAsync(db, u.Before.Id);
        }
        await StaffWriter.AssignPostsAsync(conn, posts, CancellationToken.None);
        var created = await RowsAsync(db, people.Select(p => p.Id).ToList());
        foreach (var row in created) Audit(db, viewer, now, "person_created", row.Id, null, row);
        var updated = (await RowsAsync(db, updates.Select(u => u.Before.Id).ToList())).ToDictionary(r => r.Id);
        foreach (var u in updates) Audit(db, viewer, now, "person_updated", u.Before.Id, u.Before, updated[u.Before.Id]);
        foreach (var post in posts)
        {
            var old = replaced.FirstOrDefault(r => r.CellCode == post.CellCode && r.Role == post.Role);
            db.Add(new AuditLogRecord
            {
                At = now, ActorId = viewer.PersonId, Action = "post_assigned", Subject = $"cell:{post.CellCode}",
                Details = JsonSerializer.Serialize(new
                {
                    before = old is null ? null : new { post = post.Role, personId = (Guid?)old.PersonId },
                    after = new { post = post.Role, personId = (Guid?)post.PersonId },
                    via = "import",
                }, AuditJson),
            });
        }
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return (preview with { Written = people.Count + updates.Count }, null);
    }

    /// <summary>An existing person as a row of the file will leave him (checked against <see cref="Before"/>'s version when written).</summary>
    private sealed record PlannedUpdate(PersonRow Before, string Name, string? Phone, string? Street, string? Community, string? Unit, List<string> Roles);

    /// <summary>
    /// Every row's problems, and what would be written: new people, updates of existing ones (matched by username, the
    /// staff id the export writes and the person signs in with), posts. A phone is no key: it is one person's
    /// (duplicates refused), and a person's number changes.
    /// </summary>
    private async Task<(List<ImportRowView> Views, List<NewPerson> People, List<PlannedUpdate> Updates, List<PostHolder> Posts)> CheckRowsAsync(
        GridDbContext db, Viewer admin, IReadOnlyList<StaffSheet.Row> rows)
    {
        var usernames = rows.Select(r => r.Username.Trim().ToLowerInvariant()).Where(u => u.Length > 0).Distinct().ToList();
        var phones = rows.Select(r => NormalPhone(r.Phone)).OfType<string>().Distinct().ToList();
        var cellCodes = rows.SelectMany(r => StaffSheet.Split(r.Cells)).Distinct().ToList();
        var existingIds = await db.Set<PersonRecord>().Where(p => usernames.Contains(p.Username)).Select(p => p.Id).ToListAsync();
        var existing = (await RowsAsync(db, existingIds)).ToDictionary(p => p.Username);
        var managed = (await Managed(db, admin).Where(p => existingIds.Contains(p.Id)).Select(p => p.Id).ToListAsync()).ToHashSet();
        var heldPosts = (await db.Set<CellStaffRecord>().Where(s => existingIds.Contains(s.PersonId)).ToListAsync())
            .ToLookup(s => s.PersonId, s => (s.CellCode, s.Role));
        var takenPhones = (await db.Set<PersonRecord>().Where(p => p.Phone != null && phones.Contains(p.Phone) && p.DeactivatedAt == null)
            .Select(p => new { Phone = p.Phone!, p.Username }).ToListAsync()).GroupBy(p => p.Phone).ToDictionary(g => g.Key, g => g.First().Username);
        var cells = (await db.Set<GridCellRecord>().Where(c => cellCodes.Contains(c.Code)).Select(c => c.Code).ToListAsync()).ToHashSet();
        var streets = (await db.Set<StreetRecord>().Select(s => s.Code).ToListAsync()).ToHashSet();
        var units = (await db.Set<UnitRecord>().Select(u => u.Id).ToListAsync()).ToHashSet();
        // The communities the file names, and those of its streets (an unknown or misplaced code is answered with the street's list).
        var communityCodes = rows.Select(r => Blank(r.CommunityCode)).OfType<string>().Distinct().ToList();
        var rowStreets = rows.Select(r => Blank(r.StreetCode)).OfType<string>().Append(admin.AreaStreet ?? "")
            .Concat(communityCodes.Where(c => c.Length >= 9).Select(c => c[..9])).Distinct().ToList();
        var communities = (await db.Set<CommunityRecord>().AsNoTracking().Where(c => communityCodes.Contains(c.Code) || rowStreets.Contains(c.StreetCode))
            .OrderBy(c => c.Code).ToListAsync()).ToDictionary(c => c.Code);
        var namesInFile = rows.GroupBy(r => r.Username.Trim().ToLowerInvariant()).Where(g => g.Key.Length > 0 && g.Count() > 1)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Line).ToList());
        var phonesInFile = rows.Where(r => NormalPhone(r.Phone) is not null).GroupBy(r => NormalPhone(r.Phone)!).Where(g => g.Count() > 1)
            .ToDictionary(g => g.Key, g => g.Select(r => r.Line).ToList());
        var postsInFile = new Dictionary<(string Cell, string Role), int>();

        var views = new List<ImportRowView>();
        var people = new List<NewPerson>();
        var passwords = new List<string?>();
        var updates = new List<PlannedUpdate>();
        var posts = new List<PostHolder>();
        foreach (var row in rows)
        {
            var problems = new List<string>();
            foreach (var text in new[] { row.Username, row.DisplayName, row.Phone, row.Roles, row.StreetCode, row.CommunityCode, row.UnitId, row.Cells, row.Password })
            {
                if (InputGuard.BadCharacter(text) is { } bad) problems.Add($"A field contains {bad}; remove it.");
            }
            var username = row.Username.Trim().ToLowerInvariant();
            if (username.Length == 0) problems.Add("The username is missing.");
            else if (!UsernamePattern.IsMatch(username)) problems.Add($"The username '{Shown(username)}' may use only a-z, 0-9, '.', '_' and '-', 2 to 64 of them.");
            var before = existing.GetValueOrDefault(username);
            if (before is not null && !managed.Contains(before.Id))
                problems.Add($"{before.DisplayName} ({username}) is not staff of your street {admin.AreaStreet}; a district administrator manages him.");
            if (namesInFile.TryGetValue(username, out var sameName)) problems.Add($"The username '{username}' is on lines {string.Join(", ", sameName)}.");
            var name = row.DisplayName.Trim();
            if (name.Length == 0) problems.Add("The name is missing.");
            else if (name.Length > 100) problems.Add($"The name is {name.Length} characters long; at most 100 are allowed.");
            var phone = NormalPhone(row.Phone);
            if (phone is not null)
            {
                if (!PhonePattern.IsMatch(phone)) problems.Add($"'{Shown(phone)}' is not a phone number.");
                if (takenPhones.TryGetValue(phone, out var holder) && holder != username) problems.Add($"Duplicate phone: {phone} is already {holder}'s.");
                if (phonesInFile.TryGetValue(phone, out var samePhone)) problems.Add($"Duplicate phone: {phone} is on lines {string.Join(", ", samePhone)}.");
            }
            var roles = new List<Role>();
            var roleWords = StaffSheet.Split(row.Roles);
            if (roleWords.Count == 0) problems.Add("The role is missing.");
            foreach (var word in roleWords)
            {
                if (StaffSheet.ParseRole(word) is { } r) roles.Add(r);
                else problems.Add($"Unknown role '{Shown(word)}'; use a code such as grid_head or a name such as 网格长.");
            }
            // An administrator's own row, as the export writes it, comes back unchanged; changing an administrator is a district matter.
            var wasAdmin = before?.Roles.Contains(Role.Admin.ToCode()) == true;
            if (roles.Contains(Role.Admin) && admin.AreaStreet is not null && !wasAdmin) problems.Add("Only a district administrator gives the admin role.");
            var street = Blank(row.StreetCode);
            if (street is not null && !streets.Contains(street)) problems.Add($"Unknown street code '{Shown(street)}'.");
            // No community column at all (a file from before it existed): the person keeps his.
            var community = row.CommunityCode is null ? before?.CommunityCode : Blank(row.CommunityCode);
            if (community is not null)
            {
                if (!communities.TryGetValue(community, out var known))
                    problems.Add($"Unknown community code '{Shown(community)}'; {CommunitiesOf(street ?? admin.AreaStreet, communities.Values)}");
                else
                {
                    street ??= known.StreetCode; // a community alone brings its street
                    if (known.StreetCode != street)
                        problems.Add($"Community {community} ({known.Name}) is in street {known.StreetCode}, not in street {street}; {CommunitiesOf(street, communities.Values)}");
                }
                if (!roles.Any(Roles.AreaWide.Contains))
                    problems.Add("A community narrows an area-wide role (operator, shift_lead, dispatcher, supervisor); leave it empty for cell and unit staff (cell staff get their cells through their posts).");
                else if (roles.Contains(Role.Admin))
                    problems.Add("An administrator manages a street or the whole district, not one community; leave the community empty.");
            }
            if (admin.AreaStreet is { } own)
            {
                if (street is not null && street != own) problems.Add($"You manage street {own} only; street {Shown(street)} is not yours.");
                // A person of his street by his posts alone keeps no street; a new one gets the administrator's.
                street ??= before is null ? own : before.StreetCode;
            }
            var unit = Blank(row.UnitId);
            if (unit is not null && !units.Contains(unit)) problems.Add($"Unknown responsible unit '{Shown(unit)}'.");
            if (roles.Contains(Role.UnitStaff) && unit is null) problems.Add("Unit staff need their responsible unit.");
            var cellRoles = roles.Where(Roles.CellScoped.Contains).ToList();
            var rowCells = StaffSheet.Split(row.Cells);
            if (rowCells.Count > 0 && cellRoles.Count == 0) problems.Add("Cells are given, but none of the roles is a cell post (grid_head ... liaison).");
            foreach (var cell in rowCells)
            {
                if (!cells.Contains(cell)) { problems.Add($"Unknown cell code '{Shown(cell)}'."); continue; }
                if (admin.AreaStreet is { } s && !cell.StartsWith(s, StringComparison.Ordinal)) problems.Add($"Cell {cell} is not in your street {s}.");
                foreach (var role in cellRoles)
                {
                    if (postsInFile.TryGetValue((cell, role.ToCode()), out var line))
                        problems.Add($"The {role.ToCode()} post of cell {cell} is also given on line {line}; a post has one holder.");
                    else postsInFile[(cell, role.ToCode())] = row.Line;
                }
            }
            var password = row.Password ?? "";
            if (password.Length > 0 && password.Length < MinPasswordLength) problems.Add($"The first password needs at least {MinPasswordLength} characters (or leave it empty).");
            if (password.Length > 200) problems.Add("The password is longer than 200 characters.");
            var roleCodes = roles.Distinct().OrderBy(r => (int)r).Select(r => r.ToCode()).ToList();
            var rowPosts = rowCells.SelectMany(c => cellRoles.Select(r => (Cell: c, Role: r.ToCode()))).ToList();

            var status = ImportRowView.New;
            var changes = new List<string>();
            if (before is not null)
            {
                var held = heldPosts[before.Id].ToList();
                changes = Changes(before, name, phone, roleCodes, street, community, unit, rowPosts.Where(p => !held.Contains(p)).ToList());
                status = changes.Count == 0 ? ImportRowView.Unchanged : ImportRowView.Changed;
                if (wasAdmin && admin.AreaStreet is not null && changes.Count > 0)
                    problems.Add($"{username} is an administrator; only a district administrator changes administrators. Leave his row as the export wrote it.");
                if (password.Length > 0)
                    problems.Add($"{username} exists: an import sets the first password of new people only; reset his password on the people page.");
                foreach (var post in held.Where(h => !roleCodes.Contains(h.Role)).Select(h => h.Role).Distinct())
                    problems.Add($"{username} still holds {post} posts; give those posts to someone else on the posts page before taking the role away.");
                if (before.Id == admin.PersonId && !roleCodes.Contains(Role.Admin.ToCode()))
                    problems.Add("You cannot take the admin role from yourself; ask another administrator.");
                // Never silently: a deactivated person stays as he is; only the people page reactivates him.
                if (!before.Active && changes.Count > 0)
                    problems.Add($"{username} is deactivated: an import neither changes nor reactivates him. Reactivate him on the people page first, or leave his row as it is.");
            }

            views.Add(new ImportRowView(row.Line, username, name, phone, string.Join(",", roleCodes), street, unit,
                string.Join(";", rowCells), problems, status, changes, community));
            if (problems.Count > 0) continue;
            var id = before?.Id ?? Guid.NewGuid();
            if (before is null)
            {
                people.Add(new NewPerson(id, username, name, phone, "", unit, street, OnDuty: true, default, roleCodes, MustChangePassword: true)
                    { CommunityCode = community });
                passwords.Add(row.Password);
            }
            else if (changes.Count > 0)
            {
                updates.Add(new PlannedUpdate(before, name, phone, street, community, unit, roleCodes));
            }
            var heldNow = before is null ? new HashSet<(string, string)>() : heldPosts[before.Id].ToHashSet();
            posts.AddRange(rowPosts.Where(p => !heldNow.Contains(p)).Select(p => new PostHolder(p.Cell, p.Role, id)));
        }
        // Hashing is slow on purpose (PBKDF2): done only when every row is valid and will be written.
        // Rows without a password share one hash of a secret nobody keeps: those accounts wait for a reset.
        if (views.All(v => v.Problems.Count == 0))
        {
            var unknowable = Passwords.Hash(UnknowablePassword());
            for (var i = 0; i < people.Count; i++)
            {
                var pw = passwords[i];
                people[i] = people[i] with { PasswordHash = string.IsNullOrEmpty(pw) ? unknowable : Passwords.Hash(pw) };
            }
        }
        return (views, people, updates, posts);
    }

    /// <summary>What to write instead of a community code that does not fit: the street's communities (the first ten), or how a code is made.</summary>
    private static string CommunitiesOf(string? street, IEnumerable<CommunityRecord> known)
    {
        var own = street is null ? [] : known.Where(c => c.StreetCode == street).ToList();
        if (own.Count == 0)
            return "a community code is 12 digits (its street's 9 and 3 of its own); the people page's form lists them. Or leave it empty for the whole street.";
        var listed = string.Join(", ", own.Take(10).Select(c => $"{c.Code} ({c.Name})")) + (own.Count > 10 ? $" and {own.Count - 10} more" : "");
        return $"street {street}'s communities are {listed}. Or leave it empty for the whole street.";
    }

    /// <summary>What a row changes of an existing person, each "what: before → after" (empty: unchanged).</summary>
    private static List<string> Changes(PersonRow before, string name, string? phone, IReadOnlyList<string> roles, string? street, string? community,
        string? unit, IReadOnlyList<(string Cell, string Role)> newPosts)
    {
        static string Or(string? s) => string.IsNullOrEmpty(s) ? "—" : s;
        var d = new List<string>();
        if (before.DisplayName != name) d.Add($"name: {before.DisplayName} → {name}");
        if (before.Phone != phone) d.Add($"phone: {Or(before.Phone)} → {Or(phone)}");
        if (!before.Roles.ToHashSet().SetEquals(roles)) d.Add($"roles: {string.Join(",", before.Roles)} → {string.Join(",", roles)}");
        if (before.StreetCode != street) d.Add($"street: {Or(before.StreetCode)} → {Or(street)}");
        if (before.CommunityCode != community) d.Add($"community: {Or(before.CommunityCode)} → {Or(community)}");
        if (before.UnitId != unit) d.Add($"unit: {Or(before.UnitId)} → {Or(unit)}");
        d.AddRange(newPosts.Select(p => $"post: + {p.Role} of cell {p.Cell}"));
        return d;
    }
}
