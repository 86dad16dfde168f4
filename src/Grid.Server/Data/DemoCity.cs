using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;
using Grid.Server.Catalogue;
using Grid.Server.Staff;
using Grid.Web.Pages.Admin;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Data;

public sealed record DemoLogin(string Username, string Password, string Role, string Description);

/// <summary>
/// A demo city for an empty database: part of 梁溪区, Wuxi, cut into 204 unit grid cells of 100 m x 100 m,
/// with a full staff, the category catalogue, the 2026 working calendar and 600 cases of the last 30 days
/// in every state. Everything is drawn from <c>new Random(2026)</c>, so a seed at the same <c>now</c> gives the same city.
/// </summary>
public static partial class DemoCity
{
    public const string DemoPassword = "Grid@2026";

    /// <summary>A central cell of 崇安寺街道 东河社区, whose team has the demo logins.</summary>
    private const string DemoCellCode = "320213001001012";
    private const string DemoPatrolPartner = "320213001001017";
    private const string DemoCommunityCode = "320213001001";
    private const string DemoUnitId = "sanitation";

    public static IReadOnlyList<DemoLogin> Logins { get; } =
    [
        new("operator", DemoPassword, "operator", "Command-center operator (受理员): registers or cancels reports"),
        new("shiftlead", DemoPassword, "shift_lead", "Shift lead (值班长): approves returns, extensions, holds and cancellations"),
        new("dispatcher", DemoPassword, "dispatcher", "Dispatcher (派遣员): sends registered cases to units and staff"),
        new("supervisor", DemoPassword, "supervisor", $"District supervisor of {DistrictName} ({DistrictCode})"),
        new("admin", DemoPassword, "admin", "System administrator"),
        new("unitstaff", DemoPassword, "unit_staff", $"Staff of the responsible unit '{DemoUnitId}' (梁溪区环境卫生管理处)"),
        new("gridhead", DemoPassword, "grid_head", $"Grid head of community {DemoCommunityCode} (东河社区), including cell {DemoCellCode}"),
        new("worker", DemoPassword, "grid_worker", $"Grid worker of cell {DemoCellCode}"),
        new("patroller", DemoPassword, "patroller", $"Patroller of cells {DemoCellCode} and {DemoPatrolPartner}"),
        new("informant", DemoPassword, "informant", $"Informant of cell {DemoCellCode}"),
        new("inspector", DemoPassword, "inspector", $"Inspector of community {DemoCommunityCode}, including cell {DemoCellCode}"),
        new("liaison", DemoPassword, "liaison", $"Liaison of community {DemoCommunityCode}, including cell {DemoCellCode}"),
    ];

    // EXCLUSIVE blocks a second seeder (two servers starting at once) but not readers; the loser then sees cells and stops.
    private const string LockCellsSql = "lock table grid_cells in exclusive mode";
    private const string AnyCellSql = "select exists (select 1 from grid_cells)";

