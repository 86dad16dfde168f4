// Shared by the benchmarks in bench/: the bench city (seeded into a database of its own and kept
// between runs), the in-process server, the machine's load, percentiles.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Server;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace GridBench;

public static class BenchCity
{
    public const string Password = "Bench@2026-pw";

    /// <summary>The admin connection string (run.sh sets it for the demo cluster).</summary>
    public static string Admin => Environment.GetEnvironmentVariable("GRID_BENCH_PG") ?? "Host=127.0.0.1;Port=25432;Username=postgres;Database=postgres";

    /// <summary>The bench city's box: 3 streets x 5 communities side by side (0.015 degrees), 20 cells north to south.</summary>
    public const double MinLon = 118.0, MinLat = 29.001, MaxLon = 118.015, MaxLat = 29.021;

    /// <summary>Creates the database when missing; returns its connection string.</summary>
    public static async Task<string> DatabaseAsync(string name)
    {
        await using (var conn = new NpgsqlConnection(Admin))
        {
            await conn.OpenAsync();
            if (await conn.ExecuteScalarAsync<int>("select count(*)::int from pg_database where datname = @name", new { name }) == 0)
            {
                await conn.ExecuteAsync($"create database {name}");
            }
        }
        return new NpgsqlConnectionStringBuilder(Admin) { Database = name, CommandTimeout = 0 }.ConnectionString;
    }

    /// <summary>Drops the database when it exists and creates it empty; returns its connection string.</summary>
    public static async Task<string> FreshDatabaseAsync(string name)
    {
        await using (var conn = new NpgsqlConnection(Admin))
        {
            await conn.OpenAsync();
            await conn.ExecuteAsync($"drop database if exists {name} with (force)");
        }
        return await DatabaseAsync(name);
    }

    /// <summary>Builds the server on a free port with the migrations applied; the city box covers the bench city.</summary>
    public static async Task<WebApplication> StartAppAsync(string cs, Action<WebApplicationBuilder>? configure = null, params string[] extra)
    {
        var app = GridApp.Build([
            "--urls=http://127.0.0.1:0", $"--ConnectionStrings:Grid={cs}", "--Logging:LogLevel:Default=Warning",
            "--Grid:Escalation:Enabled=false", "--Grid:Jobs:Enabled=false", "--environment=Production",
            "--Grid:MinLon=117.9", "--Grid:MaxLon=118.1", "--Grid:MinLat=28.9", "--Grid:MaxLat=29.1",
            .. extra,
        ], configure);
        await GridApp.PrepareAsync(app);
        await using (var conn = new NpgsqlConnection(cs))
        {
            await conn.OpenAsync();
            await conn.ExecuteAsync(SeedPlaceSql, new { Hash = Passwords.Hash(Password) });
        }
        await app.StartAsync();
        return app;
    }

