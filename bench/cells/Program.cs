// Cell-import preview benchmark (issue 11): POST /api/admin/cells/import/preview with a GeoJSON file of a
// whole district, at 5,000 and 20,000 cells. Today's cells of each district are seeded once (squares of
// 0.001 degrees, 150 to a row); the file keeps them, renames one in ten, leaves out one in a hundred and adds
// one in a hundred in an empty strip, so the preview finds every kind of difference and runs its overlap
// checks over every feature (no overlaps: every check runs to the end). A preview writes nothing, so the
// runs repeat. While each preview runs, a second client reads one cell again and again: the server must keep
// answering (the preview is set-based SQL on one connection, not a held thread per feature).
// Limits: 5,000 cells under 10 s, 20,000 under 40 s, and growth roughly linear: time ratio / size ratio
// at most 1.5 (an O(n^2) overlap check would give about 4 for four times the cells).
//
//   bench/cells/run.sh [sizes]          (starts the demo PostgreSQL cluster, builds in Release, runs)
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using GridBench;
using Npgsql;

var sizes = (args.Length > 0 ? args[0] : "5000,20000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
const int Runs = 3;
const int Cols = 150;
var cs = await BenchCity.DatabaseAsync("gridbench_cells");
var app = await BenchCity.StartAppAsync(cs);
await using (var conn = new NpgsqlConnection(cs))
{
    await conn.OpenAsync();
    await conn.ExecuteAsync("""
        insert into people (id, username, display_name, password_hash)
        select md5('bench-admin')::uuid, 'benchadmin', '基准管理员', password_hash from people where username = 'benchsup'
        on conflict do nothing;
        insert into person_roles (person_id, role) values (md5('bench-admin')::uuid, 'admin') on conflict do nothing;
        """);
}
using var client = await BenchCity.SignInAsync(app, "benchadmin");
using var reader = await BenchCity.SignInAsync(app, "benchsup");

Console.WriteLine($"cell import preview benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Runs} previews per size");
var results = new List<(int Size, double Median)>();
for (var d = 0; d < sizes.Length; d++)
{
    var n = sizes[d];
    var district = (889910 + d).ToString(CultureInfo.InvariantCulture);
    double lon = 117.0 + d * 0.5, lat = 28.0 + d * 0.5;
    await SeedTodayAsync(district, n, lon, lat);
    var file = GeoJsonFile(district, n, lon, lat);
    var body = Encoding.UTF8.GetBytes(file);
    var times = new List<double>();
    JsonElement preview = default;
    var readTimes = new List<double>();
    for (var r = 0; r < Runs; r++)
    {
        using var stop = new CancellationTokenSource();
        var sampleCell = district + "001001001";
        var sampling = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var t = Stopwatch.StartNew();
                (await reader.GetAsync($"/api/cells/{sampleCell}")).EnsureSuccessStatusCode();
                lock (readTimes) readTimes.Add(t.Elapsed.TotalMilliseconds);
                await Task.Delay(50);
            }
        });
        var load = BenchCity.Load();
        var sw = Stopwatch.StartNew();
        using var response = await client.PostAsync("/api/admin/cells/import/preview", new ByteArrayContent(body) { Headers = { { "Content-Type", "application/geo+json" } } });
        var text = await response.Content.ReadAsStringAsync();
        sw.Stop();
        stop.Cancel();
        await sampling;
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{(int)response.StatusCode}: {text[..Math.Min(400, text.Length)]}");
        preview = JsonDocument.Parse(text).RootElement.Clone();
        times.Add(sw.Elapsed.TotalMilliseconds);
        Console.WriteLine($"  {n,6:N0} cells, run {r + 1}: {BenchCity.Ms(sw.Elapsed.TotalMilliseconds)} ({body.Length / 1024.0 / 1024.0:0.0} MiB; {load})");
    }
    times.Sort();
    readTimes.Sort();
    var median = times[times.Count / 2];
    var limit = n <= 5000 ? 10_000 : 40_000.0 * n / 20_000;
    results.Add((n, median));
    var problems = preview.GetProperty("problems").GetArrayLength();
    Console.WriteLine($"{n,6:N0} cells: preview median {BenchCity.Ms(median)} | limit {BenchCity.Ms(limit)}: {(median <= limit ? "ok" : "OVER")}" +
        $" | added {preview.GetProperty("added").GetArrayLength()}, changed {preview.GetProperty("changed").GetArrayLength()}, removed {preview.GetProperty("removed").GetArrayLength()}," +
        $" unchanged {preview.GetProperty("unchanged").GetInt32()}, problems {problems}" +
        $" | GET /api/cells/{{code}} meanwhile: {readTimes.Count} reads, p50 {BenchCity.Ms(BenchCity.Percentile(readTimes, 50))}, max {BenchCity.Ms(readTimes[^1])}");
    if (problems > 0) Console.WriteLine("  first problem: " + preview.GetProperty("problems")[0].GetProperty("message").GetString());
}
for (var i = 1; i < results.Count; i++)
{
    var sizeRatio = (double)results[i].Size / results[0].Size;
    var timeRatio = results[i].Median / results[0].Median;
    var growth = timeRatio / sizeRatio;
    Console.WriteLine($"growth {results[0].Size:N0} -> {results[i].Size:N0} cells: sizes x{sizeRatio:0.00}, times x{timeRatio:0.00}, time ratio / size ratio {growth:0.00}" +
        $" | limit <= 1.5 (linear 1.0, quadratic {sizeRatio:0.0}): {(growth <= 1.5 ? "ok" : "OVER")}");
}
await app.StopAsync();

