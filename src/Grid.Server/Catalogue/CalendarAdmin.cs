using System.Globalization;
using Grid.Domain.Time;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Grid.Server.Catalogue;

/// <summary>
/// The working calendar as administrators keep it: per year the list of holidays and make-up working days
/// (调休), typed in or pasted as lines, and the working periods of that year's days; for all years the
/// weekly rest days and the default working periods (of a year that has none of its own).
/// A year can be prepared ahead: its days count once they come. Every change is one transaction, audited
/// with before and after, guarded by a version (409), and announced to every node (NOTIFY grid_calendar)
/// so running deadline and ladder computations use it at once.
/// </summary>
public sealed class CalendarAdmin(IDbContextFactory<GridDbContext> contexts, CatalogueRepository catalogue)
{
    private const int MaxNote = 100;

    public async Task<CalendarYearView> YearAsync(int year)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var (from, to) = (new DateOnly(year, 1, 1), new DateOnly(year, 12, 31));
        var days = await db.Set<CalendarDayRecord>().Where(d => d.Day >= from && d.Day <= to).OrderBy(d => d.Day)
            .Select(d => new CalendarDayItem(d.Day, d.Kind, d.Note)).ToListAsync();
        var versions = await db.Set<CalendarYearRecord>().Where(y => y.Year == year).Select(y => new { y.Version, y.PeriodsVersion }).SingleOrDefaultAsync();
        var settings = await db.Set<CalendarSettingsRecord>().SingleAsync(s => s.Id == 1);
        var periods = await db.Set<WorkingPeriodRecord>().OrderBy(p => p.StartsAt).Select(p => new WorkingPeriodItem(p.StartsAt, p.EndsAt)).ToListAsync();
        var own = await db.Set<CalendarYearPeriodRecord>().Where(p => p.Year == year).OrderBy(p => p.StartsAt)
            .Select(p => new WorkingPeriodItem(p.StartsAt, p.EndsAt)).ToListAsync();
        return new CalendarYearView(year, versions?.Version ?? 0, days, settings.TimeZone, periods, settings.RestWeekdays.OrderBy(d => d).ToList(),
            settings.Version, own, versions?.PeriodsVersion ?? 0);
    }

    public static string? CheckYear(int year) =>
        year is < 2000 or > 2100 ? $"{year} is not a calendar year GridCity keeps; use a year from 2000 to 2100." : null;

    /// <summary>
    /// Reads a pasted list, one day or range a line: <c>2027-01-01 holiday 元旦</c>, <c>2027-02-10..2027-02-16 holiday 春节</c>,
    /// <c>2027-02-07 workday 春节调休上班</c>. Kinds: holiday (also 假, 休, 节假日) or workday (also 班, 上班, 调休, makeup).
    /// Blank lines and lines starting with # are skipped. Every error names its line.
    /// </summary>
    public static (IReadOnlyList<CalendarDayItem> Days, IReadOnlyList<string> Errors) Parse(int year, string? text)
    {
        var days = new List<CalendarDayItem>();
        var errors = new List<string>();
        var seen = new Dictionary<DateOnly, int>();
        var lines = (text ?? "").Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var n = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split([' ', '\t', ',', '，'], 3, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length < 2)
            {
                errors.Add($"Line {n}: '{Clip(line)}' needs a date and a kind, e.g. '{year}-01-01 holiday 元旦'.");
                continue;
            }
            var range = parts[0].Split(["..", "~", "～"], StringSplitOptions.None);
            if (range.Length > 2 || !TryDate(range[0], out var first) || !TryDate(range[^1], out var last))
            {
                errors.Add($"Line {n}: '{Clip(parts[0])}' is not a date; write yyyy-MM-dd, or a range yyyy-MM-dd..yyyy-MM-dd.");
                continue;
            }
            if (last < first)
            {
                errors.Add($"Line {n}: the range {first:yyyy-MM-dd}..{last:yyyy-MM-dd} ends before it starts.");
                continue;
            }
            if (first.Year != year || last.Year != year)
            {
                errors.Add($"Line {n}: {(first.Year != year ? first : last):yyyy-MM-dd} is not in {year}; this list is the calendar of {year}.");
                continue;
            }
            var kind = KindOf(parts[1]);
            if (kind is null)
            {
                errors.Add($"Line {n}: '{Clip(parts[1])}' is not a kind of day; write holiday (假) or workday (调休上班).");
                continue;
            }
            var note = parts.Length > 2 ? parts[2] : "";
            if (note.Length > MaxNote)
            {
                errors.Add($"Line {n}: the note is {note.Length} characters long; at most {MaxNote} are allowed.");
                continue;
            }
            for (var d = first; d <= last; d = d.AddDays(1))
            {
                if (seen.TryGetValue(d, out var earlier))
                {
                    errors.Add($"Line {n}: {d:yyyy-MM-dd} is listed already on line {earlier}; a day is either a holiday or a make-up working day.");
                    continue;
                }
                seen[d] = n;
                days.Add(new CalendarDayItem(d, kind, note));
            }
        }
        return (days.OrderBy(d => d.Day).ToList(), errors);
    }

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;

    private static bool TryDate(string s, out DateOnly day) =>
        DateOnly.TryParseExact(s.Trim().Replace('/', '-'), ["yyyy-MM-dd", "yyyy-M-d"], CultureInfo.InvariantCulture, DateTimeStyles.None, out day);

    private static string? KindOf(string word) => word.Trim().ToLowerInvariant() switch
    {
        "holiday" or "假" or "休" or "休息" or "节假日" or "放假" => "holiday",
        "workday" or "班" or "上班" or "调休" or "补班" or "makeup" or "make-up" => "workday",
        _ => null,
    };

    /// <summary>Checks a list of days sent as JSON (the API and the page's hand-entered rows).</summary>
    public static Dictionary<string, string[]> CheckDays(int year, IReadOnlyList<CalendarDayItem>? days)
    {
        var errors = new Dictionary<string, string[]>();
        if (days is null)
        {
            errors["days"] = ["'days' is required: the full list of the year's holidays and make-up days (an empty list clears the year)."];
            return errors;
        }
        var seen = new HashSet<DateOnly>();
        for (var i = 0; i < days.Count; i++)
        {
            var d = days[i];
            var problems = new List<string>();
            if (d.Day.Year != year) problems.Add($"{d.Day:yyyy-MM-dd} is not in {year}.");
            if (d.Kind is not ("holiday" or "workday")) problems.Add($"'{d.Kind}' is not a kind of day; use holiday or workday.");
            if ((d.Note ?? "").Length > MaxNote) problems.Add($"The note is longer than {MaxNote} characters.");
            if ((d.Note ?? "").Any(char.IsControl)) problems.Add("The note contains control characters; write it on one line.");
            if (!seen.Add(d.Day)) problems.Add($"{d.Day:yyyy-MM-dd} is listed twice.");
            if (problems.Count > 0) errors[$"days[{i}]"] = [.. problems];
        }
        return errors;
    }

    private const string DeleteDaysSql = "delete from calendar_days where day between @From and @To";
    private const string InsertDaysSql = """
        insert into calendar_days (day, kind, note) select * from unnest(@Days::date[], @Kinds::text[], @Notes::text[])
        """;
    // Version 0 means "this year has never been saved": the row is created, and a second administrator
    // creating it at the same moment loses (on conflict do nothing, 0 rows).
    private const string ClaimYearSql = """
        insert into calendar_years (year, version, updated_at, updated_by) values (@Year, 1, @Now, @Actor)
        on conflict (year) do update set version = calendar_years.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            where calendar_years.version = @Version
        """;

    public async Task<AdminResult<CalendarYearView>> SaveDaysAsync(Viewer viewer, int year, CalendarDaysInput? input, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "The working calendar") is { } refused) return AdminResult<CalendarYearView>.Forbidden(refused);
        if (CheckYear(year) is { } badYear) return AdminResult<CalendarYearView>.Invalid(new Dictionary<string, string[]> { ["year"] = [badYear] });
        var errors = CheckDays(year, input?.Days);
        if (input?.Version is not { } version) errors["version"] = ["'version' is required: the version of the year the list was made on (0 for a year never saved)."];
        if (errors.Count > 0) return AdminResult<CalendarYearView>.Invalid(errors);

        var before = await YearAsync(year);
        var days = input!.Days!.OrderBy(d => d.Day).ToList();
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (conn, ntx) = Raw(db, tx);
        if (!await ClaimAsync(ClaimYearSql, conn, ntx, year, input.Version!.Value, now, viewer.PersonId))
        {
            await tx.RollbackAsync();
            var current = await YearAsync(year);
            return AdminResult<CalendarYearView>.Conflict(
                $"The calendar of {year} was changed by someone else meanwhile (version {current.Version}, you edited version {input.Version}). Look at the days now listed and save again.", current);
        }
        await using (var delete = new NpgsqlCommand(DeleteDaysSql, conn, ntx))
        {
            delete.Parameters.AddWithValue("From", new DateOnly(year, 1, 1));
            delete.Parameters.AddWithValue("To", new DateOnly(year, 12, 31));
            await delete.ExecuteNonQueryAsync();
        }
        await using (var insert = new NpgsqlCommand(InsertDaysSql, conn, ntx))
        {
            insert.Parameters.AddWithValue("Days", days.Select(d => d.Day).ToArray());
            insert.Parameters.AddWithValue("Kinds", days.Select(d => d.Kind).ToArray());
            insert.Parameters.AddWithValue("Notes", days.Select(d => (d.Note ?? "").Trim()).ToArray());
            await insert.ExecuteNonQueryAsync();
        }
        await CategoryAdmin.AuditAsync(conn, ntx, viewer.PersonId, "calendar_days_saved", year.ToString(CultureInfo.InvariantCulture),
            before.Days, days, now, "calendar");
        await NotifyAsync(conn, ntx);
        await tx.CommitAsync();
        catalogue.InvalidateCalendar();
        return AdminResult<CalendarYearView>.Success(await YearAsync(year));
    }

    private const string DeletePeriodsSql = "delete from working_periods";
    private const string InsertPeriodsSql = "insert into working_periods (starts_at, ends_at) select * from unnest(@Starts::time[], @Ends::time[])";
    private const string UpdateSettingsSql = """
        update calendar_settings set rest_weekdays = @RestWeekdays, version = version + 1 where id = 1 and version = @Version
        """;

    public async Task<AdminResult<CalendarYearView>> SaveSettingsAsync(Viewer viewer, int year, CalendarSettingsInput? input, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "The working calendar") is { } refused) return AdminResult<CalendarYearView>.Forbidden(refused);
        var errors = new Dictionary<string, string[]>();
        var periods = input?.Periods?.OrderBy(p => p.Start).ToList() ?? [];
        var rest = input?.RestWeekdays?.Distinct().OrderBy(d => d).ToArray() ?? [];
        if (PeriodsProblem(periods) is { } badPeriods) errors["periods"] = [badPeriods];
        if (rest.Any(d => d is < 0 or > 6)) errors["restWeekdays"] = ["Rest weekdays are 0 (Sunday) to 6 (Saturday)."];
        else if (rest.Length == 7) errors["restWeekdays"] = ["A week needs at least one working weekday; make-up days alone cannot carry the limits."];
        if (input?.Version is not { } version) errors["version"] = ["'version' is required: the settings version the change was made on (from GET)."];
        if (errors.Count > 0) return AdminResult<CalendarYearView>.Invalid(errors);

        var before = await YearAsync(year);
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (conn, ntx) = Raw(db, tx);
        await using (var update = new NpgsqlCommand(UpdateSettingsSql, conn, ntx))
        {
            update.Parameters.AddWithValue("RestWeekdays", rest);
            update.Parameters.AddWithValue("Version", input!.Version!.Value);
            if (await update.ExecuteNonQueryAsync() != 1)
            {
                await tx.RollbackAsync();
                var current = await YearAsync(year);
                return AdminResult<CalendarYearView>.Conflict(
                    $"The working periods and rest days were changed by someone else meanwhile (version {current.SettingsVersion}, you edited version {input.Version}). Look at them now and save again.", current);
            }
        }
        await using (var delete = new NpgsqlCommand(DeletePeriodsSql, conn, ntx)) await delete.ExecuteNonQueryAsync();
        await using (var insert = new NpgsqlCommand(InsertPeriodsSql, conn, ntx))
        {
            insert.Parameters.AddWithValue("Starts", periods.Select(p => p.Start).ToArray());
            insert.Parameters.AddWithValue("Ends", periods.Select(p => p.End).ToArray());
            await insert.ExecuteNonQueryAsync();
        }
        await CategoryAdmin.AuditAsync(conn, ntx, viewer.PersonId, "calendar_settings_saved", "settings",
            new { before.Periods, before.RestWeekdays }, new { periods, restWeekdays = rest }, now, "calendar");
        await NotifyAsync(conn, ntx);
        await tx.CommitAsync();
        catalogue.InvalidateCalendar();
        return AdminResult<CalendarYearView>.Success(await YearAsync(year));
    }

    /// <summary>Why a day's working periods cannot be used (the domain's rule), or null.</summary>
    public static string? PeriodsProblem(IReadOnlyList<WorkingPeriodItem>? periods) =>
        periods is null || periods.Count == 0
            ? "Give 1 to 6 working periods of a day, e.g. 08:30-12:00 and 13:30-18:00."
            : WorkingCalendar.Problem([.. periods.Select(p => new WorkingPeriod(p.Start, p.End))]);

    // Version 0 means "this year's periods were never set": the year's row is made (its list of days still
    // unsaved, version 0) or the existing row's periods_version moves from 0; a second administrator doing
    // the same at the same moment loses (0 rows).
    private const string ClaimYearPeriodsSql = """
        insert into calendar_years (year, version, periods_version, updated_at, updated_by) values (@Year, 0, 1, @Now, @Actor)
        on conflict (year) do update set periods_version = calendar_years.periods_version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
            where calendar_years.periods_version = @Version
        """;
    private const string DeleteYearPeriodsSql = "delete from calendar_year_periods where year = @Year";
    private const string InsertYearPeriodsSql = """
        insert into calendar_year_periods (year, starts_at, ends_at) select @Year, s, e from unnest(@Starts::time[], @Ends::time[]) as p(s, e)
        """;

    /// <summary>
    /// Sets the working periods of the days of <paramref name="year"/> (an empty list: the year works the default
    /// periods again). Cases dispatched in that year get their deadlines, remaining time and ladder rungs on them.
    /// </summary>
    public async Task<AdminResult<CalendarYearView>> SavePeriodsAsync(Viewer viewer, int year, CalendarPeriodsInput? input, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "The working calendar") is { } refused) return AdminResult<CalendarYearView>.Forbidden(refused);
        if (CheckYear(year) is { } badYear) return AdminResult<CalendarYearView>.Invalid(new Dictionary<string, string[]> { ["year"] = [badYear] });
        var errors = new Dictionary<string, string[]>();
        if (input?.Periods is null) errors["periods"] = ["'periods' is required: the working periods of a day of this year (an empty list: the default periods)."];
        else if (input.Periods.Count > 0 && PeriodsProblem(input.Periods) is { } bad) errors["periods"] = [bad];
        if (input?.Version is null) errors["version"] = ["'version' is required: the periodsVersion of the year the change was made on (0 for periods never set)."];
        if (errors.Count > 0) return AdminResult<CalendarYearView>.Invalid(errors);

        var periods = input!.Periods!.OrderBy(p => p.Start).ToList();
        var before = await YearAsync(year);
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        var (conn, ntx) = Raw(db, tx);
        if (!await ClaimAsync(ClaimYearPeriodsSql, conn, ntx, year, input.Version!.Value, now, viewer.PersonId))
        {
            await tx.RollbackAsync();
            var current = await YearAsync(year);
            return AdminResult<CalendarYearView>.Conflict(
                $"The working periods of {year} were changed by someone else meanwhile (version {current.PeriodsVersion}, you edited version {input.Version}). Look at them now and save again.", current);
        }
        await using (var delete = new NpgsqlCommand(DeleteYearPeriodsSql, conn, ntx))
        {
            delete.Parameters.AddWithValue("Year", year);
            await delete.ExecuteNonQueryAsync();
        }
        if (periods.Count > 0)
        {
            await using var insert = new NpgsqlCommand(InsertYearPeriodsSql, conn, ntx);
            insert.Parameters.AddWithValue("Year", year);
            insert.Parameters.AddWithValue("Starts", periods.Select(p => p.Start).ToArray());
            insert.Parameters.AddWithValue("Ends", periods.Select(p => p.End).ToArray());
            await insert.ExecuteNonQueryAsync();
        }
        await CategoryAdmin.AuditAsync(conn, ntx, viewer.PersonId, "calendar_periods_saved", $"{year.ToString(CultureInfo.InvariantCulture)}/periods",
            new { periods = before.YearPeriods, effective = before.Effective }, new { periods, effective = periods.Count > 0 ? periods : before.Periods }, now, "calendar");
        await NotifyAsync(conn, ntx);
        await tx.CommitAsync();
        catalogue.InvalidateCalendar();
        return AdminResult<CalendarYearView>.Success(await YearAsync(year));
    }

    private static async Task NotifyAsync(NpgsqlConnection conn, NpgsqlTransaction tx)
    {
        await using var notify = new NpgsqlCommand(CalendarChanges.NotifySql, conn, tx);
        await notify.ExecuteNonQueryAsync();
    }

    /// <summary>Moves a year's version from the one the editor read to the next (its days or its periods, by
    /// <paramref name="sql"/>); false when someone else saved that year meanwhile.</summary>
    private static async Task<bool> ClaimAsync(string sql, NpgsqlConnection conn, NpgsqlTransaction tx, int year, int version,
        DateTimeOffset now, Guid actor)
    {
        await using var claim = new NpgsqlCommand(sql, conn, tx);
        claim.Parameters.AddWithValue("Year", year);
        claim.Parameters.AddWithValue("Version", version);
        claim.Parameters.AddWithValue("Now", now);
        claim.Parameters.AddWithValue("Actor", actor);
        return await claim.ExecuteNonQueryAsync() == 1;
    }

    private static (NpgsqlConnection, NpgsqlTransaction) Raw(GridDbContext db, IDbContextTransaction tx) =>
        ((NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)tx.GetDbTransaction());
}
