using Grid.Domain.Time;
using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Catalogue;

public sealed record CategoryRow(string Code, string Kind, string MajorCode, string MinorCode, string MajorNameZh, string MajorNameEn,
    string NameZh, string NameEn, int LimitValue, string LimitUnit, int UrgentLimitValue, string UrgentLimitUnit,
    string DefaultUnitId, string HandlerRole, bool SelfHandleAllowed, string RegistrationCondition, string ClosingCondition)
{
    public TimeLimit Limit(bool urgent) => urgent
        ? new TimeLimit(UrgentLimitValue, LimitUnits.Parse(UrgentLimitUnit))
        : new TimeLimit(LimitValue, LimitUnits.Parse(LimitUnit));
}

/// <param name="Active">False once an administrator deactivated the unit: it is shown on old cases but offered nowhere.</param>
public sealed record UnitRow(string Id, string NameZh, string NameEn, string? Phone, bool Active = true);

/// <summary>Categories, responsible units and the working calendar: small tables read often, changed rarely.</summary>
public sealed class CatalogueRepository(IDbContextFactory<GridDbContext> contexts, TimeProvider clock)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);
    private sealed record Cached(WorkingCalendar Calendar, DateTimeOffset LoadedAt);
    private volatile Cached? _calendar;
    private long _generation;

    // Filters go before the projection: EF cannot see through a constructor call.
    private static IQueryable<CategoryRow> Categories(IQueryable<CategoryRecord> categories) => categories
        .OrderBy(c => c.Code)
        .Select(c => new CategoryRow(c.Code, c.Kind, c.MajorCode, c.MinorCode, c.MajorNameZh, c.MajorNameEn, c.NameZh, c.NameEn,
            c.LimitValue, c.LimitUnit, c.UrgentLimitValue, c.UrgentLimitUnit, c.DefaultUnitId, c.HandlerRole, c.SelfHandleAllowed,
            c.RegistrationCondition, c.ClosingCondition));

    public async Task<IReadOnlyList<CategoryRow>> ListCategoriesAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Categories(db.Set<CategoryRecord>()).ToListAsync();
    }

    public async Task<CategoryRow?> FindCategoryAsync(string code)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Categories(db.Set<CategoryRecord>().Where(c => c.Code == code)).FirstOrDefaultAsync();
    }

    /// <summary>
    /// Whether a category exists, for every report's check. Categories are never deleted (nothing in the system
    /// removes one, and cases refer to them), so a code once found is remembered for the life of the node and
    /// only codes not yet seen are read: a report no longer costs a round trip for its category. What a category
    /// says (limits, unit, names) is always read afresh (<see cref="FindCategoryAsync"/>).
    /// </summary>
    public async Task<bool> CategoryExistsAsync(string code)
    {
        if (_knownCategories.ContainsKey(code)) return true;
        if (await FindCategoryAsync(code) is null) return false;
        _knownCategories.TryAdd(code, 0);
        return true;
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _knownCategories = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<UnitRow>> ListUnitsAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<UnitRecord>().OrderBy(u => u.Id).Select(u => new UnitRow(u.Id, u.NameZh, u.NameEn, u.Phone, u.DeactivatedAt == null)).ToListAsync();
    }

    /// <summary>
    /// Forgets the cached calendar: called when an administrator changed it, on this node directly and on
    /// every other node through <see cref="CalendarChanges"/> (NOTIFY grid_calendar). The minute of
    /// <see cref="CacheFor"/> is only the backstop for a node whose listening connection was down.
    /// </summary>
    public void InvalidateCalendar()
    {
        Interlocked.Increment(ref _generation);
        _calendar = null;
    }

    /// <summary>The working calendar, reloaded at most once a minute or when it was changed.</summary>
    public async Task<WorkingCalendar> CalendarAsync()
    {
        var now = clock.GetUtcNow();
        if (_calendar is { } cached && now - cached.LoadedAt < CacheFor)
        {
            return cached.Calendar;
        }
        // A load that began before a change was announced must not put the old calendar back in the cache.
        var generation = Interlocked.Read(ref _generation);
        await using var db = await contexts.CreateDbContextAsync();
        var periods = await db.Set<WorkingPeriodRecord>().OrderBy(p => p.StartsAt).Select(p => new WorkingPeriod(p.StartsAt, p.EndsAt)).ToListAsync();
        var settings = await db.Set<CalendarSettingsRecord>().SingleAsync(s => s.Id == 1);
        var days = await db.Set<CalendarDayRecord>().Select(d => new { d.Day, d.Kind }).ToListAsync();
        var yearPeriods = await db.Set<CalendarYearPeriodRecord>().OrderBy(p => p.Year).ThenBy(p => p.StartsAt)
            .Select(p => new { p.Year, p.StartsAt, p.EndsAt }).ToListAsync();
        var calendar = new WorkingCalendar(
            TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone),
            periods,
            settings.RestWeekdays.Select(d => (DayOfWeek)d).ToHashSet(),
            days.Where(d => d.Kind == "holiday").Select(d => d.Day).ToHashSet(),
            days.Where(d => d.Kind == "workday").Select(d => d.Day).ToHashSet(),
            yearPeriods.GroupBy(p => p.Year).ToDictionary(
                y => y.Key, y => (IReadOnlyList<WorkingPeriod>)[.. y.Select(p => new WorkingPeriod(p.StartsAt, p.EndsAt))]));
        if (Interlocked.Read(ref _generation) == generation) _calendar = new Cached(calendar, now);
        return calendar;
    }
}