    public static async Task<HttpClient> SignInAsync(WebApplication app, string username)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = new CookieContainer(), MaxConnectionsPerServer = 1000 })
        {
            BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(5),
        };
        (await client.PostAsJsonAsync("/api/auth/login", new { username, password = Password })).EnsureSuccessStatusCode();
        return client;
    }

    /// <summary>Seeds cases up to <paramref name="target"/> (case numbers B...); returns the number of cases.</summary>
    public static async Task<long> SeedCasesAsync(string cs, int target)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        var have = await conn.ExecuteScalarAsync<long>("select count(*) from cases where case_no like 'B%'");
        if (have < target)
        {
            Console.WriteLine($"Seeding {target - have:N0} cases (have {have:N0})...");
            var sw = Stopwatch.StartNew();
            const int batch = 200_000;
            for (var from = have + 1; from <= target; from += batch)
            {
                await conn.ExecuteAsync(SeedCasesSql, new { From = from, To = Math.Min(target, from + batch - 1) });
                Console.WriteLine($"  {Math.Min(target, from + batch - 1):N0} ({sw.Elapsed.TotalSeconds:0} s)");
            }
            await conn.ExecuteAsync("vacuum analyze cases");
            Console.WriteLine($"Seeded in {sw.Elapsed.TotalSeconds:0} s");
        }
        return await conn.ExecuteScalarAsync<long>("select count(*) from cases");
    }

    /// <summary>The machine is shared: every figure is printed with the load it was measured under.</summary>
    public static string Load()
    {
        var avg = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
        return $"load {avg} on {Environment.ProcessorCount} cores";
    }

    public static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];

    public static string Ms(double v) => v.ToString("0.0", CultureInfo.InvariantCulture) + " ms";

    // A district of 3 streets x 5 communities x 20 cells (300 cells of 0.001 degrees), 10 units,
    // one worker per cell (benchworker serves all cells), one bench category and a district supervisor.
    public const string SeedPlaceSql = """
        insert into districts (code, name) values ('889900', '基准区') on conflict do nothing;
        insert into streets (code, district_code, name)
        select '889900' || lpad(s::text, 3, '0'), '889900', '基准街道' || s from generate_series(1, 3) s on conflict do nothing;
        insert into communities (code, street_code, name)
        select '889900' || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'), '889900' || lpad(s::text, 3, '0'), '社区' || s || '-' || c
        from generate_series(1, 3) s, generate_series(1, 5) c on conflict do nothing;
        insert into grid_cells (code, community_code, name, geom, area_m2)
        select code, left(code, 12), '网格 ' || code, g, ST_Area(g::geography)
        from (select '889900' || lpad(s::text, 3, '0') || lpad(c::text, 3, '0') || lpad(k::text, 3, '0') as code,
                     ST_Multi(ST_MakeEnvelope(118 + ((s - 1) * 5 + c - 1) * 0.001, 29 + k * 0.001, 118.001 + ((s - 1) * 5 + c - 1) * 0.001, 29.001 + k * 0.001, 4326)) as g
              from generate_series(1, 3) s, generate_series(1, 5) c, generate_series(1, 20) k) x
        on conflict do nothing;
        insert into units (id, name_zh, name_en) select 'bench_u' || u, '基准单位' || u, 'Bench unit ' || u from generate_series(0, 9) u on conflict do nothing;
        insert into categories (code, kind, major_code, minor_code, major_name_zh, major_name_en, name_zh, name_en,
                                limit_value, limit_unit, urgent_limit_value, urgent_limit_unit, default_unit_id)
        values ('E9801', 'event', '98', '01', '基准', 'Bench', '基准事件', 'Bench event', 1, 'working_days', 2, 'working_hours', 'bench_u0')
        on conflict do nothing;
        insert into people (id, username, display_name, password_hash)
        select md5('bench-worker-' || code)::uuid, 'bw' || code, '网格员' || right(code, 5), @Hash from grid_cells where code like '889900%'
        on conflict do nothing;
        insert into people (id, username, display_name, password_hash) values (md5('bench-supervisor')::uuid, 'benchsup', '基准督查', @Hash)
        on conflict do nothing;
        insert into person_roles (person_id, role) values (md5('bench-supervisor')::uuid, 'supervisor') on conflict do nothing;
        insert into people (id, username, display_name, password_hash) values (md5('bench-reporter')::uuid, 'benchworker', '基准网格员', @Hash)
        on conflict do nothing;
        insert into person_roles (person_id, role) values (md5('bench-reporter')::uuid, 'grid_worker') on conflict do nothing;
        """;

    // Cases created uniformly over the last 365 days. States roughly as a city has them: 3 %
    // unregistered, 3 % cancelled, 4 % registered, 10 % being handled, 2 % on hold, 3 % resolved,
    // 75 % closed (a fifth of them late); 5 % extended, 8 % reworked.
    public const string SeedCasesSql = """
        with s as (
            select g, now() - random() * interval '365 days' as created, random() as u, random() as v, (g % 300)::int as ci
            from generate_series(@From::bigint, @To::bigint) g
        ), c as (
            select row_number() over (order by code)::int - 1 as ci, code from grid_cells where code like '889900%'
        )
        insert into cases (case_no, location, category_code, source, priority, description, state, cell_code, assigned_unit_id, assignee_id,
                           created_at, registered_at, dispatched_at, accepted_at, resolved_at, closed_at, deadline,
                           extension_count, rework_count, updated_at)
        select 'B' || lpad(s.g::text, 10, '0'),
               ST_SetSRID(ST_MakePoint(118.0005 + (s.ci / 20) * 0.001, 29.0015 + (s.ci % 20) * 0.001), 4326),
               'E9801', 'field', 'normal', 'bench',
               x.state, c.code,
               case when x.dispatched then 'bench_u' || (s.g % 10) end,
               case when x.dispatched then md5('bench-worker-' || c.code)::uuid end,
               s.created,
               case when x.state not in ('reported', 'cancelled') then s.created + interval '20 minutes' * (1 + s.v) end,
               case when x.dispatched then s.created + interval '1 hour' * (1 + s.v) end,
               case when x.dispatched and x.state <> 'dispatched' then s.created + interval '3 hours' * (1 + s.v) end,
               case when x.state in ('resolved', 'closed') then s.created + interval '30 hours' * (0.5 + s.v) end,
               case when x.state = 'closed' then s.created + interval '40 hours' * (0.5 + s.v) end,
               case when x.dispatched then s.created + interval '48 hours' end,
               (x.dispatched and s.v < 0.05)::int, (x.dispatched and s.v > 0.92)::int,
               s.created
        from s
        join c on c.ci = s.ci
        cross join lateral (select case when s.u < 0.03 then 'reported' when s.u < 0.06 then 'cancelled' when s.u < 0.10 then 'registered'
                                        when s.u < 0.16 then 'dispatched' when s.u < 0.20 then 'in_progress' when s.u < 0.22 then 'on_hold'
                                        when s.u < 0.25 then 'resolved' else 'closed' end as state,
                                   s.u >= 0.10 as dispatched) x
        """;
}
