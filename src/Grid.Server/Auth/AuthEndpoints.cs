using System.Security.Claims;
using Grid.Domain.People;
using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
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
    string? UnitId, IReadOnlyList<string> Cells, bool MustChangePassword = false);

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
        app.MapPost("/account/logout", (Delegate)FormLogout).ExcludeFromDescription().RequireFormToken();

        var people = app.MapGroup("/api/people").WithTags("Auth");
        people.MapPost("/{id:guid}/reset-password", ResetPassword);
        people.MapPost("/{id:guid}/deactivate", Deactivate);
        people.MapPost("/{id:guid}/reactivate", Reactivate);
        PasswordChange.Map(app);
    }

    public enum LoginOutcome { Ok, Invalid, Locked, Missing, Deactivated }

    // Unknown names are checked against this hash, so that they cost the same PBKDF2 work as a wrong password.
    private static readonly Lazy<string> DecoyHash = new(() => Passwords.Hash(Guid.NewGuid().ToString("N")));

    /// <summary>
    /// An unknown name, a wrong password and a deactivated account all answer the same "wrong"
    /// refusal after the same work (one PBKDF2 verification, one stamp read, one lock read, one counted
    /// and audited write), so sign-in does not tell which names exist. Only the right password learns
    /// that an account is deactivated. A locked account answers 423; failures under a name that is no
    /// active account are counted per name by the same rule, so an unknown name locks the same way.
    /// </summary>
    private static async Task<(LoginOutcome, Viewer?, string)> SignInAsync(HttpContext http, string? username, string? password,
        StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        const string wrong = "The username or password is wrong.";
        if (string.IsNullOrWhiteSpace(username) || string.IsNullOrEmpty(password))
        {
            return (LoginOutcome.Missing, null, "Enter both a username and a password.");
        }
        var now = clock.GetUtcNow();
        var o = options.Value;
        var name = username.Trim().ToLowerInvariant();
        var person = await staff.FindLoginAsync(name);
        var nameLock = await staff.NameLockAsync(name);
        var stamps = http.RequestServices.GetRequiredService<SessionStamps>();
        var passwordOk = Passwords.Verify(person?.PasswordHash ?? DecoyHash.Value, password) && person is not null;
        var stamp = await stamps.CurrentAsync(person?.Id ?? Guid.Empty, fresh: true);
        // Unknown or deactivated (no stamp): counted under the name, answered as any wrong password.
        var lockedUntil = person is not null && stamp is not null ? person.LockedUntil : nameLock;
        if (lockedUntil is { } until && until > now.UtcDateTime)
        {
            return (LoginOutcome.Locked, null, LockedMessage(until));
        }
        if (person is null || stamp is null)
        {
            if (passwordOk) return (LoginOutcome.Deactivated, null, "This account has been deactivated; ask an administrator.");
            var nameLockedNow = await staff.RecordFailedNameAsync(name, o.LockoutFailures, now, now.AddMinutes(o.LockoutMinutes));
            return nameLockedNow is null ? (LoginOutcome.Invalid, null, wrong) : (LoginOutcome.Locked, null, LockingMessage(o));
        }
        if (!passwordOk)
        {
            var lockedNow = await staff.RecordFailedLoginAsync(person.Id, o.LockoutFailures, now, now.AddMinutes(o.LockoutMinutes));
            return lockedNow is null ? (LoginOutcome.Invalid, null, wrong) : (LoginOutcome.Locked, null, LockingMessage(o));
        }
        await staff.RecordSuccessfulLoginAsync(person.Id, now);
        var viewer = StaffRepository.ToViewer(person);
        var principal = viewer.ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(SessionStamps.Claim, stamp));
        if (person.MustChangePassword) ((ClaimsIdentity)principal.Identity!).AddClaim(new Claim(PasswordChange.Claim, "true"));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return (LoginOutcome.Ok, viewer, "");
    }

    private static string LockedMessage(DateTime until) =>
        $"This account is locked after repeated failed sign-ins until {until:HH:mm} UTC. Try again later or ask an administrator.";

    private static string LockingMessage(GridOptions o) =>
        $"Too many failed sign-ins: this account is locked for {o.LockoutMinutes} minutes.";

    private static async Task<Results<Ok<MeResponse>, ProblemHttpResult>> ApiLogin(LoginRequest body, HttpContext http,
        StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        var (outcome, viewer, message) = await SignInAsync(http, body.Username, body.Password, staff, options, clock);
        return outcome switch
        {
            LoginOutcome.Ok => TypedResults.Ok(await ToMeAsync(viewer!, staff)),
            LoginOutcome.Locked => TypedResults.Problem(message, statusCode: StatusCodes.Status423Locked, title: "Account locked"),
            LoginOutcome.Deactivated => TypedResults.Problem(message, statusCode: StatusCodes.Status403Forbidden, title: "Account deactivated"),
            LoginOutcome.Missing => TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "Sign-in failed"),
            _ => TypedResults.Problem(message, statusCode: StatusCodes.Status401Unauthorized, title: "Sign-in failed"),
        };
    }

    private static async Task<RedirectHttpResult> FormLogin([FromForm] string? username, [FromForm] string? password,
        [FromForm] string? returnUrl, HttpContext http, StaffRepository staff, IOptions<GridOptions> options, TimeProvider clock)
    {
        var (outcome, _, _) = await SignInAsync(http, username, password, staff, options, clock);
        var safeReturn = LocalUrl.OrHome(returnUrl);
        if (outcome == LoginOutcome.Ok && (await staff.FindLoginAsync(username!.Trim().ToLowerInvariant()))?.MustChangePassword == true)
            return TypedResults.LocalRedirect($"{PasswordChange.Page}?returnUrl={Uri.EscapeDataString(safeReturn)}");
        return outcome == LoginOutcome.Ok
            ? TypedResults.LocalRedirect(safeReturn)
            : TypedResults.LocalRedirect($"/login?error={outcome.ToString().ToLowerInvariant()}&returnUrl={Uri.EscapeDataString(safeReturn)}");
    }

    /// <summary>Signing out ends every session of the person (other devices and nodes too), not only this cookie.</summary>
    private static async Task<NoContent> Logout(HttpContext http, SessionStamps stamps)
    {
        await stamps.EndAllSessionsAsync(Viewer.From(http.User).PersonId, "logout");
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.NoContent();
    }

    private static async Task<RedirectHttpResult> FormLogout(HttpContext http, SessionStamps stamps)
    {
        await stamps.EndAllSessionsAsync(Viewer.From(http.User).PersonId, "logout");
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.LocalRedirect("/login");
    }

    public sealed record ResetPasswordRequest(string? Password);

    // The account actions are the console's (PeopleAdmin): the same scope check, audit and session end as the page.
    private static async Task<IResult> ResetPassword(Guid id, ResetPasswordRequest body, HttpContext http, PeopleAdmin people) =>
        Answer(await people.ResetPasswordAsync(Viewer.From(http.User), id, body.Password));

    private static async Task<IResult> Deactivate(Guid id, HttpContext http, PeopleAdmin people) =>
        Answer(await people.DeactivateAsync(Viewer.From(http.User), id));

    private static async Task<IResult> Reactivate(Guid id, HttpContext http, PeopleAdmin people) =>
        Answer(await people.ReactivateAsync(Viewer.From(http.User), id));

    private static IResult Answer(global::Grid.Web.Pages.Admin.AdminOutcome o) => o.Ok ? TypedResults.NoContent() : PeopleEndpoints.Problem(o);

    private static async Task<Ok<MeResponse>> Me(HttpContext http, StaffRepository staff) =>
        TypedResults.Ok(await ToMeAsync(Viewer.From(http.User), staff));

    private static async Task<MeResponse> ToMeAsync(Viewer v, StaffRepository staff) =>
        new(v.PersonId, v.Username, v.DisplayName, v.Roles.Select(r => r.ToCode()).ToList(), v.StreetCode, v.UnitId,
            await staff.CellsServedByAsync(v.PersonId), (await staff.FindLoginAsync(v.Username))?.MustChangePassword == true);
}
