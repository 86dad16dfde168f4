using Dapper;
using Grid.Domain.Time;
using Npgsql;

namespace Grid.Server.Catalogue;

public sealed record CategoryRow(string Code, string Kind, string MajorCode, string MinorCode, string MajorNameZh, string MajorNameEn,
    string NameZh, string NameEn, int LimitValue, string LimitUnit, int UrgentLimitValue, string UrgentLimitUnit,
    string DefaultUnitId, string HandlerRole, bool SelfHandleAllowed, string RegistrationCondition, string ClosingCondition)
{
    public TimeLimit Limit(bool urgent) => urgent
        ? new TimeLimit(UrgentLimitValue, LimitUnits.Parse(UrgentLimitUnit))
        : new TimeLimit(LimitValue, LimitUnits.Parse(LimitUnit));
}

public sealed record UnitRow(string Id, string NameZh, string NameEn, string? Phone);

/// <summary>Categories, responsible units and the working calendar: small tables read often, changed rarely.</summary>
public sealed class CatalogueRepository(NpgsqlDataSource db, TimeProvider clock)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private sealed record Cached(WorkingCalendar Calendar, DateTimeOffset LoadedAt);
    private volatile Cached? _calendar;

    private const string SelectCategoriesSql = """
        select code, kind, major_code as MajorCode, minor_code as MinorCode, major_name_zh as MajorNameZh, major_name_en as MajorNameEn,
               name_zh as NameZh, name_en as NameEn, limit_value as LimitValue, limit_unit as LimitUnit,
               urgent_limit_value as UrgentLimitValue, urgent_limit_unit as UrgentLimitUnit, default_unit_id as DefaultUnitId,
               handler_role as HandlerRole, self_handle_allowed as SelfHandleAllowed,
               registration_condition as RegistrationCondition, closing_condition as ClosingCondition
        from categories
        order by code
        """;

    public async Task<IReadOnlyList<CategoryRow>> ListCategoriesAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<CategoryRow>(SelectCategoriesSql)).ToList();
    }

    public async Task<CategoryRow?> FindCategoryAsync(string code) =>
        (await ListCategoriesAsync()).FirstOrDefault(c => c.Code == code);

    private const string SelectUnitsSql = "select id, name_zh as NameZh, name_en as NameEn, phone from units order by id";

    public async Task<IReadOnlyList<UnitRow>> ListUnitsAsync()
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<UnitRow>(SelectUnitsSql)).ToList();
    }

    private const string SelectCalendarSql = """
        select starts_at, ends_at from working_periods order by starts_at;
        select time_zone, rest_weekdays from calendar_settings where id = 1;
        select day, kind from calendar_days;
        """;

    /// <summary>The working calendar, reloaded at most once a minute.</summary>
    public async Task<WorkingCalendar> CalendarAsync()
    {
        var now = clock.GetUtcNow();
        if (_calendar is { } cached && now - cached.LoadedAt < CacheFor)
        {
            return cached.Calendar;
        }
        await using var conn = await db.OpenConnectionAsync();
        await using var multi = await conn.QueryMultipleAsync(SelectCalendarSql);
        var periods = (await multi.ReadAsync<(TimeOnly Start, TimeOnly End)>()).Select(p => new WorkingPeriod(p.Start, p.End)).ToList();
        var settings = await multi.ReadSingleAsync<(string Zone, int[] RestDays)>();
        var days = (await multi.ReadAsync<(DateOnly Day, string Kind)>()).ToList();
        var calendar = new WorkingCalendar(
            TimeZoneInfo.FindSystemTimeZoneById(settings.Zone),
            periods,
            settings.RestDays.Select(d => (DayOfWeek)d).ToHashSet(),
            days.Where(d => d.Kind == "holiday").Select(d => d.Day).ToHashSet(),
            days.Where(d => d.Kind == "workday").Select(d => d.Day).ToHashSet());
        _calendar = new Cached(calendar, now);
        return calendar;
    }
}
