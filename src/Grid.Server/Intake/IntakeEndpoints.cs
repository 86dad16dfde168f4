using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Privacy;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Intake;

public sealed record DuplicateCaseView(long Id, string CaseNo, string Source, string State, string Description, string Address, DateTimeOffset CreatedAt);

public sealed record DuplicateView(long Id, string Status, double DistanceM, DateTimeOffset FlaggedAt, DateTimeOffset? DecidedAt, string? Reason,
    string CategoryCode, string CategoryNameZh, string CellCode, DuplicateCaseView Report, DuplicateCaseView Candidate);

public sealed record DecisionRequest(string? Reason);

public sealed record ReporterView(long FromCaseId, string Source, string? Name, string? Phone, string? Email);

public sealed record RevealView(long CaseId, string? Name, string? Phone, string? Email, IReadOnlyList<ReporterView> Reporters);

/// <summary>Duplicates across channels (flag, merge, keep apart) and the audited reveal of a reporter's details.</summary>
public static class IntakeEndpoints
{
    /// <summary>Largest request body any endpoint reads (JSON, forms, XML); larger ones get 413.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    private static readonly Role[] Deciders = [Role.Operator, Role.ShiftLead];
    private static readonly Role[] Readers = [Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor];

    public static IServiceCollection AddIntake(this IServiceCollection services)
    {
        services.AddSingleton<IntakeService>();
        services.AddSingleton<DuplicateRepository>();
        services.AddScoped<global::Grid.Web.Pages.Intake.IDuplicatesSource, DuplicatesSource>();
        services.AddTransient<IStartupFilter, BodyLimitStartupFilter>();
        return services;
    }

    public static void MapIntake(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/duplicates").WithTags("Duplicates");
        group.MapGet("/", List);
        group.MapPost("/{id:long}/merge", Merge);
        group.MapPost("/{id:long}/keep-apart", KeepApart);
        app.MapPost("/api/cases/{id:long}/reveal-reporter", Reveal).WithTags("Cases");
    }

    internal static bool MayRead(Viewer viewer) => viewer.Roles.Any(Readers.Contains);

    private static async Task<Results<Ok<IReadOnlyList<DuplicateView>>, ProblemHttpResult>> List(string? status, long? caseId,
        HttpContext http, DuplicateRepository duplicates)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Readers.Contains)) return Problems.Forbidden("Only the command center and supervisors review duplicates.");
        if (status is not (null or "open" or "merged" or "kept_apart")) return Problems.BadRequest($"Status '{status}' is unknown; use open, merged or kept_apart.");
        var rows = await duplicates.ListAsync(status, viewer.AreaPrefix, caseId);
        return TypedResults.Ok<IReadOnlyList<DuplicateView>>(rows.Select(ToView).ToList());
    }

    internal static DuplicateView ToView(DuplicateRow r) => new(r.Id, r.Status, Math.Round(r.DistanceM, 1), r.FlaggedAt, r.DecidedAt, r.Reason,
        r.CategoryCode, r.CategoryNameZh, r.CellCode,
        new DuplicateCaseView(r.CaseId, r.CaseNo, r.CaseSource, r.CaseState, r.CaseDescription, r.CaseAddress, r.CaseCreatedAt),
        new DuplicateCaseView(r.CandidateId, r.CandidateNo, r.CandidateSource, r.CandidateState, r.CandidateDescription, r.CandidateAddress, r.CandidateCreatedAt));

    private static async Task<Results<Ok<DuplicateView>, ProblemHttpResult>> Merge(long id, DecisionRequest? body, HttpContext http,
        DuplicateRepository duplicates, TimeProvider clock) =>
        await DecideAsync(id, body, Viewer.From(http.User), duplicates, clock, merge: true);

    private static async Task<Results<Ok<DuplicateView>, ProblemHttpResult>> KeepApart(long id, DecisionRequest? body, HttpContext http,
        DuplicateRepository duplicates, TimeProvider clock) =>
        await DecideAsync(id, body, Viewer.From(http.User), duplicates, clock, merge: false);

    /// <summary>Merge or keep apart, for the API and the duplicates page alike.</summary>
    internal static async Task<Results<Ok<DuplicateView>, ProblemHttpResult>> DecideAsync(long id, DecisionRequest? body, Viewer viewer,
        DuplicateRepository duplicates, TimeProvider clock, bool merge)
    {
        if (!viewer.Roles.Any(Deciders.Contains)) return Problems.Forbidden("Only operators and shift leads merge duplicates or keep them apart.");
        var reason = string.IsNullOrWhiteSpace(body?.Reason) ? null : body.Reason.Trim();
        if (reason is { Length: > 1000 }) return Problems.BadRequest("'reason' is limited to 1000 characters.");
        if (!merge && reason is null) return Problems.BadRequest("Say in 'reason' why the two reports are different problems.");
        var flag = await duplicates.FindAsync(id);
        if (flag is null) return Problems.NotFound($"There is no duplicate flag {id}.");
        if (viewer.AreaPrefix is { } street && !flag.CellCode.StartsWith(street, StringComparison.Ordinal))
            return Problems.Forbidden($"Case {flag.CaseNo} is outside {street}, the area you serve.");
        var outcome = merge
            ? await duplicates.MergeAsync(id, viewer.PersonId, reason, state =>
                Lifecycle.Decide(CaseCodes.ParseState(state), CaseAction.Cancel, viewer.Roles) is { Allowed: false } d ? d.Refusal : null,
                clock.GetUtcNow())
            : await duplicates.KeepApartAsync(id, viewer.PersonId, reason!, clock.GetUtcNow());
        if (!outcome.Done) return Problems.Conflict(outcome.Refusal!);
        return TypedResults.Ok(ToView((await duplicates.FindAsync(id))!));
    }

    /// <summary>POST /api/cases/{id}/reveal-reporter: the unmasked reporter details, for a stated reason, audited.</summary>
    private static async Task<Results<Ok<RevealView>, ProblemHttpResult>> Reveal(long id, DecisionRequest? body, HttpContext http,
        CaseRepository cases, StaffRepository staff, DuplicateRepository duplicates, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(ReporterPrivacy.MayReveal.Contains))
            return Problems.Forbidden("Your role may not see reporters' contact details; ask the command center to call the reporter.");
        if (string.IsNullOrWhiteSpace(body?.Reason) || body.Reason.Length > 500)
            return Problems.BadRequest("Say in 'reason' (1 to 500 characters) why you need the reporter's details; it is recorded.");
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var row = visible!.Row;
        await duplicates.AuditRevealAsync(id, viewer.PersonId, body.Reason.Trim(), clock.GetUtcNow());
        var reporters = await duplicates.ReportersAsync(id);
        var email = reporters.FirstOrDefault(r => r.FromCaseId == id)?.Email;
        return TypedResults.Ok(new RevealView(id, row.ReporterName, row.ReporterPhone, email,
            reporters.Select(r => new ReporterView(r.FromCaseId, r.Source, r.Name, r.Phone, r.Email)).ToList()));
    }
}
