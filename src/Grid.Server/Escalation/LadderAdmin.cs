using System.Text.RegularExpressions;
using Grid.Domain.Escalation;
using Grid.Domain.Time;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;
using Npgsql;

namespace Grid.Server.Escalation;

/// <summary>
/// Escalation ladders as administrators keep them: the checks of a rule, saving and deleting it (audited,
/// version-guarded), and the preview of when each rung would fire for a case dispatched now, in working
/// time on the working calendar, by the same domain code the claim job fires them with.
/// </summary>
public sealed partial class LadderAdmin(LadderRepository repo, CatalogueRepository catalogue, NpgsqlDataSource db)
{
    [GeneratedRegex("^[CE][0-9]{0,4}$")]
    private static partial Regex PrefixPattern();

    public async Task<IReadOnlyList<LadderItem>> ListAsync() => (await repo.ListAsync()).Select(ToItem).ToList();

    internal static LadderItem ToItem(LadderRow r) => new(r.Id, r.CategoryPrefix, r.Priority, r.WarningFraction, r.DelaysSeconds, r.UpdatedAt, r.UpdatedBy, r.Version);

    /// <summary>Checks a rule; errors name the field and say what to write.</summary>
    public static (string? Prefix, string? Priority, Dictionary<string, string[]> Errors) Check(LadderInput? body)
    {
        var errors = new Dictionary<string, List<string>>();
        void Add(string f, string m) => (errors.TryGetValue(f, out var l) ? l : errors[f] = []).Add(m);
        var prefix = string.IsNullOrWhiteSpace(body?.CategoryPrefix) ? null : body.CategoryPrefix.Trim().ToUpperInvariant();
        var priority = string.IsNullOrWhiteSpace(body?.Priority) ? null : body.Priority.Trim();
        if (prefix is not null && !PrefixPattern().IsMatch(prefix))
        {
            Add("categoryPrefix", $"'{prefix}' is not a category code or prefix: C or E followed by up to 4 digits (E01 = all 市容环境 events, E0102 = 暴露垃圾).");
        }
        if (priority is not null and not ("normal" or "urgent")) Add("priority", "'priority' is normal or urgent, or empty for both.");
        if (body?.WarningFraction is not { } fraction || fraction is < 0 or >= 1 || double.IsNaN(fraction))
        {
            Add("warningFraction", "'warningFraction' is the share of the limit after which the assignee is warned, from 0 (no warning) to below 1, e.g. 0.8.");
        }
        else if (Math.Round(fraction, 3) != fraction)
        {
            // The column is numeric(4,3): 0.9995 would be stored as 1 (refused by its check) and 0.0004 as 0 (no warning).
            Add("warningFraction", $"'warningFraction' {fraction.ToString(System.Globalization.CultureInfo.InvariantCulture)} has more than three decimals; write at most three, e.g. 0.875.");
        }
        var delays = body?.DelaysSeconds ?? [];
        if (delays.Length > 4) Add("delaysSeconds", $"'delaysSeconds' has {delays.Length} entries; the ladder has 4 rungs after the warning (assignee, grid head, street leader, district).");
        if (delays.Any(d => d is < 0 or > 30 * 24 * 3600)) Add("delaysSeconds", "Each delay is 0 to 2592000 working seconds (30 days).");
        return (prefix, priority, errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    public async Task<AdminResult<LadderItem>> SaveAsync(Viewer viewer, LadderInput? body, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "Escalation ladders") is { } refused) return AdminResult<LadderItem>.Forbidden(refused);
        var (prefix, priority, errors) = Check(body);
        if (errors.Count > 0) return AdminResult<LadderItem>.Invalid(errors);
        var id = await repo.SaveAsync(prefix, priority, body!.WarningFraction!.Value, body.DelaysSeconds ?? [], viewer.PersonId, now, body.Version);
        var all = await ListAsync();
        if (id is null)
        {
            var current = all.SingleOrDefault(l => l.CategoryPrefix == prefix && l.Priority == priority);
            return AdminResult<LadderItem>.Conflict(
                $"The ladder for {prefix ?? "every category"} / {priority ?? "both priorities"} was changed by someone else meanwhile (version {current?.Version}, you edited version {body.Version}). Look at it and save again.", current);
        }
        return AdminResult<LadderItem>.Success(all.Single(l => l.Id == id));
    }

