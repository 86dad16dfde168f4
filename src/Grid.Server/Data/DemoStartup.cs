using Npgsql;

namespace Grid.Server.Data;

/// <summary>Seeds the demo city on first start and prints how to sign in.</summary>
public static class DemoStartup
{
    public static async Task SeedAndPrintLoginsAsync(WebApplication app, CancellationToken ct)
    {
        var db = app.Services.GetRequiredService<NpgsqlDataSource>();
        var clock = app.Services.GetRequiredService<TimeProvider>();
        var seeded = await DemoCity.SeedIfEmptyAsync(db, clock.GetUtcNow(), ct);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var urls = string.Join(", ", app.Urls);
            Console.WriteLine();
            Console.WriteLine(seeded ? "GridCity: demo city seeded." : "GridCity: demo city already present.");
            Console.WriteLine($"GridCity is running at {urls}");
            Console.WriteLine("Demo logins (password for all):");
            foreach (var login in DemoCity.Logins)
            {
                Console.WriteLine($"  {login.Username,-11} {login.Password,-10} {login.Role,-12} {login.Description}");
            }
            Console.WriteLine();
        });
    }
}
