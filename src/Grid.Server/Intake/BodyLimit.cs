using Microsoft.AspNetCore.Http.Features;

namespace Grid.Server.Intake;

/// <summary>
/// Refuses request bodies over <see cref="IntakeEndpoints.MaxBodyBytes"/> on every route where
/// reports come in (the case report, Open311, the hotline, monitoring webhooks, duplicates) with a
/// 413 ProblemDetails. It runs first in the pipeline, before antiforgery or any reader buffers a
/// form; a body without Content-Length is cut off by Kestrel's per-request limit set here. Other
/// routes (grid import, uploads) keep their own limits.
/// </summary>
public sealed class BodyLimitStartupFilter : IStartupFilter
{
    private static readonly string[] Prefixes = ["/open311/", "/api/hotline/", "/hotline/", "/api/monitoring/", "/api/duplicates/", "/api/open311/"];

    public static bool Applies(HttpRequest request) =>
        Prefixes.Any(p => request.Path.StartsWithSegments(p.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
        || request.Path.Equals("/api/cases", StringComparison.OrdinalIgnoreCase)
        || request.Path.Equals("/api/cases/", StringComparison.OrdinalIgnoreCase)
        || (request.Path.StartsWithSegments("/api/cases", StringComparison.OrdinalIgnoreCase) && request.Path.Value!.EndsWith("/reveal-reporter", StringComparison.OrdinalIgnoreCase));

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (http, nextMiddleware) =>
        {
            if (Applies(http.Request))
            {
                var limit = IntakeEndpoints.MaxBodyBytes;
                if (http.Request.ContentLength > limit)
                {
                    await Results.Problem($"The request body is {http.Request.ContentLength} bytes; at most {limit} are accepted here.",
                        statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large").ExecuteAsync(http);
                    return;
                }
                if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
            }
            await nextMiddleware(http);
        });
        next(app);
    };
}
