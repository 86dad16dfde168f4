using System.Text.Json;
using System.Text.Json.Serialization;
using Grid.Server.Admin;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Citizens;
using Grid.Server.Data;
using Grid.Server.Field;
using Grid.Server.Escalation;
using Grid.Server.Evaluation;
using Grid.Server.Grid;
using Grid.Server.Hotline;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Intake;
using Grid.Server.Jobs;
using Grid.Server.Localization;
using Grid.Server.Realtime;
using Grid.Server.Photos;
using Grid.Server.Staff;
using Grid.Server.Units;
using Grid.Server.Stats;
using Grid.Web;
using Grid.Web.Layout;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Grid.Server;

/// <summary>Builds the GridCity host. Program.cs and the test fixtures both start it through here.</summary>
public static class GridApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // The application name fixes which static web assets manifest is read, also when a test host starts the app.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ApplicationName = typeof(GridApp).Assembly.GetName().Name });
        configure?.Invoke(builder);
        // Serve Grid.Web's assets (_content/Grid.Web/...) from the build output in every environment,
        // not only Development; a published app has them in wwwroot instead.
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;

        services.Configure<GridOptions>(builder.Configuration.GetSection("Grid"));
        var connectionString = builder.Configuration.GetConnectionString("Grid")
            ?? throw new InvalidOperationException("Connection string 'Grid' is not configured (ConnectionStrings__Grid).");
        // Npgsql logs every command at Information; only warnings by default. The benchmarks turn the
        // command log (and Grid:LogSqlParameters) on to EXPLAIN ANALYZE exactly the SQL a request ran.
        builder.Logging.AddFilter("Npgsql", LogLevel.Warning);
        var logSqlParameters = builder.Configuration.GetValue<bool>("Grid:LogSqlParameters");
        services.AddSingleton(sp =>
        {
            var source = new NpgsqlDataSourceBuilder(connectionString).UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            source.UseNetTopologySuite();
            // No JIT: the figures' queries are costed high (their per-case subplans multiply the estimate
            // though they rarely run), so PostgreSQL compiled them for about a second to save nothing
            // (the month-by-street page: 980 ms with JIT, 178 ms without, over 1,000,000 cases). The
            // system's queries are short; none gains from JIT. A connection string's own Options come
            // after this one and win.
            //
            // Custom plans always (plan_cache_mode): a prepared statement is otherwise planned once for any parameters
            // after five runs, and the map's box queries need a plan for the box they get. With a generic plan the
            // command center's list of open cases in a street's box took p50 151 ms and p99 1.7 s where the SQL with its
            // values takes 10 ms (bench/map, 1,000,000 cases; p99 50 ms before preparation). Prepared statements still
            // save the parsing and rewriting (see Max Auto Prepare below).
            source.ConnectionStringBuilder.Options = ("-c jit=off -c plan_cache_mode=force_custom_plan " + source.ConnectionStringBuilder.Options).Trim();
            // Statements prepared once per connection: a report runs the same handful of statements each time,
            // and PostgreSQL then neither parses nor rewrites them again. With prepared statements Npgsql
            // resets a returned connection without DISCARD ALL, which also threw away the trigger functions'
            // prepared statements every time. A connection string's own Max Auto Prepare wins (0 turns it off:
            // needed behind a PgBouncer in transaction mode older than 1.21).
            if (source.ConnectionStringBuilder.MaxAutoPrepare == 0) source.ConnectionStringBuilder.MaxAutoPrepare = 200;
            if (logSqlParameters) source.EnableParameterLogging();
            return source.Build();
        });
        // EF Core runs on the same data source (one pool, one command log). Contexts are pooled and
        // made per operation through the factory, in repositories and interactive components alike.
        services.AddPooledDbContextFactory<GridDbContext>((sp, o) => o
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql => npgsql.UseNetTopologySuite())
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
            // The case list's capped total counts any N matching rows on purpose (Take without OrderBy);
            // EF would log a warning for it on every list request.
            .ConfigureWarnings(w => w.Ignore(CoreEventId.RowLimitingOperationWithoutOrderByWarning)));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<Migrator>();
        services.AddSingleton<CatalogueRepository>();
        services.AddCatalogueAdmin();
        services.AddAuditLog();
        services.AddSingleton<GridRepository>();
        services.AddSingleton<StaffRepository>();
        services.AddSingleton<CaseRepository>();
        services.AddScoped<StepContext>();
        services.AddScoped<global::Grid.Web.Pages.Command.ICommandSource, CommandDesk>();
        services.AddHttpContextAccessor();

        services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.Converters.Add(new UtcDateConverter());
        });
        // Unreadable bodies throw, so BadRequestExceptionHandler can say what was wrong with them.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails();
        services.AddWriteLimiter(builder.Configuration);
        // Read here so that a bad Grid:Proxies setting stops the node before it serves anything.
        var proxies = TrustedProxies.Read(builder.Configuration);
        services.AddExceptionHandler<OutageExceptionHandler>();
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        services.AddExceptionHandler<Open311ExceptionHandler>();
        services.AddOpenApi();

        DatabaseKeyRing.AddSharedKeyRing(services);
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(o =>
            {
                o.Cookie.Name = "gridcity.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.LoginPath = "/login";
                o.AccessDeniedPath = "/login";
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.SlidingExpiration = true;
                o.Events = ApiCookieEvents.Create();
            });
        services.AddAuthorization(o =>
        {
            // Nothing is anonymous unless it says so (sign-in, health, static assets).
            o.FallbackPolicy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
        });
        services.AddSingleton<SessionStamps>();
        services.AddSingleton<HubSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<HubSessions>());
        services.AddSingleton<OverdueCounts>();
        services.AddHostedService(sp => sp.GetRequiredService<OverdueCounts>());
        services.AddAntiforgery();
        services.AddCascadingAuthenticationState();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddDeskUi();
        services.AddGridLocalization();
        // features: services (one line per feature folder, e.g. services.AddRealtime(builder.Configuration);)
        services.AddRealtime(builder.Configuration);
        services.AddIntakeChannels(builder.Configuration);
        services.AddPhotos(builder.Configuration).AddField();
        services.AddEscalation(builder.Configuration);
        services.AddHotlinePush(builder.Configuration);
        services.AddBackgroundJobs(builder.Configuration);
        services.AddEvaluation();
        services.AddStats();
        services.AddCitizens(builder.Configuration);
        services.AddPeopleAdmin();
        services.AddUnitsAdmin();

        var app = builder.Build();
        // First: everything after it (the exception handler's log, rate limits, sign-in cookies' Secure flag and
        // their sliding renewal in UseAuthentication, the citizens' per-address limits, the Hangfire dashboard)
        // sees the client's address and scheme, not the balancer's. Not installed without trusted proxies.
        if (proxies is not null) app.UseForwardedHeaders(proxies);
        app.UseNodeDraining();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseStaticFiles();
        app.UseRateLimiter();
        app.UseRequestLocalization();
        app.UseAuthentication();
        app.UseAuthorization();
        app.Use(PasswordChange.Gate);
        // After authorization, so that only callers allowed on a route get their body read here.
        app.UseMiddleware<InputGuard>();
        app.UseAntiforgery();

        // Every route handler gets the shared argument rules (dates to UTC and in range, finite numbers).
        var routes = app.MapGroup("").AddEndpointFilterFactory(ArgumentRules.Factory);
        routes.MapOpenApi();
        routes.MapGet("/health", () => Results.Ok(new { status = "ok" })).AllowAnonymous().ExcludeFromDescription();
        routes.MapReadiness();
        routes.MapAuth();
        routes.MapCatalogue();
        routes.MapCatalogueAdmin();
        routes.MapAuditLog();
        routes.MapConsoleRedirects();
        routes.MapGridCells();
        routes.MapCases();
        routes.MapCulture();
        // features: endpoints (one line per feature folder, e.g. routes.MapRealtime();)
        routes.MapRealtime();
        routes.MapIntakeChannels();
        routes.MapPhotos(); routes.MapField();
        routes.MapEscalation();
        app.MapJobsDashboard();
        routes.MapEvaluation();
        routes.MapStats();
        routes.MapCitizens();
        routes.MapPeopleAdmin();
        routes.MapUnitsAdmin();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }

    /// <summary>Migrations, then the demo city if asked for; runs before the server takes requests.</summary>
    public static async Task PrepareAsync(WebApplication app, CancellationToken ct = default)
    {
        var options = app.Configuration.GetSection("Grid").Get<GridOptions>() ?? new GridOptions();
        var folder = options.MigrationsPath ?? Path.Combine(AppContext.BaseDirectory, "migrations");
        await app.Services.GetRequiredService<Migrator>().ApplyAsync(Migrator.LoadScripts(folder), ct);
        await JobsSetup.InstallSchemaAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), ct);
        JobsSetup.RegisterRecurringJobs(app.Services);
        if (options.SeedDemo)
        {
            await DemoStartup.SeedAndPrintLoginsAsync(app, ct);
            await Intake.DemoIntake.SeedAsync(app.Services, ct);
        }
    }
}
