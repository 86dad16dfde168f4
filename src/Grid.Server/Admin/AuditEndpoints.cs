using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Stats;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Admin;

/// <summary>GET /api/admin/audit (a page, JSON) and /api/admin/audit.csv / .xlsx (every matching row): administrators only.</summary>
public static class AuditEndpoints
{
    public static IServiceCollection AddAuditLog(this IServiceCollection services)
    {
        services.AddSingleton<AuditLogQuery>();
        services.AddSingleton<CellAdmin>();
        services.AddCellImports();
        services.AddScoped<IAuditLog, AuditLogSource>();
        return services;
    }

    public static void MapAuditLog(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin").WithTags("Administration").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        group.MapGet("/audit", Page);
        group.MapGet("/audit/actions", async (AuditLogQuery query) => TypedResults.Ok(await query.ActionsAsync()));
        group.MapGet("/audit.csv", Export);
        group.MapGet("/audit.xlsx", Export);
        CellAdmin.MapCellAdmin(app);
        app.MapCellImports();
    }

    private static async Task<IResult> Page(string? person, string? action, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize,
        HttpContext http, AuditLogQuery query) =>
        AdminAnswers.ToHttp(await query.PageAsync(Viewer.From(http.User), new AuditFilter(person, action, from, to), page ?? 1, pageSize ?? 50));

    private static async Task<IResult> Export(string? person, string? action, DateTimeOffset? from, DateTimeOffset? to, HttpContext http, AuditLogQuery query)
    {
        var filter = new AuditFilter(person, action, from, to);
        var errors = AuditLogQuery.Check(filter, 1, 1);
        if (errors.Count > 0) return Problems.Validation(errors);
        await Csv.WriteAsync(http, "audit-log.csv", ["id", "at", "actor_id", "actor_username", "actor_name", "action", "subject", "details"],
            query.ExportAsync(Viewer.From(http.User), filter),
            r => [r.Id, r.At, r.ActorId, r.ActorUsername, r.ActorName, r.Action, r.Subject, r.Details]);
        return TypedResults.Empty;
    }
}
