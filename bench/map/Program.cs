// Map benchmark: GET /api/cases?bbox= and GET /api/cells?bbox= on a database of 1,000,000 cases (the
// figures benchmark's database, gridbench_figures: same seed, kept between runs), street- and
// city-sized boxes, signed in as a district supervisor. Each figure is printed beside the SQL the
// request ran, measured in the same run: the server logs its commands with their parameters, and
// each read is run again under EXPLAIN ANALYZE (planning + execution time as PostgreSQL counts it).
// Limits (issue 9): p99 under 100 ms and at most 1.5 x the SQL time.
//
//   bench/map/run.sh [cases]          (starts the demo PostgreSQL cluster, builds in Release, runs)
using System.Diagnostics;
using System.Globalization;
using GridBench;
using Microsoft.Extensions.Logging;

var target = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
const int Runs = 40;
var cs = await BenchCity.DatabaseAsync("gridbench_figures");
var capture = new SqlCapture();
var app = await BenchCity.StartAppAsync(cs, b =>
{
    b.Logging.AddProvider(capture);
    b.Logging.AddFilter<SqlCapture>("Npgsql.Command", LogLevel.Information);
}, "--Grid:LogSqlParameters=true");
var count = await BenchCity.SeedCasesAsync(cs, target);
using var client = await BenchCity.SignInAsync(app, "benchsup");

Console.WriteLine($"map benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {count:N0} cases, {Runs} requests per figure");
// One street: 5 communities x 20 cells; the city: all 300 cells.
var street = FormattableString.Invariant($"{BenchCity.MinLon},{BenchCity.MinLat},{BenchCity.MinLon + 0.005},{BenchCity.MaxLat}");
var city = FormattableString.Invariant($"{BenchCity.MinLon},{BenchCity.MinLat},{BenchCity.MaxLon},{BenchCity.MaxLat}");
await Measure("GET /api/cases?bbox= street", $"/api/cases?bbox={street}");
await Measure("GET /api/cases?bbox= city  ", $"/api/cases?bbox={city}");
await Measure("GET /api/cells?bbox= street", $"/api/cells?bbox={street}");
await Measure("GET /api/cells?bbox= city  ", $"/api/cells?bbox={city}");
await app.StopAsync();

async Task Measure(string name, string url)
{
    for (var i = 0; i < 3; i++) (await client.GetAsync(url)).EnsureSuccessStatusCode(); // warm-up
    var load = BenchCity.Load();
    var times = new List<double>();
    long bytes = 0;
    for (var i = 0; i < Runs; i++)
    {
        var sw = Stopwatch.StartNew();
        using var response = await client.GetAsync(url);
        response.EnsureSuccessStatusCode();
        bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    var p50 = BenchCity.Percentile(times, 50);
    var p99 = BenchCity.Percentile(times, 99);

    // The same request three times with its SQL captured; the median of the EXPLAIN ANALYZE sums.
    var sums = new List<double>();
    List<(string Sql, double Ms)> statements = [];
    for (var i = 0; i < 3; i++)
    {
        capture.Start();
        (await client.GetAsync(url)).EnsureSuccessStatusCode();
        var ran = capture.Stop();
        var (total, rows) = await SqlCapture.ExplainAsync(cs, ran);
        sums.Add(total);
        statements = rows;
    }
    sums.Sort();
    var sql = sums[1];
    var ratio = p99 / sql;
    Console.WriteLine($"{name}: p50 {BenchCity.Ms(p50)}, p99 {BenchCity.Ms(p99)} ({bytes / 1024.0:0} KiB; {load})" +
        $" | SQL (EXPLAIN ANALYZE, {statements.Count} statements) {BenchCity.Ms(sql)} | p99 {ratio:0.00} x SQL" +
        $" | limits p99 < 100 ms: {(p99 < 100 ? "ok" : "OVER")}, <= 1.5 x SQL: {(ratio <= 1.5 ? "ok" : "OVER")}");
    foreach (var (text, ms) in statements) Console.WriteLine($"    {SqlCapture.Format(ms),7} ms  {SqlCapture.OneLine(text)}");
}
