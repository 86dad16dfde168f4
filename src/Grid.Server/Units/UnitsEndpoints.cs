using Grid.Domain.People;
using Grid.Server.Admin;
using Grid.Server.Auth;
using Grid.Server.Staff;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Units;

public sealed record UnitVersionRequest(int? Version);

/// <summary>
/// Responsible units as routes (issue 11); the /admin/units page calls the same <see cref="UnitsAdmin"/>.
/// Only administrators; a street administrator only for his street's units (see <see cref="UnitsAdmin"/>).
/// Deactivating is its own action route, never a field of the PUT.
/// </summary>
public static class UnitsEndpoints
{
    public static IServiceCollection AddUnitsAdmin(this IServiceCollection services)
    {
        services.AddSingleton<UnitsAdmin>();
        services.AddScoped<IUnitsAdminSource, UnitsAdminSource>();
        return services;
    }

    public static void MapUnitsAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/units").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        group.MapGet("", List);
        group.MapGet("/{unit}", Get);
        group.MapPost("", Create);
        group.MapPut("/{unit}", Update);
        group.MapPost("/{unit}/deactivate", Deactivate);
        group.MapPost("/{unit}/reactivate", Reactivate);
        group.MapGet("/{unit}/candidates", Candidates);
        group.MapPost("/{unit}/members", AddMember);
        group.MapPost("/{unit}/members/remove", RemoveMember);
    }

    private static async Task<IResult> List(HttpContext http, UnitsAdmin units, bool? inactive)
    {
        var (list, refusal) = await units.ListAsync(Viewer.From(http.User), inactive ?? false);
        return list is null ? AdminAnswers.ToHttp(refusal!) : TypedResults.Ok(list);
    }

    private static async Task<IResult> Get(string unit, HttpContext http, UnitsAdmin units) =>
        AdminAnswers.ToHttp(await units.GetAsync(Viewer.From(http.User), unit));

    private static async Task<IResult> Create(UnitInput? body, HttpContext http, UnitsAdmin units)
    {
        var result = await units.CreateAsync(Viewer.From(http.User), body);
        return AdminAnswers.ToHttp(result, result.Value is { } u ? $"/api/admin/units/{u.Id}" : null);
    }

    private static async Task<IResult> Update(string unit, UnitInput? body, HttpContext http, UnitsAdmin units) =>
        AdminAnswers.ToHttp(await units.UpdateAsync(Viewer.From(http.User), unit, body));

    private static async Task<IResult> Deactivate(string unit, UnitVersionRequest? body, HttpContext http, UnitsAdmin units) =>
        AdminAnswers.ToHttp(await units.DeactivateAsync(Viewer.From(http.User), unit, body?.Version));

    private static async Task<IResult> Reactivate(string unit, UnitVersionRequest? body, HttpContext http, UnitsAdmin units) =>
        AdminAnswers.ToHttp(await units.ReactivateAsync(Viewer.From(http.User), unit, body?.Version));

    /// <summary>Active people the administrator manages who are not staff of the unit yet (?q= narrows by name, username or phone; at most 50).</summary>
    private static async Task<IResult> Candidates(string unit, HttpContext http, UnitsAdmin units, string? q)
    {
        var (people, refusal) = await units.CandidatesAsync(Viewer.From(http.User), unit, q);
        return people is null ? AdminAnswers.ToHttp(refusal!) : TypedResults.Ok(people);
    }

    /// <summary>Makes the person staff of the unit (the people service writes him; 409 when his version is not the one sent).</summary>
    private static async Task<IResult> AddMember(string unit, UnitMemberRequest? body, HttpContext http, UnitsAdmin units)
    {
        var o = await units.AddMemberAsync(Viewer.From(http.User), unit, body?.PersonId, body?.Version);
        return o.Saved is { } saved ? TypedResults.Ok(saved) : PeopleEndpoints.Problem(o);
    }

    private static async Task<IResult> RemoveMember(string unit, UnitMemberRequest? body, HttpContext http, UnitsAdmin units)
    {
        var o = await units.RemoveMemberAsync(Viewer.From(http.User), unit, body?.PersonId, body?.Version);
        return o.Saved is { } saved ? TypedResults.Ok(saved) : PeopleEndpoints.Problem(o);
    }
}

/// <summary>The /admin/units page's data and actions for the circuit's person.</summary>
public sealed class UnitsAdminSource(AuthenticationStateProvider auth, UnitsAdmin units) : IUnitsAdminSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<IReadOnlyList<UnitItem>> ListAsync(bool includeInactive) => (await units.ListAsync(await ViewerAsync(), includeInactive)).Units ?? [];

    public async Task<UnitChoices> ChoicesAsync() => await units.ChoicesAsync(await ViewerAsync());

    public async Task<AdminResult<UnitDetail>> GetAsync(string id) => await units.GetAsync(await ViewerAsync(), id);

    public async Task<AdminResult<UnitItem>> CreateAsync(UnitInput input) => await units.CreateAsync(await ViewerAsync(), input);

    public async Task<AdminResult<UnitItem>> UpdateAsync(string id, UnitInput input) => await units.UpdateAsync(await ViewerAsync(), id, input);

    public async Task<AdminResult<UnitItem>> DeactivateAsync(string id, int version) => await units.DeactivateAsync(await ViewerAsync(), id, version);

    public async Task<AdminResult<UnitItem>> ReactivateAsync(string id, int version) => await units.ReactivateAsync(await ViewerAsync(), id, version);

    public async Task<IReadOnlyList<PersonRow>> CandidatesAsync(string id, string? text) => (await units.CandidatesAsync(await ViewerAsync(), id, text)).People ?? [];

    public async Task<AdminOutcome> AddMemberAsync(string id, Guid personId, int version) => await units.AddMemberAsync(await ViewerAsync(), id, personId, version);

    public async Task<AdminOutcome> RemoveMemberAsync(string id, Guid personId, int version) => await units.RemoveMemberAsync(await ViewerAsync(), id, personId, version);
}
