using Grid.Server.Open311;

namespace Grid.Server.Http;

/// <summary>
/// Writes a refusal that no endpoint produced (the input guard, an unknown path, an outage, an
/// unexpected failure) in the format the caller speaks: the GeoReport v2 error list under
/// /open311/v2/ (XML or JSON by the path's suffix), ProblemDetails everywhere else.
/// </summary>
public static class ErrorAnswer
{
    public const string Open311Prefix = "/open311/v2";

    public static bool IsOpen311(HttpRequest request) => request.Path.StartsWithSegments(Open311Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Open311 clients ask for XML by the .xml suffix; everything else gets JSON.</summary>
    public static bool WantsXml(HttpRequest request) =>
        request.Path.Value?.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) == true;

    public static async Task WriteAsync(HttpContext http, int status, string title, string detail, int? retryAfterSeconds = null)
    {
        if (http.Response.HasStarted) return;
        http.Response.Clear();
        http.Response.StatusCode = status;
        if (retryAfterSeconds is { } seconds) http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (IsOpen311(http.Request))
        {
            await Open311Format.Errors(WantsXml(http.Request), status, detail).ExecuteAsync(http);
            return;
        }
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
