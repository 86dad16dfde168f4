using System.Text.Json;
using System.Text.RegularExpressions;
using Grid.Domain.People;
using Grid.Domain.Time;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Catalogue;

/// <summary>
/// The one way categories are written: the console, the API and the demo seeder all go through
/// <see cref="Validate"/> and <see cref="InsertAsync"/> / <see cref="UpdateAsync"/>. A changed limit
/// applies to cases dispatched after the change: a dispatch turns the limit into a deadline stored on the
/// case (and dispatch_deadline keeps it for the warning rung), so nothing already dispatched moves.
/// </summary>
public sealed partial class CategoryAdmin(IDbContextFactory<GridDbContext> contexts, CatalogueRepository catalogue)
{
    private const int MaxHours = 2000, MaxDays = 365;

    [GeneratedRegex("^[CE][0-9]{4}$")]
    private static partial Regex CodePattern();

    /// <summary>A checked category, ready to be written.</summary>
    public sealed record Valid(string Code, string Kind, string MajorCode, string MinorCode, string MajorNameZh, string MajorNameEn,
        string NameZh, string NameEn, int LimitValue, string LimitUnit, int UrgentLimitValue, string UrgentLimitUnit,
        string DefaultUnitId, string HandlerRole, bool SelfHandleAllowed, string RegistrationCondition, string ClosingCondition);

