using Grid.Domain.People;
using Grid.Server.Escalation;
using Grid.Server.Evaluation;
using Grid.Server.Hotline;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using Hangfire.Dashboard;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Jobs;

/// <summary>
/// All background work runs on Hangfire (Hangfire.PostgreSql, schema "hangfire" in the app's
/// database). Every node runs a Hangfire server; a job is a small class with one public method,
/// safe to run twice. Recurring jobs are registered here, in one place, at start-up.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/jobs";

    public static IServiceCollection AddBackgroundJobs(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Grid:Jobs");
        services.Configure<JobsOptions>(section);
        services.Configure<RetentionOptions>(configuration.GetSection("Grid:Retention"));
        services.AddTransient<RetentionJob>();
        var options = section.Get<JobsOptions>() ?? new JobsOptions();
        var connectionString = configuration.GetConnectionString("Grid")!;

        // The storage and the activator are this host's own services, never Hangfire's static
        // JobStorage.Current / JobActivator.Current: several hosts may share a process (tests start
        // nodes side by side), and each must run its jobs on its own database and services.
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            // Installed by InstallSchemaAsync before the host starts, under the migrations' lock.
            PrepareSchemaIfNecessary = false,
            QueuePollInterval = TimeSpan.FromSeconds(options.PollSeconds),
            DistributedLockTimeout = TimeSpan.FromSeconds(options.LockTimeoutSeconds),
            InvisibilityTimeout = TimeSpan.FromMinutes(30),
            UseSlidingInvisibilityTimeout = true,
        };
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions));
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        // Filters of this host on top of the attributes and global ones (registered before AddHangfire,
        // which keeps it): the hotline send job's retry delays come from configuration.
        services.AddSingleton<IJobFilterProvider>(sp => new JobFilterProviderCollection(JobFilterProviders.Providers,
            new HotlineSendRetry(sp.GetRequiredService<IOptions<HotlinePushOptions>>().Value)));
        services.AddHangfire((sp, c) => c
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        if (options.Enabled)
        {
            services.AddHangfireServer(o =>
            {
                o.WorkerCount = options.WorkerCount;
                o.SchedulePollingInterval = TimeSpan.FromSeconds(options.PollSeconds);
                o.ServerCheckInterval = TimeSpan.FromSeconds(30);
                o.ShutdownTimeout = TimeSpan.FromSeconds(10);
            });
        }
        return services;
    }

    /// <summary>Hangfire's own tables (schema "hangfire"), made or brought up to date before the host starts.</summary>
    public static async Task InstallSchemaAsync(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        // Two nodes starting at once take turns; the installer runs each script in a serializable transaction.
        await using (var lockCmd = new NpgsqlCommand("select pg_advisory_lock(5139203, 1)", conn)) await lockCmd.ExecuteNonQueryAsync(ct);
        try
        {
            PostgreSqlObjectsInstaller.Install(conn, "hangfire");
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("select pg_advisory_unlock(5139203, 1)", conn);
            await unlock.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The recurring jobs, the one place that schedules work on timers.</summary>
    public static void RegisterRecurringJobs(IServiceProvider services)
    {
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        var escalation = services.GetRequiredService<IOptions<EscalationOptions>>().Value;
        recurring.AddOrUpdate<ClaimDueRungsJob>(ClaimDueRungsJob.Id, j => j.RunAsync(CancellationToken.None), escalation.ClaimCron);
        recurring.AddOrUpdate<MonthlyEvaluationJob>(MonthlyEvaluationJob.Id, j => j.RunAsync(), MonthlyEvaluationJob.Cron);
        recurring.AddOrUpdate<RetentionJob>(RetentionJob.Id, j => j.RunAsync(CancellationToken.None), RetentionJob.Cron);
        var push = services.GetRequiredService<IOptions<HotlinePushOptions>>().Value;
        recurring.AddOrUpdate<HotlineQueueJob>(HotlineQueueJob.Id, j => j.RunAsync(CancellationToken.None), push.QueueCron);
    }

    /// <summary>The Hangfire dashboard at /jobs, for administrators only, through the app's own cookie sign-in.</summary>
    public static void MapJobsDashboard(this IEndpointRouteBuilder app)
    {
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            Authorization = [new AdministratorsOnly()],
            DashboardTitle = "GridCity jobs",
            AppPath = "/",
            DisplayStorageConnectionString = false,
        }).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
    }

    /// <summary>Replaces Hangfire's local-requests-only default: the signed-in person must be an administrator.</summary>
    private sealed class AdministratorsOnly : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(Role.Admin.ToCode());
    }
}
