using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Staff;

namespace Grid.Server.Tests.Infrastructure;

public static class TestPeople
{
    public const string Password = "Test@2026-pw";
    // PBKDF2 is slow on purpose; hash the shared test password once.
    public static readonly string Hash = Passwords.Hash(Password);
}

public sealed record TestUser(Guid Id, string Username, HttpClient Client);

/// <summary>
/// A private corner of the map for one test: its own district, street, community and a block of
/// cells (about 100 m each) at a place no other test uses, plus helpers to add people.
/// </summary>
public sealed class TestWorld
{
    public const double CellDeg = 0.001;
    private static int _next = Random.Shared.Next(0, 20_000);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public required TestServer Server { get; init; }
    public required string District { get; init; }
    public required string Street { get; init; }
    public required string Community { get; init; }
    public required string[] Cells { get; init; }
    public required double OriginLon { get; init; }
    public required double OriginLat { get; init; }
    public required int Columns { get; init; }
    private readonly string _prefix = $"t{Guid.NewGuid():N}"[..10];
    private int _people;

    /// <summary>Cells numbered west to east, north to south; cell i's north-west corner is at (OriginLat - row, OriginLon + col).</summary>
    public static async Task<TestWorld> CreateAsync(TestServer server, int rows = 2, int columns = 3)
    {
        var n = Interlocked.Increment(ref _next);
        var district = (900000 + n % 100000).ToString("D6", CultureInfo.InvariantCulture)[..6];
        var lon = 100 + n % 200 * 0.05;
        var lat = 30 - n / 200 % 200 * 0.05;
        var world = new TestWorld
        {
            Server = server, District = district, Street = district + "001", Community = district + "001001",
            Cells = Enumerable.Range(1, rows * columns).Select(i => $"{district}001001{i:D3}").ToArray(),
            OriginLon = lon, OriginLat = lat, Columns = columns,
        };
        await using var conn = await server.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into districts (code, name) values (@District, 'Test district ' || @District);
            insert into streets (code, district_code, name) values (@Street, @District, 'Test street');
            insert into communities (code, street_code, name) values (@Community, @Street, 'Test community');
            """, new { world.District, world.Street, world.Community }, tx);
        for (var i = 0; i < world.Cells.Length; i++)
        {
            await conn.ExecuteAsync("""
                insert into grid_cells (code, community_code, name, geom, area_m2)
                select @Code, @Community, 'Test cell ' || @Code, g, ST_Area(g::geography)
                from (select ST_Multi(ST_MakeEnvelope(@W, @S, @E, @N, 4326)) as g) x
                """, new { Code = world.Cells[i], world.Community, W = world.West(i), E = world.West(i) + CellDeg, N = world.North(i), S = world.North(i) - CellDeg }, tx);
        }
        await tx.CommitAsync();
        return world;
    }

    public double West(int cell) => OriginLon + cell % Columns * CellDeg;
    public double North(int cell) => OriginLat - cell / Columns * CellDeg;

    /// <summary>A point well inside cell i.</summary>
    public (double Lat, double Lon) Inside(int cell, double fx = 0.5, double fy = 0.5) =>
        (North(cell) - CellDeg * fy, West(cell) + CellDeg * fx);

    /// <summary>A person with one role, holding that post in the given cells (for cell roles), signed in.</summary>
    public async Task<TestUser> PersonAsync(Role role, params string[] cells) => await PersonAsync([role], cells);

    public async Task<TestUser> PersonAsync(Role[] roles, string[] cells, string? street = null, string? unit = null, bool onDuty = true)
    {
        var id = Guid.NewGuid();
        var username = $"{_prefix}_{roles[0].ToCode()}_{Interlocked.Increment(ref _people)}".Replace("_", "-");
        await using var conn = await Server.Db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("""
            insert into people (id, username, display_name, password_hash, unit_id, street_code, on_duty)
            values (@Id, @Username, @Username, @Hash, @Unit, @Street, @OnDuty)
            """, new { Id = id, Username = username, TestPeople.Hash, Unit = unit, Street = street, OnDuty = onDuty }, tx);
        foreach (var role in roles)
        {
            await conn.ExecuteAsync("insert into person_roles (person_id, role) values (@Id, @Role)", new { Id = id, Role = role.ToCode() }, tx);
            if (!Roles.CellScoped.Contains(role)) continue;
            foreach (var cell in cells)
            {
                await conn.ExecuteAsync("""
                    insert into cell_staff (cell_code, role, person_id) values (@Cell, @Role, @Id)
                    on conflict (cell_code, role) do update set person_id = excluded.person_id
                    """, new { Cell = cell, Role = role.ToCode(), Id = id }, tx);
            }
        }
        await tx.CommitAsync();
        return new TestUser(id, username, await Server.SignInAsync(username));
    }

    /// <summary>Reports a case at the middle of cell i and returns it.</summary>
    public async Task<CaseView> ReportAsync(TestUser user, int cell = 0, string category = TestCatalogue.LightEvent, string priority = "normal")
    {
        var (lat, lon) = Inside(cell);
        var response = await user.Client.PostAsJsonAsync("/api/cases", new { lat, lon, categoryCode = category, description = "Test report", priority });
        return await ReadAsync<CaseView>(response, System.Net.HttpStatusCode.Created);
    }

    public static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Net.HttpStatusCode expected = System.Net.HttpStatusCode.OK)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }
}

public static class CaseClientExtensions
{
    public static Task<HttpResponseMessage> StepAsync(this TestUser user, long caseId, string action, object? body = null) =>
        user.Client.PostAsJsonAsync($"/api/cases/{caseId}/{action}", body ?? new { });

    public static async Task<CaseView> StepOkAsync(this TestUser user, long caseId, string action, object? body = null) =>
        await TestWorld.ReadAsync<CaseView>(await user.StepAsync(caseId, action, body));

    public static async Task<CaseView> GetCaseAsync(this TestUser user, long caseId) =>
        await TestWorld.ReadAsync<CaseView>(await user.Client.GetAsync($"/api/cases/{caseId}"));
}
