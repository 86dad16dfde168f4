using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Grid;
using Grid.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Grid.Server.Realtime;

public sealed record PositionRequest(double? Lat, double? Lon, double? Accuracy);

public sealed record PositionAccepted(long Seq, string? CellCode);

public sealed record RealtimeStatus(string Node, bool Listening, long LastSeq, int Subscribers, int AudienceGroups, long Reconnects, long Dropped,
    long WorkingSetBytes, long ManagedBytes, double CpuSeconds, long? LiveAfterFullGcBytes);

public static class RealtimeEndpoints
{
    public const string HubPath = "/hubs/city";

    public static IServiceCollection AddRealtime(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RealtimeOptions>(configuration.GetSection("Grid:Realtime"));
        services.AddSignalR(o =>
        {
            o.KeepAliveInterval = TimeSpan.FromSeconds(10);
            o.ClientTimeoutInterval = TimeSpan.FromSeconds(30);
        });
        // Replaces SignalR's default for this hub (same behaviour) so the feed can write to a connection directly.
        services.AddSingleton<CityConnections>();
        services.AddSingleton<Microsoft.AspNetCore.SignalR.HubLifetimeManager<CityHub>>(sp => sp.GetRequiredService<CityConnections>());
        services.AddSingleton<EventRepository>();
        services.AddSingleton<CityFeed>();
        services.AddScoped<CircuitFeed>();
        services.AddScoped<global::Grid.Web.Live.IDeskFeed>(sp => sp.GetRequiredService<CircuitFeed>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, CircuitFeedConnection>());
        services.AddHostedService(sp => sp.GetRequiredService<CityFeed>());
        services.AddSingleton(sp => new SharedReads(sp.GetRequiredService<CityFeed>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    public static void MapRealtime(this IEndpointRouteBuilder app)
    {
        // A connection ends when the sign-in cookie it was opened with expires; the client must sign in again.
        app.MapHub<CityHub>(HubPath, o => o.CloseOnAuthenticationExpiration = true);
        var staff = app.MapGroup("/api/staff").WithTags("Realtime");
        staff.MapPost("/position", PostPosition);
        staff.MapGet("/positions", LatestPositions);
        app.MapGet("/api/realtime/status", Status).WithTags("Realtime")
            .RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode(), Role.Supervisor.ToCode(), Role.ShiftLead.ToCode(), Role.Operator.ToCode()));
    }

    /// <summary>POST /api/staff/position: a field person's current place, shown live on the command-center map.</summary>
    private static async Task<Results<Accepted<PositionAccepted>, ValidationProblem, ProblemHttpResult>> PostPosition(
        PositionRequest body, HttpContext http, EventRepository events, GridRepository grid, IOptions<GridOptions> options, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(r => Roles.CellScoped.Contains(r) || r == Role.UnitStaff))
        {
            return Problems.Forbidden("Only field staff (cell team members and unit staff) report their position.");
        }
        var errors = new Errors();
        Coordinates.Check(body.Lat, body.Lon, options.Value, errors);
        if (body.Accuracy is { } acc && (!double.IsFinite(acc) || acc < 0 || acc > 10_000))
            errors.Add("accuracy", "'accuracy' is the GPS accuracy radius in metres, 0 to 10000.");
        if (errors.Any) return errors.ToProblem();
        var cell = await grid.LocateAsync(body.Lat!.Value, body.Lon!.Value, options.Value.NearestCellMaxMeters);
        var seq = await events.InsertPositionAsync(viewer.PersonId, body.Lat.Value, body.Lon.Value, body.Accuracy, cell?.Code, clock.GetUtcNow());
        return TypedResults.Accepted((string?)null, new PositionAccepted(seq, cell?.Code));
    }

    /// <summary>GET /api/staff/positions: the latest position of each person one may see, from the last <c>minutes</c> (default 120).</summary>
    private static async Task<Results<Ok<IReadOnlyList<StaffPosition>>, ValidationProblem>> LatestPositions(int? minutes, string? street,
        HttpContext http, EventRepository events, TimeProvider clock)
    {
        var errors = new Errors();
        if (minutes is < 1 or > 1440) errors.Add("minutes", "'minutes' looks back 1 to 1440 minutes.");
        var viewer = Viewer.From(http.User);
        var (audience, error) = Audience.For(viewer, street, await events.CellsServedAsync(viewer.PersonId));
        if (audience is null) errors.Add("street", error!);
        if (errors.Any) return errors.ToProblem();
        return TypedResults.Ok(await events.LatestPositionsAsync(audience!, clock.GetUtcNow().AddMinutes(-(minutes ?? 120))));
    }

    /// <summary>GET /api/realtime/status: this node's listener and subscribers, its memory and CPU time so far (for operations and the benchmark).</summary>
    private static Ok<RealtimeStatus> Status(CityFeed feed)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return TypedResults.Ok(new RealtimeStatus(Environment.MachineName + ":" + Environment.ProcessId, feed.Listening, feed.LastSeq,
            feed.Subscribers, feed.AudienceGroups, feed.Reconnects, feed.Dropped, process.WorkingSet64, GC.GetTotalMemory(false),
            process.TotalProcessorTime.TotalSeconds, LiveAfterLastFullGc()));
    }

    /// <summary>What the last full blocking collection left alive (its heap minus the free space in it), or null before
    /// the first: unlike <see cref="GC.GetTotalMemory"/> it counts nothing allocated after that collection.</summary>
    private static long? LiveAfterLastFullGc()
    {
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return info.Index == 0 ? null : info.HeapSizeBytes - info.FragmentedBytes;
    }
}
