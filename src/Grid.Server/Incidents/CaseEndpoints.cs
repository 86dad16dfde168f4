using System.Text.Json;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Intake;
using Grid.Server.Privacy;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Grid.Server.Incidents;

public sealed record ReportRequest(double? Lat, double? Lon, string? CategoryCode, string? Description, string? Address,
    string? Priority, string? Source, string? ReporterName, string? ReporterPhone);

/// <summary>The body of every lifecycle action; each action reads the fields it needs.</summary>
/// <param name="Version">The version the client saw; a different current version gets 409.</param>
/// <param name="PublicNote">What the citizen reporter is told (Open311 status_notes, the tracking page);
/// <paramref name="Reason"/> and <paramref name="Note"/> stay internal.</param>
public sealed record StepRequest(int? Version, string? Reason, string? Note, IReadOnlyList<string>? Evidence,
    string? UnitId, Guid? AssigneeId, DateTimeOffset? Deadline, string? PublicNote = null);

public sealed record ClockView(double? RemainingSeconds, bool Overdue, bool Paused);

public sealed record HistoryView(long Id, DateTimeOffset At, Guid? ActorId, string? ActorName, string Action, string? FromState,
    string ToState, string? Reason, JsonElement Evidence, JsonElement Details, string? PublicNote = null);

public sealed record CaseView(long Id, string CaseNo, string State, double Lat, double Lon, string Address, string CategoryCode,
    string CategoryNameZh, string CategoryNameEn, string Source, string Priority, string Description, string? ReporterName,
    string? ReporterPhone, string CellCode, string CellName, Guid? ReportedBy, string? AssignedUnitId, string? AssignedUnitName,
    Guid? AssigneeId, string? AssigneeName, DateTimeOffset? Deadline, ClockView Clock, int ExtensionCount, int ReworkCount,
    DateTimeOffset CreatedAt, DateTimeOffset? RegisteredAt, DateTimeOffset? DispatchedAt, DateTimeOffset? AcceptedAt,
    DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt, DateTimeOffset UpdatedAt, int Version, IReadOnlyList<string> Actions,
    IReadOnlyList<HistoryView>? History);

/// <param name="Total">How many cases match: exact, or when <paramref name="TotalCapped"/> only that there are at least this many.</param>
public sealed record CasePage(IReadOnlyList<CaseView> Items, long Total, int Page, int PageSize, bool TotalCapped = false);

/// <summary>
/// What a dispatch would use. <see cref="Rule"/> says which step of the routing rule chose the person;
/// <see cref="GridHeadVacant"/> flags a cell whose grid-head post has no active holder (the fallback of the rule).
/// </summary>
public sealed record DispatchSuggestion(string UnitId, Guid? AssigneeId, string? AssigneeName, DateTimeOffset Deadline,
    string? Rule = null, bool GridHeadVacant = false);

public static class CaseEndpoints
{
    public const int MaxPageSize = 200;
    private static readonly string[] Sources = ["field", "citizen", "hotline", "higher_level", "video", "sensor", "open311", "web"];
    private static readonly string[] CommandSources = ["hotline", "higher_level", "video", "sensor", "citizen", "web", "field"];

    public static void MapCases(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/cases").WithTags("Cases");
        group.MapPost("/", Report);
        group.MapGet("/", List);
        group.MapGet("/{id:long}", Get);
        group.MapGet("/nearby", Nearby);
        group.MapGet("/{id:long}/dispatch-suggestion", SuggestDispatch);

        foreach (var action in StepActions)
        {
            group.MapPost("/{id:long}/" + action, (long id, StepRequest? body, StepContext ctx) => ctx.RunAsync(id, body, StepOf(action, ctx)));
        }
    }

    /// <summary>Every lifecycle action, as its route segment.</summary>
    public static readonly string[] StepActions =
        ["register", "cancel", "dispatch", "accept", "feedback", "self-handle", "verify", "rework", "return", "extend", "hold", "resume", "reopen"];

