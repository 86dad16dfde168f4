namespace Grid.Server.Escalation;

public static class EscalationSetup
{
    /// <summary>The ladder's services; its recurring claim job is registered with the other jobs (Jobs/JobsSetup).</summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<EscalationOptions>(configuration.GetSection("Grid:Escalation"));
        services.AddSingleton<EscalationRepository>();
        services.AddSingleton<RungClaims>();
        services.AddSingleton<LadderRepository>();
        services.AddSingleton<LadderAdmin>();
        services.AddScoped<global::Grid.Web.Pages.Admin.ILadderAdmin, LadderAdminSource>();
        services.AddTransient<ClaimDueRungsJob>();
        services.AddScoped<global::Grid.Web.Pages.IInboxSource, InboxSource>();
        return services;
    }
}
