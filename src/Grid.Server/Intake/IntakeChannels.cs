using Grid.Server.Hotline;
using Grid.Server.Monitoring;
using Grid.Server.Open311;

namespace Grid.Server.Intake;

/// <summary>Registers every intake channel: the shared intake and duplicates, Open311, the hotline, monitoring systems.</summary>
public static class IntakeChannels
{
    public static IServiceCollection AddIntakeChannels(this IServiceCollection services, IConfiguration config) =>
        services.AddIntake().AddOpen311(config).AddHotline().AddMonitoring(config);

    public static void MapIntakeChannels(this IEndpointRouteBuilder app)
    {
        app.MapIntake();
        app.MapOpen311();
        app.MapHotline();
        app.MapMonitoring();
    }
}
