using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Grid.Server.Auth;

/// <summary>API and hub callers get 401/403 ProblemDetails; browsers on pages get the login redirect.</summary>
public static class ApiCookieEvents
{
    public static CookieAuthenticationEvents Create() => new()
    {
        OnValidatePrincipal = SessionStamps.ValidateAsync,
        OnRedirectToLogin = ctx => IsApi(ctx.Request)
            ? Write(ctx, StatusCodes.Status401Unauthorized, "Sign in first: POST /api/auth/login with your username and password.")
            : Redirect(ctx),
        OnRedirectToAccessDenied = ctx => IsApi(ctx.Request)
            ? Write(ctx, StatusCodes.Status403Forbidden, "Your role does not allow this.")
            : Redirect(ctx),
    };

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs");

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> ctx)
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    private static async Task Write(RedirectContext<CookieAuthenticationOptions> ctx, int status, string detail)
    {
        ctx.Response.StatusCode = status;
        var problems = ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = ctx.HttpContext,
            ProblemDetails = { Status = status, Title = status == 401 ? "Not signed in" : "Not allowed", Detail = detail },
        });
    }
}
