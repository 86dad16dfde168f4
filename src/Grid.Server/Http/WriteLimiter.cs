using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;

namespace Grid.Server.Http;

/// <summary>The "Grid:Writes" configuration section: how much change the server takes on at once.</summary>
public sealed class WriteLimitOptions
{
    /// <summary>Write requests (anything but GET/HEAD/OPTIONS) handled at the same time by this node.</summary>
    public int MaxConcurrent { get; set; } = 32;

    /// <summary>Write requests that may wait for a slot; beyond them a request is refused at once.</summary>
    public int Queue { get; set; } = 32;

    /// <summary>What the Retry-After header of a refusal says (seconds).</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}

/// <summary>
/// Overload is refused, not queued: past <see cref="WriteLimitOptions.MaxConcurrent"/> running and
/// <see cref="WriteLimitOptions.Queue"/> waiting writes, a write gets 503 with Retry-After straight
/// away and nothing is saved. Unbounded queues let a busy node accept work it finished only after the
/// client had given up, so a client that retried without an Idempotency-Key filed the report twice.
/// Reads, the hub and Blazor's circuit are not limited here.
/// </summary>
public static class WriteLimiter
{
    public static IServiceCollection AddWriteLimiter(this IServiceCollection services, IConfiguration configuration)
    {
        var o = configuration.GetSection("Grid:Writes").Get<WriteLimitOptions>() ?? new WriteLimitOptions();
        services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            r.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => IsWrite(http.Request)
                ? RateLimitPartition.GetConcurrencyLimiter("writes", _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = Math.Max(1, o.MaxConcurrent), QueueLimit = Math.Max(0, o.Queue),
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                })
                : RateLimitPartition.GetNoLimiter("other"));
            r.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = o.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = StatusCodes.Status503ServiceUnavailable, Title = "Server busy",
                        Detail = $"The server is taking as many changes as it can; nothing was saved. Send the request again in {o.RetryAfterSeconds} s (with the same Idempotency-Key, if it had one).",
                    },
                });
            };
        });
        return services;
    }

    private static bool IsWrite(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method))
        && !request.Path.StartsWithSegments("/hubs") && !request.Path.StartsWithSegments("/_blazor");
}