    public async Task<AdminResult<LadderItem>> DeleteAsync(Viewer viewer, long id, int? version, DateTimeOffset now)
    {
        if (CategoryAdmin.RefuseStreetAdmin(viewer, "Escalation ladders") is { } refused) return AdminResult<LadderItem>.Forbidden(refused);
        if (await repo.DeleteAsync(id, viewer.PersonId, now, version)) return AdminResult<LadderItem>.Success(null!, 204);
        var current = (await ListAsync()).SingleOrDefault(l => l.Id == id);
        return current is null || current.CategoryPrefix is null && current.Priority is null
            ? AdminResult<LadderItem>.NotFound($"There is no ladder rule {id} to delete (the default ladder can be changed, not deleted).")
            : AdminResult<LadderItem>.Conflict($"Ladder rule {id} was changed by someone else meanwhile (version {current.Version}); look at it before deleting it.", current);
    }

    /// <summary>
    /// When each rung would fire for a case of the category dispatched at <paramref name="now"/>: the deadline is the
    /// category's limit on the working calendar (as a dispatch computes it), the rungs are the matching rule's
    /// ladder (or <paramref name="proposed"/>, unsaved) placed by <see cref="EscalationLadder.Steps"/>.
    /// </summary>
    public async Task<AdminResult<LadderPreview>> PreviewAsync(string? categoryCode, string? priority, LadderInput? proposed, DateTimeOffset now)
    {
        var code = (categoryCode ?? "").Trim().ToUpperInvariant();
        var category = code.Length == 0 ? null : await catalogue.FindCategoryAsync(code);
        var errors = new Dictionary<string, string[]>();
        if (category is null) errors["category"] = [$"There is no category '{categoryCode}'. GET /api/categories lists them."];
        var prio = string.IsNullOrWhiteSpace(priority) ? "normal" : priority.Trim();
        if (prio is not ("normal" or "urgent")) errors["priority"] = ["'priority' is normal or urgent."];
        string? rulePrefix = null, rulePriority = null;
        EscalationLadder? ladder = null;
        if (proposed is not null)
        {
            var (p, q, e) = Check(proposed);
            foreach (var (k, v) in e) errors[k] = v;
            (rulePrefix, rulePriority) = (p, q);
            if (e.Count == 0)
            {
                ladder = new EscalationLadder(proposed.WarningFraction > 0 ? proposed.WarningFraction : null,
                    (proposed.DelaysSeconds ?? []).Select(s => TimeSpan.FromSeconds(s)).ToList());
            }
        }
        if (errors.Count > 0) return AdminResult<LadderPreview>.Invalid(errors);

        if (ladder is null)
        {
            await using var conn = await db.OpenConnectionAsync();
            var rules = await RungClaims.LaddersAsync(conn, null, default);
            var rule = rules.Where(r => r.Matches(code, prio)).OrderByDescending(r => r.Specificity).FirstOrDefault();
            (rulePrefix, rulePriority) = (rule?.CategoryPrefix, rule?.Priority);
            ladder = LadderRule.Pick(rules, code, prio);
        }
        var calendar = await catalogue.CalendarAsync();
        var limit = category!.Limit(prio == "urgent");
        var deadline = calendar.Deadline(now, limit);
        var rungs = ladder.Steps(calendar, new RunningClock(now, deadline, deadline))
            .Select(s => new RungPreview(s.Level.ToCode(), s.DueAt, Math.Round(calendar.WorkingTimeBetween(now, s.DueAt).TotalHours, 2)))
            .ToList();
        return AdminResult<LadderPreview>.Success(new LadderPreview(code, prio, limit.Value, limit.Unit.ToCode(), now, deadline,
            rulePrefix, rulePriority, proposed is not null, rungs));
    }
}

/// <summary>The ladders page's data: the same service, checks and audit as /api/escalation/ladders, for the circuit's person.</summary>
public sealed class LadderAdminSource(AuthenticationStateProvider auth, LadderAdmin admin, CategoryAdmin categories, TimeProvider clock) : ILadderAdmin
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public Task<IReadOnlyList<LadderItem>> ListAsync() => admin.ListAsync();
    public Task<IReadOnlyList<CategoryItem>> CategoriesAsync() => categories.ListAsync();
    public async Task<AdminResult<LadderItem>> SaveAsync(LadderInput input) => await admin.SaveAsync(await ViewerAsync(), input, clock.GetUtcNow());
    public async Task<AdminResult<LadderItem>> DeleteAsync(long id, int? version) => await admin.DeleteAsync(await ViewerAsync(), id, version, clock.GetUtcNow());
    public Task<AdminResult<LadderPreview>> PreviewAsync(string? categoryCode, string? priority, LadderInput? proposed = null) =>
        admin.PreviewAsync(categoryCode, priority, proposed, clock.GetUtcNow());
}