    /// <summary>The domain step behind each action route (the API and the desk take the same steps).</summary>
    internal static Func<Case, Actor, StepRequest, Task<StepResult>> StepOf(string action, StepContext ctx) => action switch
    {
        "register" => (c, a, _) => Task.FromResult(c.Register(a, ctx.Now)),
        "cancel" => (c, a, b) => Task.FromResult(c.Cancel(a, b.Reason, ctx.Now)),
        "dispatch" => ctx.DispatchAsync,
        "accept" => (c, a, _) => Task.FromResult(c.Accept(a, ctx.Now)),
        "feedback" => (c, a, b) => Task.FromResult(c.Feedback(a, b.Note ?? b.Reason, b.Evidence ?? [], ctx.Now)),
        "self-handle" => ctx.SelfHandleAsync,
        "verify" => (c, a, b) => Task.FromResult(c.Verify(a, b.Note ?? b.Reason, b.Evidence ?? [], ctx.Now)),
        "rework" => ctx.ReworkAsync,
        "return" => (c, a, b) => Task.FromResult(c.Return(a, b.Reason, ctx.Now)),
        "extend" => ctx.ExtendAsync,
        "hold" => async (c, a, b) => c.Hold(a, b.Reason, await ctx.Catalogue.CalendarAsync(), ctx.Now),
        "resume" => async (c, a, _) => c.Resume(a, await ctx.Catalogue.CalendarAsync(), ctx.Now),
        "reopen" => (c, a, b) => Task.FromResult(c.Reopen(a, b.Reason, ctx.Now)),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Not a lifecycle action."),
    };

