using Quartz;

namespace Grid.Server.Escalation;

public static class EscalationSetup
{
    /// <summary>Quartz on the PostgreSQL job store (tables from migration 0020), clustered: every node
    /// runs a scheduler, each due trigger fires on exactly one of them.</summary>
    public static IServiceCollection AddEscalation(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Grid:Escalation");
        services.Configure<EscalationOptions>(section);
        services.AddSingleton<EscalationRepository>();
        services.AddSingleton<CaseTriggers>();
        services.AddScoped<global::Grid.Web.Pages.IInboxSource, InboxSource>();
        var options = section.Get<EscalationOptions>() ?? new EscalationOptions();
        var connectionString = configuration.GetConnectionString("Grid")!;

        services.AddQuartz(q =>
        {
            q.ConfigureScheduler(s =>
            {
                s.InstanceName = "GridCity";
                s.GenerateInstanceId = true;
                s.IdleWaitTime = TimeSpan.FromSeconds(options.IdleWaitSeconds);
            });
            q.UseDefaultThreadPool(4);
            q.UsePersistentStore(s =>
            {
                s.UsePostgres(connectionString);
                s.UseSystemTextJsonSerializer();
                s.UseClustering(c =>
                {
                    c.CheckinInterval = TimeSpan.FromSeconds(options.ClusterCheckinSeconds);
                    c.CheckinMisfireThreshold = TimeSpan.FromSeconds(options.ClusterCheckinSeconds * 2);
                });
                // The schema is ours (db/migrations/0020); Quartz only checks it.
                s.ConfigureStore(store => store.SchemaProvisioning = SchemaProvisioning.Validate);
            });
            q.AddJob<EscalateCaseJob>(j => j.WithIdentity(CaseTriggers.EscalateJob).StoreDurably().RequestRecovery());
            q.AddJob<FollowCaseEventsJob>(j => j.WithIdentity(FollowCaseEventsJob.Key).StoreDurably().DisallowConcurrentExecution());
            q.AddJob<SweepOverdueJob>(j => j.WithIdentity(SweepOverdueJob.Key).StoreDurably().DisallowConcurrentExecution());
            q.AddTrigger(t => t.ForJob(FollowCaseEventsJob.Key).WithIdentity("follow-case-events", "escalation").StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(options.FollowIntervalSeconds)).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
            q.AddTrigger(t => t.ForJob(SweepOverdueJob.Key).WithIdentity("sweep-overdue", "escalation").StartNow()
                .WithSimpleSchedule(s => s.WithInterval(TimeSpan.FromSeconds(options.SweepIntervalSeconds)).RepeatForever()
                    .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
        });
        if (options.Enabled)
        {
            services.AddQuartzHostedService(o =>
            {
                o.WaitForJobsToComplete = true;
                // Migrations (the Quartz tables among them) run before the host starts.
                o.AwaitApplicationStarted = true;
            });
        }
        return services;
    }
}
