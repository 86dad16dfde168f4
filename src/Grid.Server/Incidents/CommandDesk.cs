using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Citizens;
using Grid.Server.Escalation;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Realtime;
using Grid.Server.Staff;
using Grid.Web;
using Grid.Web.Pages.Command;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace Grid.Server.Incidents;

/// <summary>
/// The command center's data and steps for the circuit's person. Reads use the repositories with the API's scope rule;
/// every step runs the API's own handler (same checks, same refusals, same audit and events), given the circuit's
/// person as the request's user. Nothing is kept between calls of one page; the list, the counts and the cell colours,
/// which every open command center reloads after each change, are read once for all pages that ask the same thing
/// after the same changes (<see cref="SharedReads"/>, up to what this circuit has been told of: <see cref="CircuitFeed.Seen"/>).
/// </summary>
public sealed class CommandDesk(AuthenticationStateProvider auth, IServiceProvider services, CaseRepository cases, StaffRepository staff,
    CatalogueRepository catalogue, GridRepository grid, EventRepository events, Photos.PhotoRepository photos, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<GridOptions> options, SharedReads shared, CircuitFeed feed, IStringLocalizer<Strings> texts) : ICommandSource
{
    private async Task<ClaimsPrincipal> UserAsync() => (await auth.GetAuthenticationStateAsync()).User;
    private async Task<Viewer> ViewerAsync() => Viewer.From(await UserAsync());
    private static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    public async Task<string?> HomeStreetAsync() => (await ViewerAsync()).AreaStreet;

    private static CaseFilter FilterOf(CaseQuery q) => new(q.StateCodes, Blank(q.Category), Blank(q.Cell), q.Place, null,
        q.Overdue ? true : null, null, Blank(q.Text) is { } t ? (t.Length > 100 ? t[..100] : t) : null, null, null, 1,
        Math.Clamp(q.Count, 1, CaseEndpoints.MaxPageSize), Blank(q.Source), OrderOf(q.Sort, q.Descending), Math.Max(0, q.Offset));

    private static CaseOrder OrderOf(CaseSort sort, bool descending) => (sort, descending) switch
    {
        (CaseSort.Created, false) => CaseOrder.Oldest,
        (CaseSort.CaseNo, false) => CaseOrder.CaseNo,
        (CaseSort.CaseNo, true) => CaseOrder.CaseNoDesc,
        (CaseSort.State, false) => CaseOrder.State,
        (CaseSort.State, true) => CaseOrder.StateDesc,
        (CaseSort.Deadline, false) => CaseOrder.Deadline,
        (CaseSort.Deadline, true) => CaseOrder.DeadlineDesc,
        (CaseSort.Category, false) => CaseOrder.Category,
        (CaseSort.Category, true) => CaseOrder.CategoryDesc,
        _ => CaseOrder.Newest,
    };

    public async Task<CaseSlice> ListAsync(CaseQuery query)
    {
        var viewer = await ViewerAsync();
        var now = clock.GetUtcNow();
        // The grid scrolls through its count, so it counts further than the API's page total (Grid:CaseCountCap) before
        // it says "N+": an operator reaches any of the first ten times as many cases by scrolling, the rest by filters or sort.
        var filter = FilterOf(query);
        var scope = CaseEndpoints.ScopeOf(viewer);
        var (rows, total, capped) = await shared.GetAsync(SharedKey("list", filter, scope), feed.Seen,
            () => cases.ListAsync(filter, scope, now, options.Value.CaseCountCap * 10));
        return new CaseSlice(rows.Select(r => new CaseItem(r.Id, r.CaseNo, r.State, r.Lat, r.Lon, r.CategoryCode,
            English ? r.CategoryNameEn : r.CategoryNameZh, r.Source, r.Priority, r.CellCode, r.Address, r.Deadline,
            r.State is "dispatched" or "in_progress" && r.Deadline < now, r.Version, r.CreatedAt)).ToList(), total, capped);
    }

    public async Task<IReadOnlyDictionary<string, long>> CountsAsync(CaseQuery query)
    {
        var filter = FilterOf(query);
        var scope = CaseEndpoints.ScopeOf(await ViewerAsync());
        return await shared.GetAsync(SharedKey("counts", filter, scope), feed.Seen, () => cases.CountByStateAsync(filter, scope, clock.GetUtcNow()));
    }

    // What a shared read's answer depends on: the filter, and who may see what. A viewer who sees every case sees the
    // same list as every other such viewer; anyone else's visibility includes his own cases (reported, assigned, his
    // cells), so his key is his own.
    internal static string SharedKey(string what, CaseFilter filter, Scope scope) =>
        JsonSerializer.Serialize(new { what, filter, scope = scope.All ? scope with { Me = Guid.Empty } : scope });

    public async Task<(CaseDetail? Case, string? Error)> FindAsync(long id)
    {
        var viewer = await ViewerAsync();
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return (null, Problems.ErrorOf(problem, texts));
        var now = clock.GetUtcNow();
        var calendar = await catalogue.CalendarAsync();
        var view = CaseEndpoints.ToView(visible!.Row, visible.Actor, calendar, now, await cases.HistoryAsync(id));
        return (DetailOf(view, now, calendar.WorkingTimeBetween(now, now.AddMinutes(1)) > TimeSpan.Zero), null);
    }

    private static CaseDetail DetailOf(CaseView v, DateTimeOffset now, bool workingNow) => new(v.Id, v.CaseNo, v.State, v.Lat, v.Lon,
        v.CategoryCode, English ? v.CategoryNameEn : v.CategoryNameZh, v.Source, v.Priority, v.Description, v.Address, v.CellCode, v.CellName,
        v.AssignedUnitName, v.AssigneeName, v.ReporterName, v.ReporterPhone, v.Deadline, v.Clock.RemainingSeconds, v.Clock.Overdue,
        v.Clock.Paused, workingNow && !v.Clock.Paused && v.Clock.RemainingSeconds is not null, now, v.Version, v.Actions,
        (v.History ?? []).Select(Entry).ToList());

    private static HistoryEntry Entry(HistoryView h)
    {
        var (key, args) = HistoryTexts.Read(h.Details);
        return new HistoryEntry(h.At, h.ActorName, h.Action, h.ToState, h.Reason, h.PublicNote, PhotosOf(h.Evidence), DeadlineOf(h.Details),
            key, args, HistoryTexts.PublicNoteKey(h.Details));
    }

    // The deadline a step set is in its details (Case.Dispatch, Extend, Resume, Rework); an escalation's is nested and not a new one.
    private static DateTimeOffset? DeadlineOf(JsonElement details) =>
        details.ValueKind == JsonValueKind.Object && details.TryGetProperty("deadline", out var d) && d.ValueKind == JsonValueKind.String
            && d.TryGetDateTimeOffset(out var at) ? at : null;

    // Evidence is photo references only (checked when a step is taken); anything else from older data is left out.
    private static IReadOnlyList<string> PhotosOf(JsonElement evidence) => evidence.ValueKind != JsonValueKind.Array ? [] :
        evidence.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)
            .Where(e => Photos.PhotoEndpoints.ShaOf(e) is not null).ToList();

    /// <summary>A request as the API would get it from the circuit's person, for running the API's own handlers.</summary>
    private DefaultHttpContext RequestOf(ClaimsPrincipal user) => new() { User = user, RequestServices = services };

    private StepContext StepsFor(HttpContext request) =>
        new(new HttpContextAccessor { HttpContext = request }, cases, staff, catalogue, photos, services.GetRequiredService<Staff.DutyRoster>(), clock);

    public async Task<StepOutcome> StepAsync(long id, StepInput step)
    {
        var request = RequestOf(await UserAsync());
        var steps = StepsFor(request);
        IResult result;
        switch (step.Action)
        {
            case "spam":
                result = await CitizenEndpoints.MarkSpam(id, new SpamRequest(step.Reason, step.Version), request, steps,
                    services.GetRequiredService<CitizenRepository>(), cases, staff, clock);
                break;
            case "supervise":
                result = (await EscalationEndpoints.Supervise(id, new SuperviseRequest(step.Reason), request, cases, staff,
                    services.GetRequiredService<EscalationRepository>(), clock)).Result;
                break;
            default:
                if (!CaseEndpoints.StepActions.Contains(step.Action)) return new StepOutcome(null, $"'{step.Action}' is not an action.");
                var body = new StepRequest(step.Version, Blank(step.Reason), null, null, Blank(step.UnitId), step.AssigneeId, step.Deadline,
                    Blank(step.PublicNote));
                result = await steps.RunAsync(id, body, CaseEndpoints.StepOf(step.Action, steps));
                break;
        }
        if (Problems.ErrorOf(result, texts) is { } error) return new StepOutcome(null, error);
        var (detail, readError) = await FindAsync(id);
        return new StepOutcome(detail, readError);
    }

    public async Task<(DispatchPlan? Plan, string? Error)> DispatchPlanAsync(long id)
    {
        var viewer = await ViewerAsync();
        if (!viewer.Roles.Any(Domain.Incidents.Lifecycle.AllowedRoles[Domain.Incidents.CaseAction.Dispatch].Contains))
            return (null, "Only the command center dispatches cases.");
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return (null, Problems.ErrorOf(problem, texts));
        var row = visible!.Row;
        var (unit, assignee, deadline, rule, headVacant) = await CaseEndpoints.SuggestWithRuleAsync(row, cases, catalogue,
            services.GetRequiredService<Staff.DutyRoster>(), clock.GetUtcNow());
        var name = assignee is null ? null : await staff.DisplayNameAsync(assignee.Value);
        var units = (await catalogue.ListUnitsAsync()).Where(u => u.Active).Select(u => new Choice(u.Id, English ? u.NameEn : u.NameZh)).ToList();
        var people = (await staff.TeamOfCellAsync(row.CellCode)).DistinctBy(m => m.PersonId)
            .Select(m => new Choice(m.PersonId.ToString(), $"{m.DisplayName} ({m.Role})")).ToList();
        if (assignee is { } a && people.All(p => p.Value != a.ToString())) people.Add(new Choice(a.ToString(), name ?? a.ToString()));
        return (new DispatchPlan(unit, assignee, name, deadline, units, people, rule, headVacant), null);
    }

    public async Task<string?> PublishPhotoAsync(long id, string photo, string kind)
    {
        var request = RequestOf(await UserAsync());
        return Problems.ErrorOf(await CitizenEndpoints.PublishPhoto(id, new PublishPhotoRequest(photo, kind), request,
            services.GetRequiredService<CitizenRepository>(), cases, staff, clock), texts);
    }

    public async Task<CityLayout> LayoutAsync(string? street)
    {
        var cells = await grid.ListCellsAsync(null, Blank(street), null, clock.GetUtcNow(), GridEndpoints.MaxCellsPerRequest);
        return new CityLayout(
            cells.DistinctBy(c => c.StreetCode).OrderBy(c => c.StreetCode).Select(c => new Choice(c.StreetCode, $"{c.StreetName} ({c.StreetCode})")).ToList(),
            cells.DistinctBy(c => c.CommunityCode).OrderBy(c => c.CommunityCode).Select(c => new Choice(c.CommunityCode, $"{c.CommunityName} ({c.CommunityCode})")).ToList());
    }

    public async Task<IReadOnlyList<CellLoad>> CellLoadsAsync(string? street) =>
        (await shared.GetAsync("cells:" + Blank(street), feed.Seen, () => grid.CellLoadsAsync(Blank(street), clock.GetUtcNow(), GridEndpoints.MaxCellsPerRequest)))
        .Select(c => new CellLoad(c.Code, c.Open, c.Overdue)).ToList();

    public async Task<IReadOnlyList<Choice>> CategoriesAsync() =>
        (await catalogue.ListCategoriesAsync()).Select(c => new Choice(c.Code, $"{c.Code} {(English ? c.NameEn : c.NameZh)}")).ToList();

    public async Task<IReadOnlyList<StaffSpot>> StaffAsync()
    {
        var viewer = await ViewerAsync();
        var (audience, _) = Audience.For(viewer, null, await events.CellsServedAsync(viewer.PersonId));
        if (audience is null) return [];
        return (await events.LatestPositionsAsync(audience, clock.GetUtcNow().AddMinutes(-120)))
            .Select(p => new StaffSpot(p.PersonId, p.DisplayName, p.Lat, p.Lon, p.At)).ToList();
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