async Task SeedTodayAsync(string district, int n, double lon, double lat)
{
    await using var conn = new NpgsqlConnection(cs);
    await conn.OpenAsync();
    if (await conn.ExecuteScalarAsync<long>("select count(*) from grid_cells where code like @D || '%'", new { D = district }) >= n) return;
    Console.WriteLine($"Seeding district {district}: {n:N0} cells...");
    // Street = cell / 1000 + 1, community = cell % 1000 / 100 + 1, sequence = cell % 100 + 1.
    await conn.ExecuteAsync("""
        insert into districts (code, name) values (@D, '基准区 ' || @D) on conflict do nothing;
        insert into streets (code, district_code, name)
        select @D || lpad(s::text, 3, '0'), @D, '街道 ' || s from generate_series(1, (@N - 1) / 1000 + 1) s on conflict do nothing;
        insert into communities (code, street_code, name)
        select @D || lpad(s::text, 3, '0') || lpad(c::text, 3, '0'), @D || lpad(s::text, 3, '0'), '社区 ' || s || '-' || c
        from generate_series(1, (@N - 1) / 1000 + 1) s, generate_series(1, 10) c on conflict do nothing;
        insert into grid_cells (code, community_code, name, geom, area_m2)
        select code, left(code, 12), '网格 ' || code, g, ST_Area(g::geography)
        from (select @D || lpad((i / 1000 + 1)::text, 3, '0') || lpad((i % 1000 / 100 + 1)::text, 3, '0') || lpad((i % 100 + 1)::text, 3, '0') as code,
                     ST_Multi(ST_MakeEnvelope(round((@Lon + (i % @Cols) * 0.001)::numeric, 6)::float8, round((@Lat + (i / @Cols) * 0.001)::numeric, 6)::float8,
                                              round((@Lon + (i % @Cols + 1) * 0.001)::numeric, 6)::float8, round((@Lat + (i / @Cols + 1) * 0.001)::numeric, 6)::float8, 4326)) as g
              from generate_series(0, @N - 1) i) x
        on conflict do nothing;
        analyze grid_cells;
        """, new { D = district, N = n, Lon = lon, Lat = lat, Cols });
}

static string Code(string district, int i, int sequence) =>
    FormattableString.Invariant($"{district}{i / 1000 + 1:D3}{i % 1000 / 100 + 1:D3}{sequence:D3}");

static string GeoJsonFile(string district, int n, double lon, double lat)
{
    var features = new List<object>(n + n / 100);
    for (var i = 0; i < n; i++)
    {
        if (i % 100 == 99) continue; // left out: removed
        var code = Code(district, i, i % 100 + 1);
        features.Add(Square(code, i % 10 == 0 ? "改名 " + code : "网格 " + code, lon, lat, i % Cols, i / Cols));
    }
    // One new cell per community of a hundred, in a strip east of the district.
    for (var k = 0; k < n / 100; k++)
    {
        var code = Code(district, k * 100, 101);
        features.Add(Square(code, "新网格 " + code, lon, lat, Cols + 2 + k % 20, k / 20));
    }
    return JsonSerializer.Serialize(new { type = "FeatureCollection", features });
}

// Corners on a 0.001-degree lattice, each rounded to 6 decimals (as the seeding SQL does), so neighbours share
// their edges exactly and a kept cell equals today's.
static object Square(string code, string name, double lon, double lat, int x, int y)
{
    double X(int k) => Math.Round(lon + k * 0.001, 6);
    double Y(int k) => Math.Round(lat + k * 0.001, 6);
    return new
    {
        type = "Feature",
        properties = new { code, name },
        geometry = new
        {
            type = "Polygon",
            coordinates = new[] { new[] {
                new[] { X(x), Y(y) }, new[] { X(x + 1), Y(y) }, new[] { X(x + 1), Y(y + 1) },
                new[] { X(x), Y(y + 1) }, new[] { X(x), Y(y) } } },
        },
    };
}
