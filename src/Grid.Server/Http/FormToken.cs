using Microsoft.AspNetCore.Antiforgery;

namespace Grid.Server.Http;

/// <summary>
/// Form posts from our own pages that bind no form fields (sign-out, "mark read") get no automatic
/// antiforgery check from minimal APIs, so another site could post them with the user's cookie.
/// This filter demands the page's token on such routes.
/// </summary>
public static class FormToken
{
    public static RouteHandlerBuilder RequireFormToken(this RouteHandlerBuilder route) =>
        route.AddEndpointFilter(async (ctx, next) =>
        {
            // The antiforgery middleware already checked routes that carry its metadata (reading the form
            // again after a failed check throws); others are checked here.
            var valid = ctx.HttpContext.Features.Get<IAntiforgeryValidationFeature>() is { } checkedBefore
                ? checkedBefore.IsValid
                : await ctx.HttpContext.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(ctx.HttpContext);
            if (!valid)
            {
                return Problems.BadRequest("This form must be sent from a GridCity page (its antiforgery token is missing or expired); reload the page and try again.");
            }
            return await next(ctx);
        });
}
