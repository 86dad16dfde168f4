using Grid.Domain.Escalation;
using Grid.Domain.People;
using Grid.Server.Auth;
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
public sealed record LadderRequest(string? CategoryPrefix, string? Priority, double? WarningFraction, int[]? DelaysSeconds);

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
    /// to the next rung of every open case it concerns.</summary>
    private static async Task<Results<Ok<LadderRow>, ValidationProblem>> SaveLadder(LadderRequest? body, HttpContext http, LadderRepository repo,
        TimeProvider clock)
    {
        var errors = new Errors();
        var prefix = string.IsNullOrWhiteSpace(body?.CategoryPrefix) ? null : body.CategoryPrefix.Trim().ToUpperInvariant();
        var priority = string.IsNullOrWhiteSpace(body?.Priority) ? null : body.Priority.Trim();
        if (prefix is not null && !System.Text.RegularExpressions.Regex.IsMatch(prefix, "^[CE][0-9]{0,4}$"))
        {
            errors.Add("categoryPrefix", $"'{prefix}' is not a category code or prefix: C or E followed by up to 4 digits (E01 = all 市容环境 events, E0102 = 暴露垃圾).");
        }
        if (priority is not null and not ("normal" or "urgent")) errors.Add("priority", "'priority' is normal or urgent, or empty for both.");
        if (body?.WarningFraction is not { } fraction || fraction is < 0 or >= 1 || double.IsNaN(fraction))
        {
            errors.Add("warningFraction", "'warningFraction' is the share of the limit after which the assignee is warned, from 0 (no warning) to below 1, e.g. 0.8.");
        }
        var delays = body?.DelaysSeconds ?? [];
        if (delays.Length > 4) errors.Add("delaysSeconds", $"'delaysSeconds' has {delays.Length} entries; the ladder has 4 rungs after the warning (assignee, grid head, street leader, district).");
        if (delays.Any(d => d is < 0 or > 30 * 24 * 3600)) errors.Add("delaysSeconds", "Each delay is 0 to 2592000 working seconds (30 days).");
        if (errors.Any) return errors.ToProblem();

        var id = await repo.SaveAsync(prefix, priority, body!.WarningFraction!.Value, delays, Viewer.From(http.User).PersonId, clock.GetUtcNow());
        return TypedResults.Ok((await repo.ListAsync()).Single(l => l.Id == id));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteLadder(long id, HttpContext http, LadderRepository repo, TimeProvider clock) =>
        await repo.DeleteAsync(id, Viewer.From(http.User).PersonId, clock.GetUtcNow())
            ? TypedResults.NoContent()
            : Problems.NotFound($"There is no ladder rule {id} to delete (the default ladder can be changed, not deleted).");
}
