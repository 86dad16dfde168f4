using System.Globalization;
using Grid.Domain.Incidents;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Http;
using Grid.Server.Staff;

namespace Grid.Server.Incidents;

/// <summary>
/// The shared path of every lifecycle action: load the case, ask the domain, save with a version
/// guard, answer with the new view. Each action route only says which domain step it takes.
/// </summary>
public sealed class StepContext(IHttpContextAccessor http, CaseRepository cases, StaffRepository staff,
    CatalogueRepository catalogue, Photos.PhotoRepository photos, Staff.DutyRoster duty, TimeProvider clock)
{
    /// <summary>The most characters a step's reason may have.</summary>
    public const int MaxReason = 1000;

    public DateTimeOffset Now { get; } = clock.GetUtcNow();
    public CatalogueRepository Catalogue => catalogue;

    public async Task<IResult> RunAsync(long id, StepRequest? body, Func<Case, Actor, StepRequest, Task<StepResult>> step)
    {
        body ??= new StepRequest(null, null, null, null, null, null, null);
        var errors = new Errors();
        errors.MaxLength(body.Reason, MaxReason, "reason");
        errors.MaxLength(body.Note, 2000, "note");
        errors.MaxLength(body.PublicNote, 1000, "publicNote");
        if (body.Evidence is { Count: > 20 }) errors.Add("evidence", "At most 20 evidence references per step.");
        // Evidence is photos only, as the 'ref' of an upload (photo:<sha256>): a free-form string was
        // shown by the desk as an image address, so an outside URL could be made to load from every screen.
        foreach (var e in body.Evidence ?? [])
        {
            if (e is null || Photos.PhotoEndpoints.ShaOf(e) is null)
                errors.Add("evidence", $"Evidence '{(e is null ? "null" : e.Length > 80 ? e[..80] + "…" : e)}' is not a photo reference; upload the photo with POST /api/photos and cite its 'ref' (photo:<sha256>).");
        }
        if (errors.Any) return errors.ToProblem();

        var viewer = Viewer.From(http.HttpContext!.User);
        // Photos cited as evidence must be the actor's own uploads, or anyone could cite (and so
        // gain access to) a photo whose hash he learned.
        var cited = (body.Evidence ?? []).Select(e => Photos.PhotoEndpoints.ShaOf(e!)).OfType<string>().Distinct().ToList();
        if (cited.Count > 0 && await photos.NotUploadedByAsync(cited, viewer.PersonId) is { Count: > 0 } notMine)
        {
            return Problems.Unprocessable($"Photo(s) {string.Join(", ", notMine.Select(s => s[..12]))} were not uploaded by you; upload your own photos with POST /api/photos and cite their 'ref'.");
        }
        // A phone's offline queue resends an action under the key it made when the person acted:
        // the same key from the same person answers with the case as it is now instead of a 409.
        var request = http.HttpContext.Request;
        string? key = request.Headers["Idempotency-Key"];
        CaseRepository.RequestKey? requestKey = null;
        if (key is not null)
        {
            if (key.Length is 0 or > 200) return Problems.BadRequest("The Idempotency-Key header must be 1 to 200 characters.");
            var path = request.Path.Value!;
            requestKey = new CaseRepository.RequestKey(viewer.PersonId, key, path[(path.LastIndexOf('/') + 1)..],
                RequestHash.Of(body));
            if (await ReplayAsync(id, viewer, requestKey) is { } replay) return replay;
        }
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var (row, actor) = visible!;
        var current = row.ToDomain();
        if (body.Version is { } seen && seen != row.Version)
        {
            if (requestKey is not null && await ReplayAsync(id, viewer, requestKey) is { } lateReplay) return lateReplay;
            return Problems.Conflict($"Case {row.CaseNo} changed since you loaded it (your version {seen}, now {row.Version}, {row.State}). Reload it and try again.",
                "case_changed", row.CaseNo, seen.ToString(CultureInfo.InvariantCulture), row.Version.ToString(CultureInfo.InvariantCulture), row.State);
        }
        var result = await step(current, actor, body);
        if (result.Refusal is { } refusal)
        {
            // A resend that raced its own first attempt finds the case already moved: answer as a replay.
            if (requestKey is not null && await ReplayAsync(id, viewer, requestKey) is { } lateReplay) return lateReplay;
            return Problems.FromRefusal(refusal);
        }
        var publicNote = string.IsNullOrWhiteSpace(body.PublicNote) ? null : body.PublicNote.Trim();
        var saved = await cases.SaveStepAsync(current, result.Step!, requestKey, publicNote);
        if (saved is null && requestKey is not null && await ReplayAsync(id, viewer, requestKey) is { } concurrentReplay) return concurrentReplay;
        if (saved is null)
        {
            return Problems.Conflict($"Case {row.CaseNo} was changed by someone else at the same moment; nothing was saved. Reload it and try again.",
                "case_changed_concurrently", row.CaseNo);
        }
        var view = await CaseEndpoints.LoadViewAsync(id, viewer, cases, catalogue, staff, Now, withHistory: true);
        return TypedResults.Ok(view);
    }

    /// <summary>The answer to a request whose key was used before: the case now, or 422 when the key was used for something else.</summary>
    private async Task<IResult?> ReplayAsync(long id, Viewer viewer, CaseRepository.RequestKey key)
    {
        if (await cases.FindRequestKeyAsync(key.PersonId, key.Key) is not { } prior) return null;
        if (prior.CaseId != id || prior.Action != key.Action || prior.RequestHash != key.RequestHash)
        {
            return Problems.Unprocessable($"Idempotency-Key '{key.Key}' was already used for '{prior.Action}' on case {prior.CaseId} with other content. Use a new key for a new action.");
        }
        http.HttpContext!.Response.Headers["Idempotent-Replayed"] = "true";
        var view = await CaseEndpoints.LoadViewAsync(id, viewer, cases, catalogue, staff, Now, withHistory: true);
        return TypedResults.Ok(view);
    }

    public async Task<StepResult> DispatchAsync(Case c, Actor actor, StepRequest body)
    {
        var row = (await cases.FindAsync(c.Id))!;
        var (suggestedUnit, suggestedAssignee, _) = await CaseEndpoints.SuggestAsync(row, cases, catalogue, duty, Now, body.UnitId);
        var unitId = body.UnitId ?? suggestedUnit;
        if (body.UnitId is not null)
        {
            var named = (await catalogue.ListUnitsAsync()).FirstOrDefault(u => u.Id == body.UnitId);
            if (named is null)
                return StepResult.Refused(RefusalKind.Invalid, $"There is no responsible unit '{body.UnitId}'. GET /api/units lists them.");
            if (!named.Active)
                return StepResult.Refused(RefusalKind.Invalid, $"The responsible unit '{body.UnitId}' ({named.NameZh}) is deactivated; send the case to an active unit (GET /api/units lists them).");
        }
        if (body.AssigneeId is { } chosen && await staff.DisplayNameAsync(chosen) is null)
        {
            return StepResult.Refused(RefusalKind.Invalid, $"There is no person {chosen} to assign the case to.");
        }
        var category = (await catalogue.FindCategoryAsync(c.CategoryCode))!;
        return c.Dispatch(actor, unitId, body.AssigneeId ?? suggestedAssignee, category.Limit(c.Urgent), await catalogue.CalendarAsync(), Now);
    }

    /// <summary>返工: a new deadline from now, by the same limit and calendar as <see cref="DispatchAsync"/>.</summary>
    public async Task<StepResult> ReworkAsync(Case c, Actor actor, StepRequest body)
    {
        var category = (await catalogue.FindCategoryAsync(c.CategoryCode))!;
        return c.Rework(actor, body.Reason, body.Evidence ?? [], category.Limit(c.Urgent), await catalogue.CalendarAsync(), Now);
    }

    public async Task<StepResult> SelfHandleAsync(Case c, Actor actor, StepRequest body)
    {
        var category = (await catalogue.FindCategoryAsync(c.CategoryCode))!;
        return c.SelfHandle(actor, category.SelfHandleAllowed, body.Note ?? body.Reason, body.Evidence ?? [], Now);
    }

    public Task<StepResult> ExtendAsync(Case c, Actor actor, StepRequest body) =>
        Task.FromResult(body.Deadline is { } deadline
            ? c.Extend(actor, deadline, body.Reason, Now)
            : StepResult.Refused(RefusalKind.Invalid, "'extend' needs the new 'deadline', e.g. 2026-11-30T18:00:00+08:00."));
}