    /// <summary>Seeds the whole city in one transaction if there are no grid cells yet; false (and nothing done) otherwise.</summary>
    public static async Task<bool> SeedIfEmptyAsync(NpgsqlDataSource db, DateTimeOffset now, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await RunAsync(conn, tx, LockCellsSql, ct);
        if (await RunAsync(conn, tx, AnyCellSql, ct) is true)
        {
            return false;
        }

        now = Seconds(now);
        var rng = new Random(2026);
        var calendar = Calendar();
        var cells = PlanCells();
        var staff = PlanStaff(rng, cells);
        var cases = PlanCases(rng, now, calendar, cells, staff);

        await InsertAreasAsync(conn, tx, cells, ct);
        await InsertCatalogueAsync(conn, tx, ct);
        await InsertStaffAsync(conn, staff, Passwords.Hash(DemoPassword), now, ct);
        await InsertCasesAsync(conn, tx, cases, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    private const string InsertDistrictSql = "insert into districts (code, name) values (@Code, @Name)";
    private const string InsertStreetSql = "insert into streets (code, district_code, name) values (@Code, @DistrictCode, @Name)";
    private const string InsertCommunitySql = "insert into communities (code, street_code, name) values (@Code, @StreetCode, @Name)";

    private const string InsertCellsSql = """
        insert into grid_cells (code, community_code, name, geom, area_m2)
        select u.code, u.community_code, u.name, g.geom, ST_Area(g.geom::geography)
        from unnest(@Codes, @Communities, @Names, @Wkts) as u(code, community_code, name, wkt)
        cross join lateral (select ST_Multi(ST_GeomFromText(u.wkt, 4326)) as geom) g
        """;

    private static async Task InsertAreasAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<CellPlan> cells, CancellationToken ct)
    {
        await RunAsync(conn, tx, InsertDistrictSql, ct, ("Code", DistrictCode), ("Name", DistrictName));
        foreach (var s in StreetDefs)
        {
            await RunAsync(conn, tx, InsertStreetSql, ct, ("Code", s.Code), ("DistrictCode", DistrictCode), ("Name", s.Name));
            foreach (var c in s.Communities)
                await RunAsync(conn, tx, InsertCommunitySql, ct, ("Code", s.Code + c.Suffix), ("StreetCode", s.Code), ("Name", c.Name));
        }
        await RunAsync(conn, tx, InsertCellsSql, ct,
            ("Codes", cells.Select(c => c.Code).ToArray()), ("Communities", cells.Select(c => c.CommunityCode).ToArray()),
            ("Names", cells.Select(c => c.Name).ToArray()), ("Wkts", cells.Select(c => c.Wkt).ToArray()));
    }

    // The migration already writes the standard working periods and settings row; the demo states them again
    // so it does not depend on that, and keeps any calendar day a migration may have written.
    private const string UpsertPeriodSql = """
        insert into working_periods (starts_at, ends_at) values (@Start::time, @End::time)
        on conflict (starts_at) do update set ends_at = excluded.ends_at
        """;
    private const string UpsertSettingsSql = """
        insert into calendar_settings (id, time_zone, rest_weekdays) values (1, @Zone, @RestWeekdays)
        on conflict (id) do update set time_zone = excluded.time_zone, rest_weekdays = excluded.rest_weekdays
        """;
    private const string InsertDaySql = """
        insert into calendar_days (day, kind, note) values (@Day::date, @Kind, @Note)
        on conflict (day) do nothing
        """;

    private static async Task InsertCatalogueAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        // Units through the console's insert too: the demo's units are district units (no street).
        foreach (var u in Units)
            await global::Grid.Server.Units.UnitsAdmin.InsertAsync(conn, tx, new global::Grid.Server.Units.UnitsAdmin.Valid(u.Id, u.NameZh, u.NameEn, u.Phone, null), null, null, ct);
        // Through the console's own validation and insert: the seeder is one more user of that one way to write categories.
        var unitIds = Units.Select(u => u.Id).ToHashSet();
        var hoursPerDay = Periods.Aggregate(TimeSpan.Zero, (sum, p) => sum + (p.End - p.Start));
        foreach (var c in Categories)
        {
            var input = new CategoryInput
            {
                Code = c.Code, MajorNameZh = c.MajorZh, MajorNameEn = c.MajorEn, NameZh = c.NameZh, NameEn = c.NameEn,
                LimitValue = c.Limit, LimitUnit = c.Unit.ToCode(), UrgentLimitValue = c.UrgentLimit, UrgentLimitUnit = c.UrgentUnit.ToCode(),
                DefaultUnitId = c.UnitId, HandlerRole = c.HandlerRole, SelfHandleAllowed = c.SelfHandle,
                RegistrationCondition = c.RegistrationCondition, ClosingCondition = c.ClosingCondition,
            };
            var (valid, errors) = CategoryAdmin.Validate(input, unitIds, hoursPerDay);
            if (valid is null) throw new InvalidOperationException($"Demo category {c.Code} is invalid: {string.Join(" ", errors.Values.SelectMany(e => e))}");
            await CategoryAdmin.InsertAsync(conn, tx, valid, actor: null, now: null, ct);
        }
        foreach (var p in Periods)
            await RunAsync(conn, tx, UpsertPeriodSql, ct, ("Start", p.Start.ToString("HH:mm")), ("End", p.End.ToString("HH:mm")));
        await RunAsync(conn, tx, UpsertSettingsSql, ct, ("Zone", TimeZoneId), ("RestWeekdays", RestWeekdays));
        foreach (var d in CalendarDays())
            await RunAsync(conn, tx, InsertDaySql, ct, ("Day", d.Day.ToString("yyyy-MM-dd")), ("Kind", d.Kind), ("Note", d.Note));
    }

    /// <summary>
    /// All demo accounts share one password, so one hash (PBKDF2 is slow on purpose) serves them all. Written
    /// through <see cref="StaffWriter"/>, the console's import path, so the demo has no second way to write staff.
    /// </summary>
    private static async Task InsertStaffAsync(NpgsqlConnection conn, Staffing staff, string passwordHash, DateTimeOffset now, CancellationToken ct)
    {
        var joined = now.AddDays(-180);
        await StaffWriter.InsertPeopleAsync(conn, staff.People
            .Select(p => new NewPerson(p.Id, p.Username, p.DisplayName, p.Phone, passwordHash, p.UnitId, p.StreetCode, p.OnDuty, joined,
                [p.Role.ToCode()], MustChangePassword: false))
            .ToList(), ct);
        await StaffWriter.AssignPostsAsync(conn, staff.Posts.Select(p => new PostHolder(p.CellCode, p.Role.ToCode(), p.PersonId)).ToList(), ct);
    }