    /// <summary>POST /api/cases: a new report (待受理). An Idempotency-Key header makes retries safe.</summary>
    private static async Task<Results<Created<CaseView>, ValidationProblem, ProblemHttpResult>> Report(
        ReportRequest body, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, HttpContext http,
        CaseRepository cases, CatalogueRepository catalogue, IntakeService intake, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Lifecycle.ReportingRoles.Contains))
        {
            return Problems.Forbidden("Your role cannot file reports; ask a grid worker or the command center.");
        }
        var commandCenter = viewer.Roles.Any(r => r is Role.Operator or Role.ShiftLead or Role.Dispatcher);
        var source = body.Source ?? (commandCenter ? "hotline" : "field");
        var intakeReport = new IntakeReport(body.Lat, body.Lon, body.Address, body.CategoryCode, body.Description, body.Priority ?? "normal",
            source, body.ReporterName, body.ReporterPhone, null, viewer.PersonId);
        var errors = new Errors();
        await intake.CheckAsync(intakeReport, errors, IntakeFields.Api);
        if (!Sources.Contains(source)) errors.Add("source", $"Source '{source}' is unknown; use one of {string.Join(", ", Sources)}.");
        else if (!commandCenter && source != "field") errors.Add("source", "Field staff report with source 'field'.");
        else if (commandCenter && !CommandSources.Contains(source)) errors.Add("source", $"The command center records sources {string.Join(", ", CommandSources)}.");
        if (idempotencyKey is { Length: > 200 } || idempotencyKey is { Length: 0 }) errors.Add("Idempotency-Key", "The Idempotency-Key header must be 1 to 200 characters.");
        if (errors.Any) return errors.ToProblem();

        var hash = RequestHash.Of(body);
        var outcome = await intake.FileAsync(intakeReport, idempotencyKey, hash);
        if (outcome.Status == IntakeStatus.NoCell) return Problems.Unprocessable(outcome.Message!);
        if (outcome.Status == IntakeStatus.KeyReusedForOtherRequest)
        {
            return Problems.Unprocessable($"Idempotency-Key '{idempotencyKey}' was already used for a different report (case {outcome.CaseId}). Use a new key for a new report.");
        }
        if (outcome.Status == IntakeStatus.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        if (outcome.LikelyDuplicates.Count > 0) http.Response.Headers["Likely-Duplicates"] = string.Join(",", outcome.LikelyDuplicates);
        var now = clock.GetUtcNow();
        // A new case without flags is answered from what its insert returned (the viewer is its reporter); otherwise
        // (a replay, flags added after the insert) it is read again. ReportTests checks that both equal a GET.
        var view = outcome.Filed is { } filed
            ? ToView(filed.Row, viewer.AsActor(filed.ReporterServesCell), await catalogue.CalendarAsync(), now, [filed.FirstHistory])
            : await LoadViewAsync(outcome.CaseId, viewer, cases, catalogue, http.RequestServices.GetRequiredService<StaffRepository>(), now, withHistory: true);
        return TypedResults.Created($"/api/cases/{outcome.CaseId}", view!);
    }

    private static async Task<Results<Ok<CaseView>, ProblemHttpResult>> Get(long id, HttpContext http, CaseRepository cases,
        CatalogueRepository catalogue, StaffRepository staff, TimeProvider clock)
    {
        var (visible, problem) = await cases.LoadVisibleAsync(staff, Viewer.From(http.User), id);
        if (problem is not null) return problem;
        var (row, actor) = visible!;
        return TypedResults.Ok(ToView(row, actor, await catalogue.CalendarAsync(), clock.GetUtcNow(), await cases.HistoryAsync(id)));
    }

    private static async Task<Results<Ok<CasePage>, ValidationProblem>> List(HttpContext http, CaseRepository cases,
        CatalogueRepository catalogue, TimeProvider clock, IOptions<GridOptions> options,
        string? state, string? category, string? cell, string? street, string? assignee, bool? overdue, string? bbox,
        string? q, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, string? source, string? sort)
    {
        var viewer = Viewer.From(http.User);
        var errors = new Errors();
        var states = state?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var s in states ?? [])
        {
            if (!CaseCodes.TryParseState(s, out _))
                errors.Add("state", $"State '{s}' is unknown; use {string.Join(", ", Enum.GetValues<CaseState>().Select(x => x.ToCode()))}.");
        }
        Guid? assigneeId = null;
        if (assignee == "me") assigneeId = viewer.PersonId;
        else if (assignee is not null)
        {
            if (Guid.TryParse(assignee, out var g)) assigneeId = g;
            else errors.Add("assignee", "'assignee' must be a person id or 'me'.");
        }
        double[]? box = null;
        if (bbox is not null && !GridEndpoints.TryParseBbox(bbox, out box))
        {
            errors.Add("bbox", "bbox must be minLon,minLat,maxLon,maxLat with min < max.");
        }
        Paging.Check(page, pageSize, MaxPageSize, errors);
        if (q is { Length: > 100 }) errors.Add("q", "Search text is limited to 100 characters.");
        if (from is not null && to is not null && from >= to) errors.Add("from", "'from' must be before 'to'.");
        if (Blank(source) is { } s0 && !Sources.Contains(s0)) errors.Add("source", $"Source '{s0}' is unknown; use one of {string.Join(", ", Sources)}.");
        var order = CaseOrder.Newest;
        if (Blank(sort) is { } by && !Enum.TryParse(by, ignoreCase: true, out order))
            errors.Add("sort", $"Sort '{by}' is unknown; use one of {string.Join(", ", Enum.GetNames<CaseOrder>())}.");
        if (errors.Any) return errors.ToProblem();

        var filter = new CaseFilter(states, Blank(category), Blank(cell), Blank(street), assigneeId, overdue, box, Blank(q), from, to,
            page ?? 1, pageSize ?? 50, Blank(source), order);
        var now = clock.GetUtcNow();
        var (items, total, capped) = await cases.ListAsync(filter, ScopeOf(viewer), now, options.Value.CaseCountCap);
        var calendar = await catalogue.CalendarAsync();
        // The list shows what each row allows only roughly (cell membership is not looked up per row).
        var views = items.Select(r => ToView(r, viewer.AsActor(false), calendar, now, null)).ToList();
        return TypedResults.Ok(new CasePage(views, total, filter.Page, filter.PageSize, capped));
    }

    /// <summary>Open cases of the same category near a point, nearest first: "is this already reported?"</summary>
    private static async Task<Results<Ok<IReadOnlyList<CaseView>>, ValidationProblem>> Nearby(double? lat, double? lon, string? category,
        double? radius, int? days, HttpContext http, CaseRepository cases, CatalogueRepository catalogue, IOptions<GridOptions> options, TimeProvider clock)
    {
        var errors = new Errors();
        Coordinates.Check(lat, lon, options.Value, errors);
        if (string.IsNullOrWhiteSpace(category)) errors.Add("category", "'category' is required: similar cases are those of the same category.");
        if (radius is < 1 or > 2000) errors.Add("radius", "'radius' is in metres, between 1 and 2000.");
        if (days is < 1 or > 365) errors.Add("days", "'days' looks back 1 to 365 days.");
        if (errors.Any) return errors.ToProblem();
        var viewer = Viewer.From(http.User);
        var now = clock.GetUtcNow();
        var rows = await cases.NearbyOpenAsync(lat!.Value, lon!.Value, category!.Trim(), radius ?? options.Value.DuplicateRadiusMeters,
            now.AddDays(-(days ?? options.Value.DuplicateWindowDays)), ScopeOf(viewer));
        var calendar = await catalogue.CalendarAsync();
        return TypedResults.Ok<IReadOnlyList<CaseView>>(rows.Select(r => ToView(r, viewer.AsActor(false), calendar, now, null)).ToList());
    }

    private static async Task<Results<Ok<DispatchSuggestion>, ProblemHttpResult>> SuggestDispatch(long id, HttpContext http,
        CaseRepository cases, CatalogueRepository catalogue, StaffRepository staff, DutyRoster duty, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Lifecycle.AllowedRoles[CaseAction.Dispatch].Contains))
            return Problems.Forbidden("Only the command center dispatches cases.");
        // The suggestion names people and a deadline of the case: the same scope rule as reading the case.
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var row = visible!.Row;
        var s = await SuggestWithRuleAsync(row, cases, catalogue, duty, clock.GetUtcNow());
        var name = s.Assignee is null ? null : await http.RequestServices.GetRequiredService<StaffRepository>().DisplayNameAsync(s.Assignee.Value);
        return TypedResults.Ok(new DispatchSuggestion(s.Unit, s.Assignee, name, s.Deadline, s.Rule, s.GridHeadVacant));
    }

    /// <summary>
    /// What a dispatch sends when the dispatcher names nobody. <paramref name="chosenUnit"/>: the unit the dispatcher
    /// picked instead of the category's; a person of the category unit's roster then does not go with it.
    /// </summary>
    internal static async Task<(string Unit, Guid? Assignee, DateTimeOffset Deadline)> SuggestAsync(CaseRow row, CaseRepository cases,
        CatalogueRepository catalogue, DutyRoster duty, DateTimeOffset now, string? chosenUnit = null)
    {
        var s = await SuggestCoreAsync(row, cases, catalogue, duty, now);
        var assignee = s.Step == AssigneeRuleStep.UnitOnDuty && chosenUnit is not null && chosenUnit != s.Unit ? null : s.Assignee;
        return (s.Unit, assignee, s.Deadline);
    }

    /// <summary>The suggestion with the step of the routing rule that chose, in words, and whether the cell lacks a grid head.</summary>
    internal static async Task<(string Unit, Guid? Assignee, DateTimeOffset Deadline, string Rule, bool GridHeadVacant)> SuggestWithRuleAsync(
        CaseRow row, CaseRepository cases, CatalogueRepository catalogue, DutyRoster roster, DateTimeOffset now)
    {
        var s = await SuggestCoreAsync(row, cases, catalogue, roster, now);
        return (s.Unit, s.Assignee, s.Deadline, s.Rule, s.GridHeadVacant);
    }

    private sealed record Suggestion(string Unit, Guid? Assignee, DateTimeOffset Deadline, string Rule, bool GridHeadVacant, AssigneeRuleStep Step);

    private static async Task<Suggestion> SuggestCoreAsync(CaseRow row, CaseRepository cases, CatalogueRepository catalogue, DutyRoster roster, DateTimeOffset now)
    {
        var category = (await catalogue.FindCategoryAsync(row.CategoryCode))!;
        var candidates = await cases.CandidatesAsync(row.CellCode);
        var holders = candidates.Select(c => new Domain.Incidents.Candidate(c.PersonId, Roles.Parse(c.Role), c.OnDuty, c.OpenCases)).ToList();
        // The cell's duty roster decides who is on duty now; a cell without one keeps each post holder's on-duty mark.
        var (staff, hasRoster) = await roster.OnDutyAsync(row.CellCode, holders, now);
        var (chosen, step) = AssigneeRule.ChooseWithStep(staff, Roles.Parse(category.HandlerRole));
        // Nobody in the cell: the responsible unit, and its person on duty when the unit keeps a roster.
        var unitRoster = false;
        if (chosen is null)
        {
            var (unitStaff, hasUnitRoster) = await roster.UnitOnDutyAsync(category.DefaultUnitId, now);
            unitRoster = hasUnitRoster;
            (chosen, step) = AssigneeRule.ChooseWithStep(staff, Roles.Parse(category.HandlerRole), unitStaff);
        }
        var deadline = (await catalogue.CalendarAsync()).Deadline(now, category.Limit(row.Priority == "urgent"));
        var duty = hasRoster ? $"per the duty roster of cell {row.CellCode}"
            : "no duty roster for this cell, so everyone holding a post and marked on duty counts as on duty";
        var nobody = $"neither a {category.HandlerRole} nor the grid head of cell {row.CellCode} is on duty";
        var rule = step switch
        {
            AssigneeRuleStep.HandlerOnDuty => $"the least-loaded {category.HandlerRole} on duty in cell {row.CellCode} ({duty})",
            AssigneeRuleStep.GridHeadFallback => $"no {category.HandlerRole} on duty in cell {row.CellCode}: its grid head answers for the cell ({duty})",
            AssigneeRuleStep.UnitOnDuty => $"{nobody}: the least-loaded person on duty by the duty roster of the responsible unit {category.DefaultUnitId} ({duty})",
            _ => $"{nobody}: the responsible unit {category.DefaultUnitId} without a named person ({duty}; "
                + (unitRoster ? "the unit's duty roster has nobody on duty now)" : "the unit keeps no duty roster)"),
        };
        var headVacant = !candidates.Any(c => c.Role == "grid_head");
        if (headVacant) rule += $"; cell {row.CellCode} has no grid head, so routing has nobody in the cell to fall back to";
        return new Suggestion(category.DefaultUnitId, chosen?.PersonId, deadline, rule, headVacant, step);
    }

    /// <summary>The viewer's case scope; <see cref="Scope.Street"/> is his area's cell-code prefix (a street, or a community).</summary>
    internal static Scope ScopeOf(Viewer v) => new(v.PersonId, v.SeesAll, v.AreaPrefix, v.Has(Role.UnitStaff) ? v.UnitId : null);

    internal static async Task<CaseView?> LoadViewAsync(long id, Viewer viewer, CaseRepository cases, CatalogueRepository catalogue,
        StaffRepository staff, DateTimeOffset now, bool withHistory)
    {
        // The case (with whether the viewer serves its cell) and its history are independent reads, each on a
        // context of its own: two round trips at once instead of three one after another.
        var find = cases.FindForAsync(id, viewer.PersonId);
        var history = withHistory ? cases.HistoryAsync(id) : Task.FromResult<IReadOnlyList<HistoryRow>>([]);
        await Task.WhenAll(find, history);
        var (row, serves) = await find;
        if (row is null) return null;
        return ToView(row, viewer.AsActor(serves), await catalogue.CalendarAsync(), now, withHistory ? await history : null);
    }

    internal static CaseView ToView(CaseRow r, Actor actor, WorkingCalendar calendar, DateTimeOffset now, IReadOnlyList<HistoryRow>? history)
    {
        var domain = r.ToDomain();
        var reading = CaseClock.Read(calendar, domain.State, r.Deadline, domain.HeldRemaining, now);
        return new CaseView(r.Id, r.CaseNo, r.State, r.Lat, r.Lon, r.Address, r.CategoryCode, r.CategoryNameZh, r.CategoryNameEn, r.Source,
            r.Priority, r.Description, ReporterPrivacy.Name(r.ReporterName, actor, r.ReportedBy),
            ReporterPrivacy.Phone(r.ReporterPhone, actor, r.ReportedBy), r.CellCode, r.CellName, r.ReportedBy, r.AssignedUnitId,
            r.AssignedUnitName, r.AssigneeId, r.AssigneeName, r.Deadline,
            new ClockView(reading.Remaining?.TotalSeconds, reading.Overdue, reading.Paused), r.ExtensionCount, r.ReworkCount,
            r.CreatedAt, r.RegisteredAt, r.DispatchedAt, r.AcceptedAt, r.ResolvedAt, r.ClosedAt, r.UpdatedAt, r.Version,
            domain.ActionsFor(actor).Select(a => a.ToCode()).ToList(),
            history?.Select(h => new HistoryView(h.Id, h.At, h.ActorId, h.ActorName, h.Action, h.FromState, h.ToState, h.Reason,
                JsonDocument.Parse(h.Evidence).RootElement.Clone(), JsonDocument.Parse(h.Details).RootElement.Clone(), h.PublicNote)).ToList());
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
