using System.Globalization;
using Grid.Web.Layout;
using Grid.Web.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

/// <summary>
/// A bunit context with what the desk pages need: MudBlazor with our texts (Chinese), the real resource files,
/// an interactive renderer, and in-memory stand-ins for the server's sources (the server tests cover those against PostGIS).
/// </summary>
public abstract class DeskContext : BunitContext, IAsyncLifetime
{
    // MudBlazor's and our circuit services are IAsyncDisposable only: xunit must dispose the context asynchronously.
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    // bunit waits 1 s by default; the full suite runs these beside Chromium and the server tests on 2 cores, where a
    // render can wait longer than that for the dispatcher. A wait still fails when its condition never holds.
    static DeskContext() => DefaultWaitTimeout = TimeSpan.FromSeconds(10);

    protected DeskContext()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("zh-CN");
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLocalization(o => o.ResourcesPath = "Resources");
        Services.AddDeskUi();
        Services.AddSingleton<IDeskFeed>(Feed);
        Services.AddSingleton<Grid.Web.Pages.IInboxSource>(InboxSource);
        Services.AddSingleton<Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider, NoAntiforgery>();
        AddServices(Services);
        _auth = AddAuthorization();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    private readonly Bunit.TestDoubles.BunitAuthorizationContext _auth;

    /// <summary>Signs a person in with these roles (claims as the server's cookie carries them).</summary>
    protected void SignIn(string username, params string[] roles) => SignInOfStreet(username, null, roles);

    /// <summary>Signs in a person whose account serves one street (the cookie's grid:street claim), or the whole area when null.</summary>
    protected void SignInOfStreet(string username, string? street, params string[] roles)
    {
        var auth = _auth;
        auth.SetAuthorized(username);
        auth.SetRoles(roles);
        System.Security.Claims.Claim[] claims = street is null
            ? [new("grid:display_name", "Test " + username)]
            : [new("grid:display_name", "Test " + username), new("grid:street", street)];
        auth.SetClaims(claims);
    }

    private sealed class NoAntiforgery : Microsoft.AspNetCore.Components.Forms.AntiforgeryStateProvider
    {
        public override Microsoft.AspNetCore.Components.Forms.AntiforgeryRequestToken? GetAntiforgeryToken() => null;
    }

    /// <summary>More services of a test class; runs before anything is resolved (bunit forbids adding later).</summary>
    protected virtual void AddServices(IServiceCollection services) { }

    protected FakeFeed Feed { get; } = new();
    protected FakeInbox InboxSource { get; } = new();
}
