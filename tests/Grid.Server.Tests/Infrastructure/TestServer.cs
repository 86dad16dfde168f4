using System.Net;
using System.Net.Http.Json;
using Grid.Server;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Grid.Server.Tests.Infrastructure;

/// <summary>
/// The real GridCity app on a loopback Kestrel port, over a fresh PostGIS database made for this
/// test run from GRID_TEST_PG (scripts/test.sh starts a throwaway cluster). Tests talk real HTTP.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    // Test cells live far from the demo city; the city box for tests covers the area they use.
    public const double MinLon = 99, MinLat = 19, MaxLon = 111, MaxLat = 31;

    private static readonly Lazy<Task<TestServer>> Shared = new(() => StartAsync(DatabaseName("shared")));

    public required WebApplication App { get; init; }
    public required Uri BaseAddress { get; init; }
    public required string ConnectionString { get; init; }
    public NpgsqlDataSource Db => App.Services.GetRequiredService<NpgsqlDataSource>();

    /// <summary>One server for the whole test assembly; each test makes its own rows.</summary>
    public static Task<TestServer> SharedAsync() => Shared.Value;

    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("GRID_TEST_PG")
        ?? throw new InvalidOperationException("GRID_TEST_PG is not set: run the tests through scripts/test.sh, which starts a PostGIS cluster.");

    public static string DatabaseName(string purpose) => $"gridtest_{purpose}_{Guid.NewGuid():N}"[..40];

    /// <summary>Creates an empty database of its own; returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string database, int maxPoolSize = 100)
    {
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, MaxPoolSize = maxPoolSize }.ConnectionString;
    }

    /// <summary>Starts a server on a new database (or, with <paramref name="connectionString"/>, an existing one).</summary>
    public static async Task<TestServer> StartAsync(string database, string? connectionString = null,
        IDictionary<string, string?>? settings = null)
    {
        connectionString ??= await CreateDatabaseAsync(database, maxPoolSize: 40);
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--environment=Testing",
            $"--ConnectionStrings:Grid={connectionString}",
            $"--Grid:MinLon={MinLon}", $"--Grid:MinLat={MinLat}", $"--Grid:MaxLon={MaxLon}", $"--Grid:MaxLat={MaxLat}",
            "--Grid:NearestCellMaxMeters=150",
            "--Logging:LogLevel:Default=Warning",
            $"--Grid:Photos:Path={Path.Combine(Path.GetTempPath(), "gridcity-test-photos", database)}",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) args.Add($"--{key}={value}");
        var app = GridApp.Build(args.ToArray());
        await GridApp.PrepareAsync(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var server = new TestServer { App = app, BaseAddress = new Uri(address), ConnectionString = connectionString };
        await TestCatalogue.EnsureAsync(server.Db);
        return server;
    }

    /// <summary>A client with its own cookie jar, not signed in.</summary>
    public HttpClient Anonymous() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = BaseAddress };

    /// <summary>A client signed in as <paramref name="username"/> through the real login endpoint.</summary>
    public async Task<HttpClient> SignInAsync(string username, string password = TestPeople.Password)
    {
        var client = Anonymous();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Sign-in of {username} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
