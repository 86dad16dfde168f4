using Grid.Server.Auth;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Catalogue;

/// <summary>The categories page's data: the same service, checks and audit as /api/admin/categories, for the circuit's person.</summary>
public sealed class CategoryAdminSource(AuthenticationStateProvider auth, CategoryAdmin admin, TimeProvider clock) : ICategoryAdmin
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public Task<IReadOnlyList<CategoryItem>> ListAsync() => admin.ListAsync();
    public Task<IReadOnlyList<UnitChoice>> UnitsAsync() => admin.UnitsAsync();
    public async Task<AdminResult<CategoryItem>> CreateAsync(CategoryInput input) => await admin.CreateAsync(await ViewerAsync(), input, clock.GetUtcNow());
    public async Task<AdminResult<CategoryItem>> UpdateAsync(string code, CategoryInput input) => await admin.UpdateAsync(await ViewerAsync(), code, input, clock.GetUtcNow());
}

/// <summary>The calendar page's data: the same service, checks and audit as /api/admin/calendar, for the circuit's person.</summary>
public sealed class CalendarAdminSource(AuthenticationStateProvider auth, CalendarAdmin admin, TimeProvider clock) : ICalendarAdmin
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public Task<CalendarYearView> YearAsync(int year) => admin.YearAsync(year);

    public Task<AdminResult<IReadOnlyList<CalendarDayItem>>> ParseAsync(int year, string? text)
    {
        var (days, errors) = CalendarAdmin.Parse(year, text);
        return Task.FromResult(errors.Count > 0
            ? AdminResult<IReadOnlyList<CalendarDayItem>>.Invalid(new Dictionary<string, string[]> { ["text"] = [.. errors] })
            : AdminResult<IReadOnlyList<CalendarDayItem>>.Success(days));
    }

    public async Task<AdminResult<CalendarYearView>> SaveDaysAsync(int year, CalendarDaysInput input) =>
        await admin.SaveDaysAsync(await ViewerAsync(), year, input, clock.GetUtcNow());

    public async Task<AdminResult<CalendarYearView>> SaveSettingsAsync(int year, CalendarSettingsInput input) =>
        await admin.SaveSettingsAsync(await ViewerAsync(), year, input, clock.GetUtcNow());

    public async Task<AdminResult<CalendarYearView>> SavePeriodsAsync(int year, CalendarPeriodsInput input) =>
        await admin.SavePeriodsAsync(await ViewerAsync(), year, input, clock.GetUtcNow());
}
