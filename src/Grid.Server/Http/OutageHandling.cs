using System.Net.Sockets;
using Dapper;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Grid.Server.Http;

/// <summary>
/// A request that failed because the database could not be reached (restarting, failing over, out
/// of connections) answers 503 with Retry-After: nothing the client sent was wrong, and a retry with
/// the same Idempotency-Key is safe (a report that was in fact committed is returned, not filed twice).
/// </summary>
public sealed class OutageExceptionHandler : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!IsOutage(exception)) return false;
        await ErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Service unavailable for a moment",
            $"The database cannot be reached right now; nothing is wrong with your request. Send it again in {RetryAfterSeconds} seconds "
            + "(with the same Idempotency-Key, if it had one: a report that was saved after all is then returned, not filed twice).",
            RetryAfterSeconds);
        return true;
    }

    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // 08: connection exceptions; 57P01-57P03: admin/crash shutdown, cannot connect now; 53300: too many connections.
                case PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                    || pg.SqlState is "57P01" or "57P02" or "57P03" or "53300":
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException npg when npg.IsTransient:
                    return true;
                case SocketException or EndOfStreamException:
                    return true;
            }
        }
        return false;
    }
}

/// <summary>Anything else unexpected under /open311/v2/ still answers in the spec's error list and format.</summary>
public sealed class Open311ExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (!ErrorAnswer.IsOpen311(context.Request)) return false;
        await ErrorAnswer.WriteAsync(context, StatusCodes.Status500InternalServerError, "Unexpected error",
            "The server could not complete this request because of an unexpected error; it has been logged. Try again later.");
        return true;
    }
}

/// <summary>/health/ready: can this node serve requests now (its database answers)? For load balancers.</summary>
public static class Readiness
{
    public static void MapReadiness(this IEndpointRouteBuilder app) =>
        app.MapGet("/health/ready", CheckAsync).AllowAnonymous().ExcludeFromDescription();

    private static async Task<IResult> CheckAsync(NpgsqlDataSource db, HttpContext http, CancellationToken ct)
    {
        http.Response.Headers.CacheControl = "no-store";
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var conn = await db.OpenConnectionAsync(timeout.Token);
            await conn.ExecuteScalarAsync<int>(new CommandDefinition("select 1", cancellationToken: timeout.Token));
            return Results.Ok(new { status = "ready" });
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or SocketException or TimeoutException)
        {
            http.Response.Headers.RetryAfter = OutageExceptionHandler.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Results.Json(new { status = "unavailable", detail = "The database does not answer; this node cannot serve requests now." },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
