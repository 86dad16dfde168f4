namespace Grid.Web.Pages.Intake;

public sealed record ApiKeyInfo(long Id, string Name, string KeyPrefix, int RatePerMinute, string Scope, bool Revoked);

/// <summary>A newly issued key: <paramref name="Key"/> is shown once and never stored in clear.</summary>
public sealed record NewApiKey(string Name, string Key);

/// <summary>Integration API keys for the administrator (implemented by the server); errors are the server's words.</summary>
public interface IApiKeysSource
{
    Task<IReadOnlyList<ApiKeyInfo>> ListAsync();
    Task<(NewApiKey? Key, string? Error)> IssueAsync(string? name, int? ratePerMinute, string scope);
    Task<string?> SetScopeAsync(long id, string scope);
    Task<string?> RevokeAsync(long id);
}
