using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Staff;

public sealed record DutyShiftRequest(Guid? PersonId, string? Kind, DateTimeOffset? StartsAt, DateTimeOffset? EndsAt, Guid? SubstituteId, string? Note)
{
    public DutyShiftForm ToForm() => new()
    {
        PersonId = PersonId, Kind = Kind ?? "duty", StartsAt = StartsAt, EndsAt = EndsAt, SubstituteId = SubstituteId, Note = Note,
    };
}

/// <summary>Duty rosters as routes (issue 11); the /admin/duty page calls the same <see cref="DutyRoster"/>.</summary>
public static class DutyEndpoints
{
    public static void MapDutyAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/duty").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        group.MapGet("/{cell}", Get);
        group.MapPost("/{cell}/shifts", Add);
        group.MapDelete("/{cell}/shifts/{id:long}", Remove);
        // A unit's roster: the same rules for the unit's staff (a street administrator: his street's units only).
        var units = app.MapGroup("/api/admin/unit-duty").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        units.MapGet("/{unit}", GetUnit);
        units.MapPost("/{unit}/shifts", AddUnit);
        units.MapDelete("/{unit}/shifts/{id:long}", RemoveUnit);
    }

    private static IResult Answer((RosterView? Roster, string? Error, AdminRefusal Refusal) r, int okStatus = 200) => r.Roster is { } roster
        ? (okStatus == 201 ? TypedResults.Created($"/api/admin/{(roster.IsUnit ? "unit-duty" : "duty")}/{roster.CellCode}", roster) : TypedResults.Ok(roster))
        : r.Refusal switch
        {
            AdminRefusal.Forbidden => Problems.Forbidden(r.Error!),
            AdminRefusal.NotFound => Problems.NotFound(r.Error!),
            _ => Problems.BadRequest(r.Error!),
        };

    private static async Task<IResult> Get(string cell, HttpContext http, DutyRoster duty) =>
        Answer(await duty.RosterAsync(Viewer.From(http.User), cell));

    private static async Task<IResult> Add(string cell, DutyShiftRequest body, HttpContext http, DutyRoster duty) =>
        Answer(await duty.AddAsync(Viewer.From(http.User), cell, new DutyShiftForm
        {
            PersonId = body.PersonId, Kind = body.Kind ?? "duty", StartsAt = body.StartsAt, EndsAt = body.EndsAt, SubstituteId = body.SubstituteId, Note = body.Note,
        }), 201);

    private static async Task<IResult> Remove(string cell, long id, HttpContext http, DutyRoster duty) =>
        Answer(await duty.RemoveAsync(Viewer.From(http.User), cell, id));

    private static async Task<IResult> GetUnit(string unit, HttpContext http, DutyRoster duty) =>
        Answer(await duty.UnitRosterAsync(Viewer.From(http.User), unit));

    private static async Task<IResult> AddUnit(string unit, DutyShiftRequest body, HttpContext http, DutyRoster duty) =>
        Answer(await duty.AddUnitShiftAsync(Viewer.From(http.User), unit, body.ToForm()), 201);

    private static async Task<IResult> RemoveUnit(string unit, long id, HttpContext http, DutyRoster duty) =>
        Answer(await duty.RemoveUnitShiftAsync(Viewer.From(http.User), unit, id));
}

/// <summary>The /admin/duty page's data and actions for the circuit's person.</summary>
public sealed class DutyAdminSource(AuthenticationStateProvider auth, DutyRoster duty, PostsAdmin posts, Units.UnitsAdmin units) : IDutyAdminSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<IReadOnlyList<CellPosts>> CellsAsync(string? text) => (await posts.CellsAsync(await ViewerAsync(), text)).Cells ?? [];

    public async Task<(RosterView? Roster, string? Error)> RosterAsync(string cellCode)
    {
        var (r, e, _) = await duty.RosterAsync(await ViewerAsync(), cellCode);
        return (r, e);
    }

    public async Task<(RosterView? Roster, string? Error)> AddAsync(string cellCode, DutyShiftForm form)
    {
        var (r, e, _) = await duty.AddAsync(await ViewerAsync(), cellCode, form);
        return (r, e);
    }

    public async Task<(RosterView? Roster, string? Error)> RemoveAsync(string cellCode, long shiftId)
    {
        var (r, e, _) = await duty.RemoveAsync(await ViewerAsync(), cellCode, shiftId);
        return (r, e);
    }

    public async Task<IReadOnlyList<PostCandidate>> SubstitutesAsync(string cellCode, string role) =>
        await posts.CandidatesAsync(await ViewerAsync(), role, null);

    public async Task<IReadOnlyList<UnitItem>> UnitsAsync() => (await units.ListAsync(await ViewerAsync(), false)).Units ?? [];

    public async Task<(RosterView? Roster, string? Error)> UnitRosterAsync(string unitId)
    {
        var (r, e, _) = await duty.UnitRosterAsync(await ViewerAsync(), unitId);
        return (r, e);
    }

    public async Task<(RosterView? Roster, string? Error)> AddUnitShiftAsync(string unitId, DutyShiftForm form)
    {
        var (r, e, _) = await duty.AddUnitShiftAsync(await ViewerAsync(), unitId, form);
        return (r, e);
    }

    public async Task<(RosterView? Roster, string? Error)> RemoveUnitShiftAsync(string unitId, long shiftId)
    {
        var (r, e, _) = await duty.RemoveUnitShiftAsync(await ViewerAsync(), unitId, shiftId);
        return (r, e);
    }
}
