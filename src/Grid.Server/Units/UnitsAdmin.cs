using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Staff;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Grid.Server.Units;

/// <summary>
/// Responsible units (责任单位) as the administrators' console keeps them (issue 11): list, create, edit,
/// deactivate and reactivate (never delete: cases, categories and people name a unit, and history keeps its
/// name), and the unit's staff. Used by /admin/units, /api/admin/units and the demo seeder (<see cref="InsertAsync"/>).
/// Scope: a unit serves the whole district (no street; only district administrators manage it) or belongs to
/// one street (that street's administrators manage it too). A street administrator lists and reads only his
/// street's units; everything else by id answers 403. Staff are written only through <see cref="PeopleAdmin"/>
/// (the person's unit and his unit_staff role), with its checks, its version guard and its audit.
/// </summary>
public sealed partial class UnitsAdmin(IDbContextFactory<GridDbContext> contexts, PeopleAdmin people, TimeProvider clock)
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web);

    [GeneratedRegex("^[a-z][a-z0-9_]{1,39}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9-]{4,19}$")]
    private static partial Regex PhonePattern();

    private static bool Manages(Viewer admin, string? unitStreet) => admin.AreaStreet is not { } own || unitStreet == own;

    private static IQueryable<UnitRecord> Managed(GridDbContext db, Viewer admin)
    {
        var units = db.Set<UnitRecord>().AsQueryable();
        return admin.AreaStreet is { } own ? units.Where(u => u.StreetCode == own) : units;
    }

    private static AdminResult<T>? Gate<T>(Viewer viewer) =>
        viewer.Has(Role.Admin) ? null : AdminResult<T>.Forbidden("Only administrators manage responsible units.");

    /// <summary>The unit by id for the administrator: 404 when there is none, 403 when it is not his to manage.</summary>
    private static async Task<(UnitRecord? Unit, string? Error, int Status)> LoadManagedAsync(GridDbContext db, Viewer admin, string id)
    {
        var unit = await db.Set<UnitRecord>().AsNoTracking().SingleOrDefaultAsync(u => u.Id == id);
        if (unit is null) return (null, $"There is no responsible unit '{Shown(id)}'.", 404);
        if (!Manages(admin, unit.StreetCode))
        {
            return (null, unit.StreetCode is null
                ? $"{unit.NameZh} ({unit.Id}) serves the whole district; a district administrator manages it and its staff."
                : $"{unit.NameZh} ({unit.Id}) belongs to street {unit.StreetCode}, not to your street {admin.AreaStreet}.", 403);
        }
        return (unit, null, 200);
    }

    private static AdminResult<T> Refusal<T>(string error, int status) =>
        status == 404 ? AdminResult<T>.NotFound(error) : AdminResult<T>.Forbidden(error);

    // ---- reads ------------------------------------------------------------------------------------------

    public async Task<(IReadOnlyList<UnitItem>? Units, AdminResult<UnitItem>? Refusal)> ListAsync(Viewer viewer, bool includeInactive)
    {
        if (Gate<UnitItem>(viewer) is { } no) return (null, no);
        await using var db = await contexts.CreateDbContextAsync();
        var units = Managed(db, viewer);
        if (!includeInactive) units = units.Where(u => u.DeactivatedAt == null);
        return (await ItemsAsync(db, units.OrderBy(u => u.DeactivatedAt != null).ThenBy(u => u.Id)), null);
    }

    public async Task<AdminResult<UnitDetail>> GetAsync(Viewer viewer, string id)
    {
        if (Gate<UnitDetail>(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        var (unit, error, status) = await LoadManagedAsync(db, viewer, id);
        if (unit is null) return Refusal<UnitDetail>(error!, status);
        var item = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == id)))[0];
        return AdminResult<UnitDetail>.Success(new UnitDetail(item, await people.UnitMembersAsync(viewer, id)));
    }

    public async Task<UnitChoices> ChoicesAsync(Viewer viewer)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var streets = db.Set<StreetRecord>().AsQueryable();
        if (viewer.AreaStreet is { } s) streets = streets.Where(x => x.Code == s);
        return new UnitChoices(await streets.OrderBy(x => x.Code).Select(x => new Choice(x.Code, x.Name)).ToListAsync(), viewer.AreaStreet is null);
    }

    private static async Task<List<UnitItem>> ItemsAsync(GridDbContext db, IQueryable<UnitRecord> units)
    {
        var rows = await units.Select(u => new
        {
            u.Id, u.NameZh, u.NameEn, u.Phone, u.StreetCode, Active = u.DeactivatedAt == null, u.Version, u.UpdatedAt,
            StreetName = db.Set<StreetRecord>().Where(s => s.Code == u.StreetCode).Select(s => s.Name).FirstOrDefault(),
            Members = db.Set<PersonRecord>().Count(p => p.UnitId == u.Id && p.DeactivatedAt == null
                && db.Set<PersonRoleRecord>().Any(r => r.PersonId == p.Id && r.Role == "unit_staff")),
        }).ToListAsync();
        var ids = rows.Select(r => r.Id).ToArray();
        var defaults = (await db.Set<CategoryRecord>().Where(c => ids.Contains(c.DefaultUnitId)).OrderBy(c => c.Code)
            .Select(c => new { c.DefaultUnitId, c.Code }).ToListAsync()).ToLookup(c => c.DefaultUnitId, c => c.Code);
        return rows.Select(r => new UnitItem(r.Id, r.NameZh, r.NameEn, r.Phone, r.StreetCode, r.Active, r.Version, r.UpdatedAt,
            defaults[r.Id].ToList(), r.Members, r.StreetName)).ToList();
    }

    // ---- validation --------------------------------------------------------------------------------------

    /// <summary>A checked unit, ready to be written.</summary>
    public sealed record Valid(string Id, string NameZh, string NameEn, string? Phone, string? StreetCode);

    /// <summary>The form's field errors for this administrator (keys are the JSON field names); empty when it can be saved.</summary>
    private static async Task<(Valid? Unit, Dictionary<string, string[]> Errors)> ValidateAsync(GridDbContext db, Viewer admin, UnitInput? input, string? editing)
    {
        if (input is null) return (null, new() { ["body"] = ["Send the unit as JSON: id, nameZh, nameEn, phone, streetCode (and version to change it)."] });
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var l) ? l : errors[field] = []).Add(message);
        string? Text(string? value, string field, int max)
        {
            var v = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
            if (v is null) return null;
            if (InputGuard.BadCharacter(v) is { } bad) Add(field, $"'{field}' contains {bad}; remove it.");
            else if (v.Any(char.IsControl)) Add(field, $"'{field}' contains line breaks or tabs; write it on one line.");
            if (v.Length > max) Add(field, $"'{field}' is {v.Length} characters long; at most {max} are allowed.");
            return v;
        }

        var id = editing ?? Text(input.Id, "id", 40)?.ToLowerInvariant();
        if (editing is null)
        {
            if (id is null) Add("id", "Enter the unit's id: 2 to 40 of a-z, 0-9 and '_', starting with a letter (e.g. sanitation).");
            else if (!IdPattern().IsMatch(id)) Add("id", $"The id '{Shown(id)}' may use only a-z, 0-9 and '_', 2 to 40 of them, starting with a letter (e.g. street_sanitation).");
            else if (await db.Set<UnitRecord>().Where(u => u.Id == id).Select(u => new { u.NameZh, Active = u.DeactivatedAt == null }).FirstOrDefaultAsync() is { } taken)
                Add("id", taken.Active ? $"The id '{id}' is {taken.NameZh}'s; choose another."
                    : $"The id '{id}' is {taken.NameZh}'s, which is deactivated; reactivate it instead of making a new one, or choose another id.");
        }
        var nameZh = Text(input.NameZh, "nameZh", 100);
        if (nameZh is null) Add("nameZh", "Enter the unit's name (Chinese), e.g. 梁溪区环境卫生管理处.");
        else if (await db.Set<UnitRecord>().Where(u => u.NameZh == nameZh && u.Id != id && u.DeactivatedAt == null).Select(u => u.Id).FirstOrDefaultAsync() is { } same)
            Add("nameZh", $"The unit '{same}' is already called {nameZh}; two units with one name cannot be told apart when dispatching.");
        var nameEn = Text(input.NameEn, "nameEn", 200);
        var phone = Text(input.Phone, "phone", 20)?.Replace(" ", "");
        if (phone is not null && !PhonePattern().IsMatch(phone)) Add("phone", $"'{Shown(phone)}' is not a phone number (digits, optionally '+' and '-', 5 to 20 of them).");
        var street = Text(input.StreetCode, "streetCode", 9);
        if (street is not null && !await db.Set<StreetRecord>().AnyAsync(s => s.Code == street)) Add("streetCode", $"There is no street {Shown(street)}.");
        if (admin.AreaStreet is { } own && street != own)
            Add("streetCode", $"You manage street {own} only; a unit you keep belongs to street {own} (a district administrator keeps the district's units).");
        if (errors.Count > 0) return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        return (new Valid(id!, nameZh!, nameEn ?? nameZh!, phone, street), []);
    }

    private static string Shown(string s) => s.Length > 40 ? s[..40] + "…" : s;

    // ---- writes ------------------------------------------------------------------------------------------

    private const string InsertSql = """
        insert into units (id, name_zh, name_en, phone, street_code, updated_at, updated_by)
        values (@Id, @NameZh, @NameEn, @Phone, @Street, @Now, @Actor)
        on conflict (id) do nothing
        """;

    /// <summary>Writes a new unit inside the caller's transaction (the console and the demo seeder); false when the id exists already.</summary>
    public static async Task<bool> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Valid u, Guid? actor, DateTimeOffset? now, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        cmd.Parameters.AddWithValue("Id", u.Id);
        cmd.Parameters.AddWithValue("NameZh", u.NameZh);
        cmd.Parameters.AddWithValue("NameEn", u.NameEn);
        cmd.Parameters.Add(new NpgsqlParameter("Phone", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)u.Phone ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)u.StreetCode ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("Now", NpgsqlTypes.NpgsqlDbType.TimestampTz) { Value = (object?)now ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter("Actor", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)actor ?? DBNull.Value });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<AdminResult<UnitItem>> CreateAsync(Viewer viewer, UnitInput? input)
    {
        if (Gate<UnitItem>(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        var (unit, errors) = await ValidateAsync(db, viewer, input, null);
        if (unit is null) return AdminResult<UnitItem>.Invalid(errors);
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync();
        if (!await InsertAsync((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction(), unit, viewer.PersonId, now))
        {
            await tx.RollbackAsync();
            return AdminResult<UnitItem>.Invalid(new Dictionary<string, string[]> { ["id"] = [$"Someone created the unit '{unit.Id}' a moment ago; choose another id."] });
        }
        var after = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == unit.Id)))[0];
        Audit(db, viewer, now, "unit_created", unit.Id, null, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return AdminResult<UnitItem>.Success(after, 201);
    }

    public async Task<AdminResult<UnitItem>> UpdateAsync(Viewer viewer, string id, UnitInput? input)
    {
        if (Gate<UnitItem>(viewer) is { } no) return no;
        if (input?.Version is not { } version)
            return AdminResult<UnitItem>.Invalid(new Dictionary<string, string[]> { ["version"] = ["Send the version you edited (from the unit as you read it)."] });
        await using var db = await contexts.CreateDbContextAsync();
        var (current, error, status) = await LoadManagedAsync(db, viewer, id);
        if (current is null) return Refusal<UnitItem>(error!, status);
        var (unit, errors) = await ValidateAsync(db, viewer, input, id);
        if (unit is null) return AdminResult<UnitItem>.Invalid(errors);
        var now = clock.GetUtcNow();
        var before = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == id)))[0];
        await using var tx = await db.Database.BeginTransactionAsync();
        // The version guard in the UPDATE itself: of two edits from the same version, the second changes no row.
        var changed = await db.Set<UnitRecord>().Where(u => u.Id == id && u.Version == version).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.NameZh, unit.NameZh).SetProperty(u => u.NameEn, unit.NameEn).SetProperty(u => u.Phone, unit.Phone)
            .SetProperty(u => u.StreetCode, unit.StreetCode).SetProperty(u => u.Version, u => u.Version + 1)
            .SetProperty(u => u.UpdatedAt, now).SetProperty(u => u.UpdatedBy, viewer.PersonId));
        if (changed == 0) return Stale(before, version, input);
        var after = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == id)))[0];
        Audit(db, viewer, now, "unit_updated", id, before, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return AdminResult<UnitItem>.Success(after);
    }

    /// <summary>A deactivated unit is offered nowhere any more (categories, people, dispatch); its name stays on every case and row.</summary>
    public async Task<AdminResult<UnitItem>> DeactivateAsync(Viewer viewer, string id, int? version)
    {
        if (Gate<UnitItem>(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        var defaults = await db.Set<CategoryRecord>().Where(c => c.DefaultUnitId == id).OrderBy(c => c.Code).Select(c => c.Code).ToListAsync();
        return await ChangeStateAsync(db, viewer, id, version, "unit_deactivated", before =>
            // Routing falls back to a category's default unit: a category must never default to a unit that no longer works.
            defaults.Count > 0
                ? $"{before.NameZh} is the default unit of {defaults.Count} categories ({string.Join(", ", defaults.Take(10))}{(defaults.Count > 10 ? ", …" : "")}); give them another default unit on the categories page first."
                : null,
            q => q.Where(u => u.DeactivatedAt == null), (s, now) => s.SetProperty(u => u.DeactivatedAt, now));
    }

    public async Task<AdminResult<UnitItem>> ReactivateAsync(Viewer viewer, string id, int? version)
    {
        if (Gate<UnitItem>(viewer) is { } no) return no;
        await using var db = await contexts.CreateDbContextAsync();
        return await ChangeStateAsync(db, viewer, id, version, "unit_reactivated", _ => null,
            q => q.Where(u => u.DeactivatedAt != null), (s, _) => s.SetProperty(u => u.DeactivatedAt, (DateTimeOffset?)null));
    }

    private async Task<AdminResult<UnitItem>> ChangeStateAsync(GridDbContext db, Viewer viewer, string id, int? version, string action,
        Func<UnitItem, string?> refuse, Func<IQueryable<UnitRecord>, IQueryable<UnitRecord>> from,
        Func<Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<UnitRecord>, DateTimeOffset, Microsoft.EntityFrameworkCore.Query.UpdateSettersBuilder<UnitRecord>> set)
    {
        if (version is not { } v)
            return AdminResult<UnitItem>.Invalid(new Dictionary<string, string[]> { ["version"] = ["Send the version of the unit as you read it."] });
        var (current, error, status) = await LoadManagedAsync(db, viewer, id);
        if (current is null) return Refusal<UnitItem>(error!, status);
        var before = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == id)))[0];
        if (refuse(before) is { } why) return AdminResult<UnitItem>.Conflict(why, before);
        var now = clock.GetUtcNow();
        await using var tx = await db.Database.BeginTransactionAsync();
        var changed = await from(db.Set<UnitRecord>().Where(u => u.Id == id && u.Version == v)).ExecuteUpdateAsync(s =>
            set(s, now).SetProperty(u => u.Version, u => u.Version + 1).SetProperty(u => u.UpdatedAt, now).SetProperty(u => u.UpdatedBy, viewer.PersonId));
        if (changed == 0)
        {
            if (before.Version == v)
                return AdminResult<UnitItem>.Conflict(before.Active ? $"{before.NameZh} is active already." : $"{before.NameZh} is deactivated already.", before);
            return Stale(before, v, null);
        }
        var after = (await ItemsAsync(db, db.Set<UnitRecord>().Where(u => u.Id == id)))[0];
        Audit(db, viewer, now, action, id, before, after);
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return AdminResult<UnitItem>.Success(after);
    }

    /// <summary>The 409 of a change made on an older version: the unit as it is now and, in words, what differs from the form.</summary>
    private static AdminResult<UnitItem> Stale(UnitItem current, int version, UnitInput? form)
    {
        var d = new List<string>();
        if (form is not null)
        {
            if ((form.NameZh?.Trim() ?? "") != current.NameZh) d.Add($"name is now '{current.NameZh}'");
            if (!string.IsNullOrWhiteSpace(form.NameEn) && form.NameEn.Trim() != current.NameEn) d.Add($"English name is now '{current.NameEn}'");
            if ((string.IsNullOrWhiteSpace(form.Phone) ? null : form.Phone.Trim()) != current.Phone) d.Add($"phone is now '{current.Phone}'");
            if ((string.IsNullOrWhiteSpace(form.StreetCode) ? null : form.StreetCode.Trim()) != current.StreetCode)
                d.Add(current.StreetCode is null ? "it now serves the whole district" : $"it now belongs to street {current.StreetCode}");
        }
        if (!current.Active) d.Add("it was deactivated");
        var what = d.Count == 0 ? "nothing you can see differs from your form" : string.Join("; ", d);
        return AdminResult<UnitItem>.Conflict(
            $"Someone changed {current.NameZh} while you were editing (version {version} is now {current.Version}): {what}. Look at the unit as it is now and make your change again.",
            current);
    }

    private static void Audit(GridDbContext db, Viewer actor, DateTimeOffset now, string action, string unit, object? before, object? after) =>
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = actor.PersonId, Action = action, Subject = $"unit:{unit}",
            Details = JsonSerializer.Serialize(new { before, after }, AuditJson),
        });

    // ---- staff -------------------------------------------------------------------------------------------

    public async Task<(IReadOnlyList<PersonRow>? People, AdminResult<UnitItem>? Refusal)> CandidatesAsync(Viewer viewer, string id, string? text)
    {
        if (Gate<UnitItem>(viewer) is { } no) return (null, no);
        await using var db = await contexts.CreateDbContextAsync();
        var (unit, error, status) = await LoadManagedAsync(db, viewer, id);
        if (unit is null) return (null, Refusal<UnitItem>(error!, status));
        var page = await people.ListAsync(viewer, new PeopleQuery(text, null, false, 0, 50));
        return (page.Page?.Rows.Where(p => !(p.UnitId == id && p.Roles.Contains(Role.UnitStaff.ToCode()))).ToList() ?? [], null);
    }

    /// <summary>
    /// Makes the person staff of the unit: his unit becomes this one and he gets the unit_staff role, through
    /// <see cref="PeopleAdmin.UpdateAsync"/> (the people service's checks, version guard, session end and audit).
    /// <paramref name="version"/> is the person's version as the page saw him.
    /// </summary>
    public Task<AdminOutcome> AddMemberAsync(Viewer viewer, string id, Guid? personId, int? version) =>
        MemberChangeAsync(viewer, id, personId, version, joining: true);

    /// <summary>The person stops being staff of the unit: no unit and no unit_staff role (his other roles stay).</summary>
    public Task<AdminOutcome> RemoveMemberAsync(Viewer viewer, string id, Guid? personId, int? version) =>
        MemberChangeAsync(viewer, id, personId, version, joining: false);

    private async Task<AdminOutcome> MemberChangeAsync(Viewer viewer, string id, Guid? personId, int? version, bool joining)
    {
        if (!viewer.Has(Role.Admin)) return PeopleAdmin.Refused(AdminRefusal.Forbidden, "Only administrators manage unit staff.");
        var fields = new Dictionary<string, string[]>();
        if (personId is null) fields["personId"] = ["Name the person (personId)."];
        if (version is null) fields["version"] = ["Send the person's version as you read him."];
        if (fields.Count > 0) return PeopleAdmin.Refused(AdminRefusal.Invalid, string.Join(" ", fields.Values.SelectMany(v => v)), fields);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            var (unit, error, status) = await LoadManagedAsync(db, viewer, id);
            if (unit is null) return PeopleAdmin.Refused(status == 404 ? AdminRefusal.NotFound : AdminRefusal.Forbidden, error!);
            if (joining && unit.DeactivatedAt is not null)
                return PeopleAdmin.Refused(AdminRefusal.Conflict, $"{unit.NameZh} is deactivated; reactivate it before giving it staff.");
        }
        var (person, refusal) = await people.GetAsync(viewer, personId!.Value);
        if (person is null) return refusal!;
        var staff = Role.UnitStaff.ToCode();
        var isMember = person.UnitId == id && person.Roles.Contains(staff);
        if (person.Version != version)
        {
            return PeopleAdmin.Refused(AdminRefusal.Conflict,
                $"Someone changed {person.DisplayName} since you read him (version {version} is now {person.Version}): he is {(isMember ? "" : "not ")}staff of this unit now"
                + (person.UnitId is { } u && u != id ? $" (his unit is {u})" : "") + ". Look at the list again and repeat your change if it is still needed.",
                current: person);
        }
        if (joining == isMember)
            return PeopleAdmin.Refused(AdminRefusal.Conflict, joining ? $"{person.DisplayName} is staff of this unit already." : $"{person.DisplayName} is not staff of this unit.", current: person);
        var form = PersonForm.From(person);
        if (joining)
        {
            form.UnitId = id;
            if (!form.Roles.Contains(staff)) form.Roles.Add(staff);
        }
        else
        {
            form.UnitId = null;
            form.Roles.Remove(staff);
            if (form.Roles.Count == 0)
            {
                var why = $"{person.DisplayName} has no role but unit staff: give him another role on the people page, or deactivate him there, instead of removing him here.";
                return PeopleAdmin.Refused(AdminRefusal.Invalid, why, new Dictionary<string, string[]> { ["roles"] = [why] });
            }
        }
        return await people.UpdateAsync(viewer, person.Id, form);
    }
}
