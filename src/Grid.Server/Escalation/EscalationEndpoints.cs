using Grid.Domain.Escalation;
using Grid.Domain.People;
using Grid.Server.Admin;
using Grid.Server.Auth;
using Grid.Web.Pages.Admin;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Escalation;

public sealed record SuperviseRequest(string? Note);

public sealed record EscalationView(long Id, long CaseId, string Level, DateTimeOffset? Deadline, DateTimeOffset DueAt, DateTimeOffset At,
    Guid? OrderedBy, string? Note, int Targets);

public sealed record InboxItemView(long Id, long CaseId, string CaseNo, string CaseState, string Description, string CellCode, string Level,
    string? Note, string? OrderedByName, DateTimeOffset? Deadline, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt);

public sealed record InboxPage(IReadOnlyList<InboxItemView> Items, long Unread, int Page, int PageSize);

public sealed record UnreadCount(long Unread);

/// <summary>A ladder rule: for a category code or prefix and/or a priority (neither = the default). Offsets are
/// working time: the warning when (1 - warningFraction) of the limit is left; delaysSeconds of the rungs assignee
/// (after the deadline), grid head, street leader, district supervision, each after the previous one.</summary>
public sealed record LadderRequest(string? CategoryPrefix, string? Priority, double? WarningFraction, int[]? DelaysSeconds, int? Version = null);

public static class EscalationEndpoints
{
    /// <summary>Who may order supervision (督办) by hand.</summary>
    public static readonly IReadOnlySet<Role> SupervisingRoles = new HashSet<Role> { Role.Supervisor, Role.ShiftLead };

