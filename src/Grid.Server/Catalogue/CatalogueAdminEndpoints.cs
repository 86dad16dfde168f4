using Grid.Domain.People;
using Grid.Server.Admin;
using Grid.Server.Auth;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Catalogue;

/// <summary>The administrators' routes for categories and the working calendar (only administrators; a
/// street-scoped administrator reads but cannot change these city-wide rules).</summary>
public static class CatalogueAdminEndpoints
{
    public static IServiceCollection AddCatalogueAdmin(this IServiceCollection services)
    {
        services.AddSingleton<CategoryAdmin>();
        services.AddSingleton<CalendarAdmin>();
        services.AddHostedService<CalendarChanges>();
        services.AddScoped<ICategoryAdmin, CategoryAdminSource>();
        services.AddScoped<ICalendarAdmin, CalendarAdminSource>();
        return services;
    }

    public static void MapCatalogueAdmin(this IEndpointRouteBuilder app)
    {
        var categories = app.MapGroup("/api/admin/categories").WithTags("Administration")
            .RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        categories.MapGet("/", async (CategoryAdmin admin) => TypedResults.Ok(await admin.ListAsync()));
        categories.MapPost("/", CreateCategory);
        categories.MapPut("/{code}", UpdateCategory);

        var calendar = app.MapGroup("/api/admin/calendar").WithTags("Administration")
            .RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        calendar.MapGet("/{year:int}", Year);
        calendar.MapPut("/{year:int}/days", SaveDays);
        calendar.MapPost("/{year:int}/paste", Paste);
        calendar.MapPut("/{year:int}/settings", SaveSettings);
        calendar.MapPut("/{year:int}/periods", SavePeriods);
    }

    private static async Task<IResult> CreateCategory(CategoryInput? body, HttpContext http, CategoryAdmin admin, TimeProvider clock)
    {
        var result = await admin.CreateAsync(Viewer.From(http.User), body, clock.GetUtcNow());
        return AdminAnswers.ToHttp(result, result.Value is { } c ? $"/api/admin/categories/{c.Code}" : null);
    }

    private static async Task<IResult> UpdateCategory(string code, CategoryInput? body, HttpContext http, CategoryAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.UpdateAsync(Viewer.From(http.User), code, body, clock.GetUtcNow()));

    private static async Task<IResult> Year(int year, CalendarAdmin admin) =>
        CalendarAdmin.CheckYear(year) is { } problem
            ? Http.Problems.Validation(new() { ["year"] = [problem] })
            : TypedResults.Ok(await admin.YearAsync(year));

    private static async Task<IResult> SaveDays(int year, CalendarDaysInput? body, HttpContext http, CalendarAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.SaveDaysAsync(Viewer.From(http.User), year, body, clock.GetUtcNow()));

    /// <summary>POST /api/admin/calendar/{year}/paste?preview=true reads the list and writes nothing; without preview the
    /// list replaces the year's days. Errors name their line.</summary>
    private static async Task<IResult> Paste(int year, CalendarPasteInput? body, bool? preview, HttpContext http, CalendarAdmin admin, TimeProvider clock)
    {
        if (CalendarAdmin.CheckYear(year) is { } problem) return Http.Problems.Validation(new() { ["year"] = [problem] });
        var (days, errors) = CalendarAdmin.Parse(year, body?.Text);
        if (errors.Count > 0) return Http.Problems.Validation(new() { ["text"] = [.. errors] });
        if (preview == true) return TypedResults.Ok(days);
        return AdminAnswers.ToHttp(await admin.SaveDaysAsync(Viewer.From(http.User), year, new CalendarDaysInput(body?.Version, days), clock.GetUtcNow()));
    }

    private static async Task<IResult> SaveSettings(int year, CalendarSettingsInput? body, HttpContext http, CalendarAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.SaveSettingsAsync(Viewer.From(http.User), year, body, clock.GetUtcNow()));

    private static async Task<IResult> SavePeriods(int year, CalendarPeriodsInput? body, HttpContext http, CalendarAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.SavePeriodsAsync(Viewer.From(http.User), year, body, clock.GetUtcNow()));
}
