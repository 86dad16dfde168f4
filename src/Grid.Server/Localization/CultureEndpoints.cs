using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;

namespace Grid.Server.Localization;

/// <summary>Chinese by default; English on request, remembered in a cookie.</summary>
public static class CultureEndpoints
{
    public static readonly CultureInfo[] Supported = [new("zh-CN"), new("en")];

    public static void AddGridLocalization(this IServiceCollection services)
    {
        services.AddLocalization(o => o.ResourcesPath = "Resources");
        services.Configure<RequestLocalizationOptions>(o =>
        {
            o.DefaultRequestCulture = new RequestCulture("zh-CN");
            o.SupportedCultures = Supported;
            o.SupportedUICultures = Supported;
            // Only an explicit choice (query or cookie) switches language; the browser's language does not.
            o.RequestCultureProviders = [new QueryStringRequestCultureProvider(), new CookieRequestCultureProvider()];
        });
    }

    public static void MapCulture(this IEndpointRouteBuilder app) =>
        app.MapGet("/culture", SetCulture).AllowAnonymous().ExcludeFromDescription();

    private static RedirectHttpResult SetCulture(string? c, string? returnUrl, HttpContext http)
    {
        var culture = Supported.FirstOrDefault(s => s.Name == c) ?? Supported[0];
        http.Response.Cookies.Append(CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = false });
        return TypedResults.LocalRedirect(Http.LocalUrl.OrHome(returnUrl));
    }
}
