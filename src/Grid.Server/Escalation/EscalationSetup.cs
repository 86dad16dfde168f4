namespace Grid.Server.Escalation;

public static class EscalationSetup
{
    /// <summary>Settings of the ladder as it was configured before it moved to the database (escalation_ladders).</summary>
    private static readonly string[] MovedToDatabase = ["WarningFraction", "Delays", "Ladders"];

    /// <summary>The ladder's services; its recurring claim job is registered with the other jobs (Jobs/JobsSetup).</summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services, IConfiguration configuration)
    {
        // A host still configured with a ladder of its own in Grid:Escalation would run on the seeded default
        // without a word; it stops here and says where the ladder is kept now.
        var left = MovedToDatabase.Where(k => configuration.GetSection($"Grid:Escalation:{k}").Exists()).Select(k => $"Grid:Escalation:{k}").ToList();
        if (left.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", left)} is no longer read: escalation ladders are kept in the database. Set the same ladder as an " +
                "administrator at /admin/ladders (or POST /api/escalation/ladders; delays in working seconds), then remove the setting.");
        }
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
