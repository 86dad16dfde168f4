using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Server.Staff;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Admin;

/// <summary>
/// The audit log for administrators: every administrative change, sign-in and reveal of a reporter's details,
/// filtered by person, kind and time, newest first, a page at a time (server-side), and exported whole
/// (CSV or xlsx) with the same filters. A street-scoped administrator sees what people of its street did.
/// </summary>
public sealed class AuditLogQuery(IDbContextFactory<GridDbContext> contexts)
{
    public const int MaxPageSize = 200;
    public const int MaxExportRows = 100_000;

    /// <summary>Checks the filters and paging; errors name the field.</summary>
    public static Dictionary<string, string[]> Check(AuditFilter filter, int page, int pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (page is < 1 or > Http.Paging.MaxPage) errors["page"] = [$"'page' starts at 1 and goes up to {Http.Paging.MaxPage}; narrow the filters to reach older rows."];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"'pageSize' is 1 to {MaxPageSize}."];
        if (filter.From is { } f && filter.To is { } t && t <= f) errors["to"] = ["'to' must be after 'from'."];
        if ((filter.Person?.Length ?? 0) > 100) errors["person"] = ["'person' is at most 100 characters."];
        if ((filter.Action?.Length ?? 0) > 100) errors["action"] = ["'action' is at most 100 characters."];
        return errors;
    }

    private sealed record Row(long Id, DateTimeOffset At, Guid? ActorId, string? Username, string? Name, string? Street, string Action, string Subject, string Details);

    private IQueryable<Row> Query(GridDbContext db, Viewer viewer, AuditFilter filter)
    {
        var q = from a in db.Set<AuditLogRecord>()
                join p in db.Set<PersonRecord>() on a.ActorId equals p.Id into actors
                from p in actors.DefaultIfEmpty()
                select new { a, p };
        if (viewer.StreetCode is { } street) q = q.Where(x => x.p != null && x.p.StreetCode == street);
        if (!string.IsNullOrWhiteSpace(filter.Action)) q = q.Where(x => x.a.Action == filter.Action.Trim());
        if (filter.From is { } from) q = q.Where(x => x.a.At >= from);
        if (filter.To is { } to) q = q.Where(x => x.a.At < to);
        if (!string.IsNullOrWhiteSpace(filter.Person))
        {
            var person = filter.Person.Trim();
            q = Guid.TryParse(person, out var id)
                ? q.Where(x => x.a.ActorId == id)
                : q.Where(x => x.p != null && (x.p.Username.Contains(person) || x.p.DisplayName.Contains(person)));
        }
        return q.OrderByDescending(x => x.a.At).ThenByDescending(x => x.a.Id)
            .Select(x => new Row(x.a.Id, x.a.At, x.a.ActorId, x.p == null ? null : x.p.Username, x.p == null ? null : x.p.DisplayName,
                x.p == null ? null : x.p.StreetCode, x.a.Action, x.a.Subject, x.a.Details));
    }

    private static AuditItem ToItem(Row r) => new(r.Id, r.At, r.ActorId, r.Username, r.Name, r.Action, r.Subject, r.Details);

    public async Task<AdminResult<AuditPage>> PageAsync(Viewer viewer, AuditFilter filter, int page, int pageSize)
    {
        if (!viewer.Has(Role.Admin)) return AdminResult<AuditPage>.Forbidden("Only administrators read the audit log.");
        var errors = Check(filter, page, pageSize);
        if (errors.Count > 0) return AdminResult<AuditPage>.Invalid(errors);
        await using var db = await contexts.CreateDbContextAsync();
        var q = Query(db, viewer, filter);
        var total = await q.CountAsync();
        var rows = await q.Skip((page - 1) * pageSize).Take(pageSize).ToListAsync();
        return AdminResult<AuditPage>.Success(new AuditPage(rows.Select(ToItem).ToList(), total, page, pageSize));
    }

    /// <summary>Every matching row, newest first, at most <see cref="MaxExportRows"/>, streamed from the database.</summary>
    public async IAsyncEnumerable<AuditItem> ExportAsync(Viewer viewer, AuditFilter filter)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await foreach (var r in Query(db, viewer, filter).Take(MaxExportRows).AsAsyncEnumerable()) yield return ToItem(r);
    }

    public async Task<IReadOnlyList<string>> ActionsAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<AuditLogRecord>().Select(a => a.Action).Distinct().OrderBy(a => a).ToListAsync();
    }
}

/// <summary>The audit page's data: the same query and checks as /api/admin/audit, for the circuit's person.</summary>
public sealed class AuditLogSource(AuthenticationStateProvider auth, AuditLogQuery query) : IAuditLog
{
    public async Task<AdminResult<AuditPage>> PageAsync(AuditFilter filter, int page, int pageSize) =>
        await query.PageAsync(Viewer.From((await auth.GetAuthenticationStateAsync()).User), filter, page, pageSize);

    public Task<IReadOnlyList<string>> ActionsAsync() => query.ActionsAsync();
}
