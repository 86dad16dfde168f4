using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Web;
using Grid.Web.Pages.Intake;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace Grid.Server.Open311;

/// <summary>The /api-keys page's data and actions: the same checks and answers as /api/open311/keys, for the circuit's person.</summary>
public sealed class ApiKeysSource(AuthenticationStateProvider auth, Open311Repository repo, TimeProvider clock, IStringLocalizer<Strings> texts)
    : IApiKeysSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync() =>
        (await Open311Endpoints.ListKeysAsync(await ViewerAsync(), repo)).Result is Ok<IReadOnlyList<ApiKeyView>> ok
            ? ok.Value!.Select(k => new ApiKeyInfo(k.Id, k.Name, k.KeyPrefix, k.RatePerMinute, k.Scope, k.RevokedAt is not null)).ToList()
            : [];

    public async Task<(NewApiKey? Key, string? Error)> IssueAsync(string? name, int? ratePerMinute, string scope)
    {
        var result = await Open311Endpoints.IssueKeyAsync(new IssueKeyRequest(name, ratePerMinute, scope), await ViewerAsync(), repo, clock);
        return result.Result is Created<IssuedKey> created ? (new NewApiKey(created.Value!.Name, created.Value.Key), null) : (null, Message(result.Result));
    }

    public async Task<string?> SetScopeAsync(long id, string scope) =>
        Message((await Open311Endpoints.SetKeyScopeAsync(id, new KeyScopeRequest(scope), await ViewerAsync(), repo, clock)).Result);

    public async Task<string?> RevokeAsync(long id) =>
        Message((await Open311Endpoints.RevokeKeyAsync(id, await ViewerAsync(), repo, clock)).Result);

    private string? Message(IResult result) => Problems.ErrorOf(result, texts);
}