    /// <summary>Checks a category; errors name the field and say what to write. <paramref name="hoursPerDay"/> compares
    /// an urgent limit in hours with a normal one in days.</summary>
    public static (Valid? Category, Dictionary<string, string[]> Errors) Validate(CategoryInput? input, IReadOnlySet<string> unitIds, TimeSpan hoursPerDay)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string field, string message) => (errors.TryGetValue(field, out var l) ? l : errors[field] = []).Add(message);
        string Text(string? value, string field, int max, bool required)
        {
            var v = (value ?? "").Trim();
            if (required && v.Length == 0) Add(field, $"'{field}' is required.");
            if (v.Length > max) Add(field, $"'{field}' is {v.Length} characters long; at most {max} are allowed.");
            if (v.Any(char.IsControl)) Add(field, $"'{field}' contains control characters (line breaks, tabs); write it on one line.");
            return v;
        }
        if (input is null) return (null, new() { ["body"] = ["Send the category as JSON: code, nameZh, limitValue, limitUnit, ..."] });

        var code = (input.Code ?? "").Trim().ToUpperInvariant();
        if (!CodePattern().IsMatch(code))
        {
            Add("code", $"'{input.Code}' is not a category code: C (部件 component) or E (事件 event), then the 2-digit 大类 and the 2-digit 小类, e.g. E0102.");
        }
        var majorZh = Text(input.MajorNameZh, "majorNameZh", 50, true);
        var majorEn = Text(input.MajorNameEn, "majorNameEn", 100, false);
        var nameZh = Text(input.NameZh, "nameZh", 50, true);
        var nameEn = Text(input.NameEn, "nameEn", 100, false);
        var registration = Text(input.RegistrationCondition, "registrationCondition", 500, false);
        var closing = Text(input.ClosingCondition, "closingCondition", 500, false);

        TimeSpan? Limit(int? value, string? unit, string field, string unitField)
        {
            if (!LimitUnits.TryParse(unit, out var u))
            {
                Add(unitField, $"'{unitField}' is working_hours (工作时) or working_days (工作日).");
                return null;
            }
            var max = u == LimitUnit.WorkingHours ? MaxHours : MaxDays;
            if (value is not { } v || v < 1 || v > max)
            {
                Add(field, $"'{field}' is a whole number from 1 to {max} {u.ToCode().Replace('_', ' ')}.");
                return null;
            }
            return u == LimitUnit.WorkingHours ? TimeSpan.FromHours(v) : v * hoursPerDay;
        }
        var normal = Limit(input.LimitValue, input.LimitUnit, "limitValue", "limitUnit");
        var urgent = Limit(input.UrgentLimitValue, input.UrgentLimitUnit, "urgentLimitValue", "urgentLimitUnit");
        if (normal is { } n && urgent is { } x && x > n)
        {
            Add("urgentLimitValue", $"The urgent limit ({input.UrgentLimitValue} {input.UrgentLimitUnit!.Replace('_', ' ')}) is longer than the normal one ({input.LimitValue} {input.LimitUnit!.Replace('_', ' ')}); an urgent case must not get more time.");
        }
        var unit = (input.DefaultUnitId ?? "").Trim();
        if (!unitIds.Contains(unit))
        {
            Add("defaultUnitId", unit.Length == 0 ? "'defaultUnitId' is required: the responsible unit a case of this category goes to."
                : $"There is no responsible unit '{unit}'. GET /api/units lists them.");
        }
        var handler = (input.HandlerRole ?? "").Trim();
        if (handler is not ("grid_worker" or "grid_head"))
        {
            Add("handlerRole", "'handlerRole' is grid_worker (网格员) or grid_head (网格长): whom of the cell's team routing gives the case to.");
        }
        if (errors.Count > 0) return (null, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        return (new Valid(code, code[0] == 'C' ? "component" : "event", code[1..3], code[3..5], majorZh, majorEn.Length == 0 ? majorZh : majorEn,
            nameZh, nameEn.Length == 0 ? nameZh : nameEn, input.LimitValue!.Value, input.LimitUnit!, input.UrgentLimitValue!.Value, input.UrgentLimitUnit!,
            unit, handler, input.SelfHandleAllowed, registration, closing), []);
    }

    private const string InsertSql = """
        insert into categories (code, kind, major_code, minor_code, major_name_zh, major_name_en, name_zh, name_en,
                                limit_value, limit_unit, urgent_limit_value, urgent_limit_unit, default_unit_id, handler_role,
                                self_handle_allowed, registration_condition, closing_condition, updated_at, updated_by)
        values (@Code, @Kind, @MajorCode, @MinorCode, @MajorZh, @MajorEn, @NameZh, @NameEn,
                @Limit, @Unit, @UrgentLimit, @UrgentUnit, @UnitId, @HandlerRole,
                @SelfHandle, @RegistrationCondition, @ClosingCondition, @Now, @Actor)
        on conflict (code) do nothing
        """;

    // The version guard: a change made on an older version updates nothing and answers 409.
    private const string UpdateSql = """
        update categories set major_name_zh = @MajorZh, major_name_en = @MajorEn, name_zh = @NameZh, name_en = @NameEn,
               limit_value = @Limit, limit_unit = @Unit, urgent_limit_value = @UrgentLimit, urgent_limit_unit = @UrgentUnit,
               default_unit_id = @UnitId, handler_role = @HandlerRole, self_handle_allowed = @SelfHandle,
               registration_condition = @RegistrationCondition, closing_condition = @ClosingCondition,
               version = version + 1, updated_at = @Now, updated_by = @Actor
        where code = @Code and version = @Version
        """;

    // The 大类 name belongs to every 小类 of the 大类: renaming it on one renames it on all, so the
    // catalogue never shows one 大类 under two names.
    private const string RenameMajorSql = """
        update categories set major_name_zh = @MajorZh, major_name_en = @MajorEn, version = version + 1, updated_at = @Now, updated_by = @Actor
        where kind = @Kind and major_code = @MajorCode and code <> @Code
          and (major_name_zh <> @MajorZh or major_name_en <> @MajorEn)
        """;

    /// <summary>Writes a new category inside the caller's transaction; false when the code exists already.</summary>
    public static async Task<bool> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Valid c, Guid? actor, DateTimeOffset? now, CancellationToken ct = default)
    {
        await using var cmd = new NpgsqlCommand(InsertSql, conn, tx);
        Bind(cmd, c, actor, now);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    private static async Task<bool> UpdateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Valid c, int version, Guid actor, DateTimeOffset now)
    {
        await using var cmd = new NpgsqlCommand(UpdateSql, conn, tx);
        Bind(cmd, c, actor, now);
        cmd.Parameters.AddWithValue("Version", version);
        if (await cmd.ExecuteNonQueryAsync() != 1) return false;
        await using var rename = new NpgsqlCommand(RenameMajorSql, conn, tx);
        Bind(rename, c, actor, now);
        await rename.ExecuteNonQueryAsync();
        return true;
    }

    private static void Bind(NpgsqlCommand cmd, Valid c, Guid? actor, DateTimeOffset? now)
    {
        var p = cmd.Parameters;
        p.AddWithValue("Code", c.Code); p.AddWithValue("Kind", c.Kind); p.AddWithValue("MajorCode", c.MajorCode); p.AddWithValue("MinorCode", c.MinorCode);
        p.AddWithValue("MajorZh", c.MajorNameZh); p.AddWithValue("MajorEn", c.MajorNameEn); p.AddWithValue("NameZh", c.NameZh); p.AddWithValue("NameEn", c.NameEn);
        p.AddWithValue("Limit", c.LimitValue); p.AddWithValue("Unit", c.LimitUnit); p.AddWithValue("UrgentLimit", c.UrgentLimitValue);
        p.AddWithValue("UrgentUnit", c.UrgentLimitUnit); p.AddWithValue("UnitId", c.DefaultUnitId); p.AddWithValue("HandlerRole", c.HandlerRole);
        p.AddWithValue("SelfHandle", c.SelfHandleAllowed); p.AddWithValue("RegistrationCondition", c.RegistrationCondition);
        p.AddWithValue("ClosingCondition", c.ClosingCondition);
        p.Add(new NpgsqlParameter("Now", NpgsqlDbType.TimestampTz) { Value = (object?)now ?? DBNull.Value });
        p.Add(new NpgsqlParameter("Actor", NpgsqlDbType.Uuid) { Value = (object?)actor ?? DBNull.Value });
    }

    public async Task<IReadOnlyList<CategoryItem>> ListAsync(string? code = null)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var q = db.Set<CategoryRecord>().AsQueryable();
        if (code is not null) q = q.Where(c => c.Code == code);
        return await q.OrderBy(c => c.Code)
            .Select(c => new CategoryItem(c.Code, c.Kind, c.MajorCode, c.MinorCode, c.MajorNameZh, c.MajorNameEn, c.NameZh, c.NameEn,
                c.LimitValue, c.LimitUnit, c.UrgentLimitValue, c.UrgentLimitUnit, c.DefaultUnitId, c.HandlerRole, c.SelfHandleAllowed,
                c.RegistrationCondition, c.ClosingCondition, c.Version, c.UpdatedAt))
            .ToListAsync();
    }

    public async Task<IReadOnlyList<UnitChoice>> UnitsAsync() =>
        (await catalogue.ListUnitsAsync()).Where(u => u.Active).Select(u => new UnitChoice(u.Id, u.NameZh, u.NameEn)).ToList();

    /// <summary>Categories are the city's rules: a street-scoped administrator reads them but cannot change them.</summary>
    internal static string? RefuseStreetAdmin(Viewer viewer, string what) =>
        !viewer.Has(Role.Admin) ? $"Only administrators change {what}."
        : viewer.StreetCode is not null ? $"{what} apply to the whole city; your account administers street {viewer.StreetCode} only. Ask a city administrator."
        : null;

    public async Task<AdminResult<CategoryItem>> CreateAsync(Viewer viewer, CategoryInput? input, DateTimeOffset now)
    {
        if (RefuseStreetAdmin(viewer, "Categories") is { } refused) return AdminResult<CategoryItem>.Forbidden(refused);
        var (valid, errors) = await CheckAsync(input);
        if (valid is null) return AdminResult<CategoryItem>.Invalid(errors);

        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (conn, ntx) = Raw(db, tx);
        if (!await InsertAsync(conn, ntx, valid, viewer.PersonId, now))
        {
            await tx.RollbackAsync();
            var existing = (await ListAsync(valid.Code)).SingleOrDefault();
            return AdminResult<CategoryItem>.Conflict($"Category {valid.Code} exists already ({existing?.NameZh}); change it instead, or pick a free code.", existing);
        }
        await AuditAsync(conn, ntx, viewer.PersonId, "category_created", valid.Code, null, valid, now);
        await tx.CommitAsync();
        return AdminResult<CategoryItem>.Success((await ListAsync(valid.Code)).Single(), 201);
    }

    public async Task<AdminResult<CategoryItem>> UpdateAsync(Viewer viewer, string code, CategoryInput? input, DateTimeOffset now)
    {
        if (RefuseStreetAdmin(viewer, "Categories") is { } refused) return AdminResult<CategoryItem>.Forbidden(refused);
        code = code.Trim().ToUpperInvariant();
        var before = (await ListAsync(code)).SingleOrDefault();
        if (before is null) return AdminResult<CategoryItem>.NotFound($"There is no category {code}. GET /api/admin/categories lists them.");
        if (input is not null && !string.IsNullOrWhiteSpace(input.Code) && !string.Equals(input.Code.Trim(), code, StringComparison.OrdinalIgnoreCase))
        {
            return AdminResult<CategoryItem>.Invalid(new Dictionary<string, string[]>
            {
                ["code"] = [$"A category keeps its code ({code}): cases refer to it. Create a new category for the code {input.Code.Trim()}."],
            });
        }
        if (input is not null) input.Code = code;
        var (valid, errors) = await CheckAsync(input);
        if (input?.Version is not { } version) errors["version"] = ["'version' is required: the version of the category the change was made on (from GET)."];
        if (valid is null || errors.Count > 0) return AdminResult<CategoryItem>.Invalid(errors);

        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (conn, ntx) = Raw(db, tx);
        if (!await UpdateAsync(conn, ntx, valid!, input!.Version!.Value, viewer.PersonId, now))
        {
            await tx.RollbackAsync();
            var current = (await ListAsync(code)).Single();
            return AdminResult<CategoryItem>.Conflict(
                $"Category {code} was changed by someone else meanwhile (version {current.Version}, you edited version {input.Version}). Look at what changed and save again.", current);
        }
        await AuditAsync(conn, ntx, viewer.PersonId, "category_changed", code, before, valid, now);
        await tx.CommitAsync();
        return AdminResult<CategoryItem>.Success((await ListAsync(code)).Single());
    }

    private async Task<(Valid?, Dictionary<string, string[]>)> CheckAsync(CategoryInput? input)
    {
        var units = (await catalogue.ListUnitsAsync()).Where(u => u.Active).Select(u => u.Id).ToHashSet();
        return Validate(input, units, (await catalogue.CalendarAsync()).WorkingHoursPerDay);
    }

    private static (NpgsqlConnection, NpgsqlTransaction) Raw(GridDbContext db, IDbContextTransaction tx) =>
        ((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());

    internal static async Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid actor, string action, string subject, object? before, object? after,
        DateTimeOffset now, string subjectKind = "category")
    {
        await using var cmd = new NpgsqlCommand(AuditLog.InsertSql, conn, tx);
        cmd.Parameters.AddWithValue("Now", now);
        cmd.Parameters.AddWithValue("Actor", actor);
        cmd.Parameters.AddWithValue("Action", action);
        cmd.Parameters.AddWithValue("Subject", $"{subjectKind}:{subject}");
        cmd.Parameters.AddWithValue("Details", JsonSerializer.Serialize(new { before, after }, JsonSerializerOptions.Web));
        await cmd.ExecuteNonQueryAsync();
    }
}
