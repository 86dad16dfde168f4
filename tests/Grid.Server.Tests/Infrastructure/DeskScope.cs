using Grid.Server.Staff;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Infrastructure;

/// <summary>
/// The interactive desk pages (command center, duplicates, inbox, follow-ups, figures) read through injected sources
/// inside a Blazor circuit, not over HTTP: a GET of such a page renders no case at all, so an HTTP check of it proves
/// nothing. This is the circuit as the server builds it for a signed-in person: a DI scope whose authentication state
/// is that person's principal (the claims the sign-in puts into the cookie), from which a test resolves the page's
/// source (<c>ICommandSource</c>, <c>IFollowUpSource</c>...) and asks it what the page would show.
/// </summary>
public sealed class DeskScope : IAsyncDisposable
{
    private readonly AsyncServiceScope _scope;

    private DeskScope(AsyncServiceScope scope) => _scope = scope;

    public static async Task<DeskScope> ForAsync(TestServer server, TestUser user)
    {
        var scope = server.App.Services.CreateAsyncScope();
        var staff = scope.ServiceProvider.GetRequiredService<StaffRepository>();
        var login = await staff.FindLoginAsync(user.Username) ?? throw new InvalidOperationException($"{user.Username} has no login.");
        var principal = StaffRepository.ToViewer(login).ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme);
        var auth = (IHostEnvironmentAuthenticationStateProvider)scope.ServiceProvider.GetRequiredService<AuthenticationStateProvider>();
        auth.SetAuthenticationState(Task.FromResult(new AuthenticationState(principal)));
        return new DeskScope(scope);
    }

    public T Get<T>() where T : notnull => _scope.ServiceProvider.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _scope.DisposeAsync();
}
