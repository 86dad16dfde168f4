namespace Grid.Server.Http;

/// <summary>
/// A node that is stopping takes no new requests: it answers 503 with Retry-After and closes the
/// connection, so that the load balancer, a phone's retry and a desk page reconnecting its circuit go to
/// another node (or come back once this one has restarted). Without it, the desk page whose circuit
/// SignalR closed at shutdown reconnected at once to the same node, and the node waited out its whole
/// shutdown timeout (30 s) for that new WebSocket before it could stop; the background jobs' server then
/// found its stop already cancelled and the process ended with an exception. Requests that arrived
/// before the node began stopping finish as usual (Kestrel drains them).
/// </summary>
public static class NodeDraining
{
    public const int RetryAfterSeconds = 1;

    public static IApplicationBuilder UseNodeDraining(this IApplicationBuilder app)
    {
        var stopping = app.ApplicationServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        return app.Use(async (context, next) =>
        {
            if (!stopping.IsCancellationRequested)
            {
                await next(context);
                return;
            }
            // Set as the answer starts: ErrorAnswer clears the headers first.
            context.Response.OnStarting(() =>
            {
                context.Response.Headers.Connection = "close";
                return Task.CompletedTask;
            });
            await ErrorAnswer.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "This server is stopping",
                $"This server is shutting down and takes no new requests; nothing is wrong with your request. Send it again in {RetryAfterSeconds} second "
                + "(with the same Idempotency-Key, if it had one): another server answers it, or this one once it is back.", RetryAfterSeconds);
        });
    }
}
