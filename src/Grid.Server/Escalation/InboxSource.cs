using Grid.Server.Auth;
using Grid.Web.Pages;

namespace Grid.Server.Escalation;

/// <summary>The inbox page and header badge read the signed-in person's inbox through this.</summary>
public sealed class InboxSource(IHttpContextAccessor http, EscalationRepository repo) : IInboxSource
{
    private Guid? Me => http.HttpContext?.User.Identity?.IsAuthenticated == true ? Viewer.From(http.HttpContext.User).PersonId : null;

    public async Task<long> UnreadCountAsync() => Me is { } me ? await repo.UnreadCountAsync(me) : 0;

    public async Task<IReadOnlyList<InboxEntry>> ListAsync(int page, int pageSize) =>
        Me is { } me
            ? (await repo.InboxAsync(me, false, page, pageSize)).Select(r => new InboxEntry
            {
                Id = r.Id, CaseId = r.CaseId, CaseNo = r.CaseNo, CaseState = r.CaseState, Description = r.Description, Level = r.Level,
                Note = r.Note, OrderedByName = r.OrderedByName, CreatedAt = r.CreatedAt, ReadAt = r.ReadAt,
            }).ToList()
            : [];
}
