using Grid.Domain.People;
using Grid.Server.Http;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Grid.Server.Auth;

public sealed record LoginRequest(string? Username, string? Password);

public sealed record MeResponse(Guid Id, string Username, string DisplayName, IReadOnlyList<string> Roles, string? StreetCode,
    string? UnitId, IReadOnlyList<string> Cells);

/// <summary>Sign-in for browsers (form + cookie) and API clients (JSON + the same cookie).</summary>
public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/auth").WithTags("Auth");
        api.MapPost("/login", ApiLogin).AllowAnonymous().DisableAntiforgery();
        api.MapPost("/logout", (Delegate)Logout).DisableAntiforgery();
        app.MapGet("/api/me", Me).WithTags("Auth");

        // The login page posts here; the form carries an antiforgery token.
        app.MapPost("/account/login", FormLogin).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/account/logout", (Delegate)FormLogout).ExcludeFromDescription();
    }

    public enum LoginOutcome { Ok, Invalid, Locked, Missing }

    private static async Task<(LoginOutcome, Viewer?, string)> SignInAsync(HttpContext http, string? username, string? password,
        StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        const string wrong = "The username or password is wrong.";
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            return (LoginOutcome.Missing, null, "Enter both a username and a password.");
        }
        var now = clock.GetUtcNow();
        var person = await staff.FindLoginAsync(username.Trim().ToLowerInvariant());
        if (person is null)
        {
            return (LoginOutcome.Invalid, null, wrong);
        }
        if (person.LockedUntil is { } until && until > now.UtcDateTime)
        {
            return (LoginOutcome.Locked, null, $"This account is locked after repeated failed sign-ins until {until:HH:mm} UTC. Try again later or ask an administrator.");
        }
        if (!Passwords.Verify(person.PasswordHash, password))
        {
            var o = options.Value;
            var locked = await staff.RecordFailedLoginAsync(person.Id, o.LockoutFailures, now, now.AddMinutes(o.LockoutMinutes));
            return locked is null
                ? (LoginOutcome.Invalid, null, wrong)
                : (LoginOutcome.Locked, null, $"Too many failed sign-ins: this account is locked for {o.LockoutMinutes} minutes.");
        }
        await staff.RecordSuccessfulLoginAsync(person.Id, now);
        var viewer = StaffRepository.ToViewer(person);
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme,
            viewer.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme));
        return (LoginOutcome.Ok, viewer, "");
    }

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> ApiLogin(LoginRequest body, HttpContext http,
        StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        var (outcome, viewer, message) = await SignInAsync(http, body.Username, body.Password, staff, options, clock);
        return outcome switch
        {
            LoginOutcome.Ok => TypedResults.Ok(await ToMeAsync(viewer!, staff)),
            LoginOutcome.Locked => TypedResults.Problem(message, statusCode: StatusCodes.Status423Locked, title: "Account locked"),
            LoginOutcome.Missing => TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "Sign-in failed"),
            _ => TypedResults.Problem(message, statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed"),
        };
    }

    private static async Task<RedirectHttpResult> FormLogin([FromForm] string? username, [FromForm] string? password,
        [FromForm] string? returnUrl, HttpContext http, StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        var (outcome, _, _) = await SignInAsync(http, username, password, staff, options, clock);
        var safeReturn = LocalUrl.OrHome(returnUrl);
        return outcome == LoginOutcome.Ok
            ? TypedResults.LocalRedirect(safeReturn)
            : TypedResults.LocalRedirect($"/login?error={outcome.ToString().ToLowerInvariant()}&returnUrl={Uri.EscapeDataString(safeReturn)}");
    }

    private static async Task<NoContent> Logout(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static async Task<RedirectHttpResult> FormLogout(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    private static async Task<Ok<MeResponse>> Me(HttpContext http, StaffRepository staff) =>
        TypedResults.Ok(await ToMeAsync(Viewer.From(http.User), staff));

    private static async Task<MeResponse> ToMeAsync(Viewer v, StaffRepository staff) =>
        new(v.PersonId, v.Username, v.DisplayName, v.Roles.Select(r => r.ToCode()).ToList(), v.StreetCode, v.UnitId,
            await staff.CellsServedByAsync(v.PersonId));
}