    // Inserted one by one in order of creation, so case numbers rise with time and each id is known for its history.
    private const string InsertCaseSql = """
        insert into cases (case_no, location, address, category_code, source, priority, description, reporter_name, reporter_phone,
                           state, cell_code, reported_by, assigned_unit_id, assignee_id, deadline, held_remaining_s,
                           extension_count, rework_count, created_at, registered_at, dispatched_at, accepted_at, resolved_at,
                           closed_at, updated_at, version)
        values (case_no(@CreatedAt, nextval('case_no_seq')),
                ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @Address, @CategoryCode, @Source, @Priority, @Description,
                @ReporterName, @ReporterPhone, @State, @CellCode, @ReportedBy, @UnitId, @AssigneeId, @Deadline, @HeldRemainingS,
                @ExtensionCount, @ReworkCount, @CreatedAt, @RegisteredAt, @DispatchedAt, @AcceptedAt, @ResolvedAt,
                @ClosedAt, @UpdatedAt, @Version)
        returning id
        """;

    private const string CopyHistorySql = """
        copy case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details) from stdin (format binary)
        """;

    private static async Task InsertCasesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<CasePlan> cases, CancellationToken ct)
    {
        var ids = new long[cases.Count];
        for (var i = 0; i < cases.Count; i++)
        {
            var p = cases[i];
            var c = p.Case;
            ids[i] = (long)(await RunAsync(conn, tx, InsertCaseSql, ct,
                ("CreatedAt", p.CreatedAt), ("Lon", p.Lon), ("Lat", p.Lat), ("Address", p.Address), ("CategoryCode", p.Category.Code),
                ("Source", p.Source), ("Priority", p.Urgent ? "urgent" : "normal"), ("Description", p.Description),
                ("ReporterName", Typed(p.ReporterName, NpgsqlDbType.Text)), ("ReporterPhone", Typed(p.ReporterPhone, NpgsqlDbType.Text)),
                ("State", c.State.ToCode()), ("CellCode", p.Cell.Code), ("ReportedBy", Typed(p.ReportedBy, NpgsqlDbType.Uuid)),
                ("UnitId", Typed(c.UnitId, NpgsqlDbType.Text)), ("AssigneeId", Typed(c.AssigneeId, NpgsqlDbType.Uuid)),
                ("Deadline", Typed(c.Deadline, NpgsqlDbType.TimestampTz)),
                ("HeldRemainingS", Typed(c.HeldRemaining is { } h ? (long?)Math.Round(h.TotalSeconds) : null, NpgsqlDbType.Bigint)),
                ("ExtensionCount", c.ExtensionCount), ("ReworkCount", c.ReworkCount),
                ("RegisteredAt", Typed(c.RegisteredAt, NpgsqlDbType.TimestampTz)), ("DispatchedAt", Typed(c.DispatchedAt, NpgsqlDbType.TimestampTz)),
                ("AcceptedAt", Typed(c.AcceptedAt, NpgsqlDbType.TimestampTz)), ("ResolvedAt", Typed(c.ResolvedAt, NpgsqlDbType.TimestampTz)),
                ("ClosedAt", Typed(c.ClosedAt, NpgsqlDbType.TimestampTz)), ("UpdatedAt", p.UpdatedAt), ("Version", p.History.Count)))!;
        }

        await using var history = await conn.BeginBinaryImportAsync(CopyHistorySql, ct);
        for (var i = 0; i < cases.Count; i++)
        {
            foreach (var h in cases[i].History)
            {
                await history.StartRowAsync(ct);
                await history.WriteAsync(ids[i], NpgsqlDbType.Bigint, ct);
                await history.WriteAsync(h.At, NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(history, h.ActorId, ct);
                await history.WriteAsync(h.Action, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(history, h.FromState, ct);
                await history.WriteAsync(h.ToState, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(history, h.Reason, ct);
                await history.WriteAsync(h.Evidence, NpgsqlDbType.Jsonb, ct);
                await history.WriteAsync(h.Details, NpgsqlDbType.Jsonb, ct);
            }
        }
        await history.CompleteAsync(ct);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter w, string? value, CancellationToken ct) =>
        value is null ? w.WriteNullAsync(ct) : w.WriteAsync(value, NpgsqlDbType.Text, ct);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter w, Guid? value, CancellationToken ct) =>
        value is { } v ? w.WriteAsync(v, NpgsqlDbType.Uuid, ct) : w.WriteNullAsync(ct);

    /// <summary>A null that still names its type, for parameters PostgreSQL cannot type from the statement alone.</summary>
    private sealed record TypedValue(object? Value, NpgsqlDbType Type);

    private static TypedValue Typed(object? value, NpgsqlDbType type) => new(value, type);

    // The seed runs once, as plain Npgsql commands in the seeding transaction (the bulk parts are COPY).
    private static async Task<object?> RunAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct,
        params (string Name, object? Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args)
        {
            cmd.Parameters.Add(value is TypedValue t
                ? new NpgsqlParameter(name, t.Type) { Value = t.Value ?? DBNull.Value }
                : new NpgsqlParameter(name, value ?? DBNull.Value));
        }
        return await cmd.ExecuteScalarAsync(ct);
    }
}