    public static void MapEscalation(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/cases").WithTags("Escalation");
        cases.MapPost("/{id:long}/supervise", Supervise);
        cases.MapGet("/{id:long}/escalations", OfCase);

        var ladders = app.MapGroup("/api/escalation/ladders").WithTags("Escalation");
        ladders.MapGet("/", Ladders).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode(), Role.Supervisor.ToCode(), Role.ShiftLead.ToCode()));
        ladders.MapPost("/", SaveLadder).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        ladders.MapDelete("/{id:long}", DeleteLadder).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        ladders.MapGet("/preview", Preview).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode(), Role.Supervisor.ToCode(), Role.ShiftLead.ToCode()));
        ladders.MapPost("/preview", PreviewProposed).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));

        var inbox = app.MapGroup("/api/inbox").WithTags("Inbox");
        inbox.MapGet("/", List);
        inbox.MapGet("/unread-count", Count);
        inbox.MapPost("/{id:long}/read", MarkRead);
        // The inbox page's "mark read" button: a plain form post, answered with a redirect back.
        app.MapPost("/inbox/{id:long}/read", MarkReadForm).ExcludeFromDescription()
            .WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute()).RequireFormToken();
    }

    /// <summary>POST /api/cases/{id}/supervise: 督办 ordered by a supervisor or shift lead, with a note.</summary>
    internal static async Task<Results<Created<EscalationView>, ValidationProblem, ProblemHttpResult>> Supervise(long id, SuperviseRequest? body,
        HttpContext http, CaseRepository cases, StaffRepository staff, EscalationRepository repo, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(SupervisingRoles.Contains))
        {
            return Problems.Forbidden("Only supervisors and shift leads order supervision (督办).");
        }
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body?.Note)) errors.Add("note", "Say what must happen in 'note' (1 to 2000 characters), e.g. 'Fix by 17:00 today and report back'.");
        errors.MaxLength(body?.Note, 2000, "note");
        if (errors.Any) return errors.ToProblem();

        // The one scope rule of reads and steps (CaseAccess), not a copy of it.
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var row = visible!.Row;
        if (row.State is "closed" or "cancelled")
        {
            return Problems.Conflict($"Case {row.CaseNo} is {row.State}; there is nothing left to supervise. Reopen it first if the problem recurred.");
        }
        var now = clock.GetUtcNow();
        var fired = (await repo.SuperviseAsync(id, viewer.PersonId, body!.Note!.Trim(), now))!;
        var view = new EscalationView(fired.EscalationId, id, "supervise", null, now, now, viewer.PersonId, body.Note.Trim(), fired.Targets.Count);
        return TypedResults.Created($"/api/cases/{id}/escalations", view);
    }

    private static async Task<Results<Ok<IReadOnlyList<EscalationView>>, ProblemHttpResult>> OfCase(long id, HttpContext http, CaseRepository cases,
        StaffRepository staff, EscalationRepository repo)
    {
        var (_, problem) = await cases.LoadVisibleAsync(staff, Viewer.From(http.User), id);
        if (problem is not null) return problem;
        var list = (await repo.OfCaseAsync(id))
            .Select(e => new EscalationView(e.Id, e.CaseId, e.Level, e.Deadline, e.DueAt, e.At, e.OrderedBy, e.Note, e.Targets)).ToList();
        return TypedResults.Ok<IReadOnlyList<EscalationView>>(list);
    }

    private static async Task<Results<Ok<InboxPage>, ValidationProblem>> List(HttpContext http, EscalationRepository repo, bool? unread, int? page, int? pageSize)
    {
        var errors = new Errors();
        Paging.Check(page, pageSize, 200, errors);
        if (errors.Any) return errors.ToProblem();
        var me = Viewer.From(http.User).PersonId;
        var rows = await repo.InboxAsync(me, unread ?? false, page ?? 1, pageSize ?? 50);
        return TypedResults.Ok(new InboxPage(rows.Select(ToView).ToList(), await repo.UnreadCountAsync(me), page ?? 1, pageSize ?? 50));
    }

    internal static InboxItemView ToView(InboxRow r) => new(r.Id, r.CaseId, r.CaseNo, r.CaseState, r.Description, r.CellCode, r.Level, r.Note,
        r.OrderedByName, r.Deadline, r.CreatedAt, r.ReadAt);

    private static async Task<Ok<UnreadCount>> Count(HttpContext http, EscalationRepository repo) =>
        TypedResults.Ok(new UnreadCount(await repo.UnreadCountAsync(Viewer.From(http.User).PersonId)));

    private static async Task<Results<NoContent, ProblemHttpResult>> MarkRead(long id, HttpContext http, EscalationRepository repo, TimeProvider clock) =>
        await repo.MarkReadAsync(Viewer.From(http.User).PersonId, id, clock.GetUtcNow())
            ? TypedResults.NoContent()
            : Problems.NotFound($"Inbox item {id} is not in your inbox.");

    private static async Task<IResult> MarkReadForm(long id, HttpContext http, EscalationRepository repo, TimeProvider clock)
    {
        if (!await repo.MarkReadAsync(Viewer.From(http.User).PersonId, id, clock.GetUtcNow()))
        {
            return Problems.NotFound($"Inbox item {id} is not in your inbox.");
        }
        return Results.LocalRedirect("/inbox");
    }

    private static async Task<Ok<IReadOnlyList<LadderRow>>> Ladders(LadderRepository repo) => TypedResults.Ok(await repo.ListAsync());

    /// <summary>POST /api/escalation/ladders: creates or replaces the ladder of (categoryPrefix, priority); it applies
    /// to the next rung of every open case it concerns. With <c>version</c>, a rule changed meanwhile answers 409.</summary>
    private static async Task<IResult> SaveLadder(LadderRequest? body, HttpContext http, LadderAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.SaveAsync(Viewer.From(http.User),
            body is null ? null : new LadderInput(body.CategoryPrefix, body.Priority, body.WarningFraction, body.DelaysSeconds, body.Version), clock.GetUtcNow()));

    private static async Task<IResult> DeleteLadder(long id, int? version, HttpContext http, LadderAdmin admin, TimeProvider clock)
    {
        var result = await admin.DeleteAsync(Viewer.From(http.User), id, version, clock.GetUtcNow());
        return result.Ok ? TypedResults.NoContent() : AdminAnswers.ToHttp(result);
    }

    /// <summary>GET /api/escalation/ladders/preview?category=&amp;priority=: when each rung would fire for a case dispatched now.</summary>
    private static async Task<IResult> Preview(string? category, string? priority, LadderAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.PreviewAsync(category, priority, null, clock.GetUtcNow()));

    /// <summary>POST /api/escalation/ladders/preview?category=&amp;priority= with a ladder: the same for that ladder, unsaved.</summary>
    private static async Task<IResult> PreviewProposed(string? category, string? priority, LadderRequest? body, LadderAdmin admin, TimeProvider clock) =>
        AdminAnswers.ToHttp(await admin.PreviewAsync(category, priority,
            new LadderInput(body?.CategoryPrefix, body?.Priority, body?.WarningFraction, body?.DelaysSeconds), clock.GetUtcNow()));
}
