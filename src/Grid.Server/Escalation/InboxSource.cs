using Grid.Server.Auth;
using Grid.Web.Pages;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Escalation;

/// <summary>
/// The inbox page and header badge read the signed-in person's inbox through this. The person comes from
/// the authentication state, which a Blazor circuit has too (HttpContext is not there once a page is interactive).
/// </summary>
public sealed class InboxSource(AuthenticationStateProvider auth, EscalationRepository repo, TimeProvider clock) : IInboxSource
{
    private async Task<Guid?> MeAsync()
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        return user.Identity?.IsAuthenticated == true ? Viewer.From(user).PersonId : null;
    }

    public async Task<long> UnreadCountAsync() => await MeAsync() is { } me ? await repo.UnreadCountAsync(me) : 0;

    public async Task<IReadOnlyList<InboxEntry>> ListAsync(int page, int pageSize) =>
        await MeAsync() is { } me
            ? (await repo.InboxAsync(me, false, page, pageSize)).Select(r => new InboxEntry
            {
                Id = r.Id, CaseId = r.CaseId, CaseNo = r.CaseNo, CaseState = r.CaseState, Description = r.Description, Level = r.Level,
                Note = r.Note, OrderedByName = r.OrderedByName, CreatedAt = r.CreatedAt, ReadAt = r.ReadAt,
            }).ToList()
            : [];

    public async Task<bool> MarkReadAsync(long id) =>
        await MeAsync() is { } me && await repo.MarkReadAsync(me, id, clock.GetUtcNow());
}
