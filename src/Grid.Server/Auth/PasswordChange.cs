using System.Security.Claims;
using Grid.Server.Data;
using Grid.Server.Http;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Auth;

public sealed record ChangePasswordRequest(string? CurrentPassword, string? NewPassword);

/// <summary>
/// A password an administrator chose (reset, console, import) is known to him: the person's session carries
/// <see cref="Claim"/> until he chooses his own. Until then <see cref="Gate"/> lets him reach only sign-in,
/// sign-out, /api/me and the change itself; pages send him to <see cref="Page"/>, API calls get 403 saying so.
/// </summary>
public static class PasswordChange
{
    public const string Claim = "grid:must_change_password";
    public const string Page = "/account/password";

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/change-password", ApiChange).WithTags("Auth").DisableAntiforgery();
        app.MapPost(Page, FormChange).ExcludeFromDescription();
    }

    private static async Task<IResult> ApiChange(ChangePasswordRequest body, HttpContext http, IDbContextFactory<GridDbContext> contexts,
        StaffRepository staff, SessionStamps stamps, TimeProvider clock)
    {
        var (ok, field, message) = await ChangeAsync(http, body.CurrentPassword, body.NewPassword, contexts, staff, stamps, clock);
        return ok ? TypedResults.NoContent() : Problems.Validation(new() { [field!] = [message!] });
    }

    private static async Task<IResult> FormChange([FromForm] string? currentPassword, [FromForm] string? newPassword, [FromForm] string? returnUrl,
        HttpContext http, IDbContextFactory<GridDbContext> contexts, StaffRepository staff, SessionStamps stamps, TimeProvider clock)
    {
        var (ok, field, _) = await ChangeAsync(http, currentPassword, newPassword, contexts, staff, stamps, clock);
        var safeReturn = LocalUrl.OrHome(returnUrl);
        return ok ? TypedResults.LocalRedirect(safeReturn)
            : TypedResults.LocalRedirect($"{Page}?error={(field == "currentPassword" ? "current" : "new")}&returnUrl={Uri.EscapeDataString(safeReturn)}");
    }

    /// <summary>Checks the current password, stores the new one, ends the person's other sessions and signs this one in again without the claim.</summary>
    private static async Task<(bool Ok, string? Field, string? Message)> ChangeAsync(HttpContext http, string? current, string? next,
        IDbContextFactory<GridDbContext> contexts, StaffRepository staff, SessionStamps stamps, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        var person = await staff.FindLoginAsync(viewer.Username);
        if (person is null || string.IsNullOrEmpty(current) || !Passwords.Verify(person.PasswordHash, current))
            return (false, "currentPassword", "The current password is wrong.");
        if (next is null || next.Length < PeopleAdmin.MinPasswordLength)
            return (false, "newPassword", $"The new password needs at least {PeopleAdmin.MinPasswordLength} characters.");
        if (next.Length > 200) return (false, "newPassword", "The new password is longer than 200 characters.");
        if (next == current) return (false, "newPassword", "Choose a password other than the one the administrator gave you.");
        var hash = Passwords.Hash(next);
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Set<PersonRecord>().Where(p => p.Id == person.Id).ExecuteUpdateAsync(u => u
                .SetProperty(p => p.PasswordHash, hash).SetProperty(p => p.MustChangePassword, false));
            await stamps.RotateAsync(db, person.Id);
            db.Add(new AuditLogRecord { At = clock.GetUtcNow(), ActorId = person.Id, Action = "password_changed", Subject = $"person:{person.Id}", Details = "{}" });
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        var stamp = await stamps.CurrentAsync(person.Id, fresh: true);
        var principal = StaffRepository.ToViewer(person).ToPrincipal(CookieAuthenticationDefaults.AuthenticationScheme);
        ((ClaimsIdentity)principal.Identity!).AddClaim(new System.Security.Claims.Claim(SessionStamps.Claim, stamp!));
        await http.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal);
        return (true, null, null);
    }

    private static readonly string[] Open = ["/api/auth/", "/api/me", "/account/", "/login", "/culture", "/_framework/", "/_content/", "/health"];

    /// <summary>The middleware: a session that must change its password reaches only what the change needs.</summary>
    public static async Task Gate(HttpContext http, Func<Task> next)
    {
        if (http.User.HasClaim(Claim, "true") && !Open.Any(p => http.Request.Path.StartsWithSegments(p.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)))
        {
            if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs") || !HttpMethods.IsGet(http.Request.Method))
            {
                await ErrorAnswer.WriteAsync(http, StatusCodes.Status403Forbidden, "Choose your own password first",
                    $"An administrator set your password; choose your own first ({Page}, or POST /api/auth/change-password with currentPassword and newPassword).");
                return;
            }
            http.Response.Redirect($"{Page}?returnUrl={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}");
            return;
        }
        await next();
    }
}
