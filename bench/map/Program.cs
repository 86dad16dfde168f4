// Map benchmark: GET /api/cases?bbox= and GET /api/cells?bbox= on a database of 1,000,000 cases (the
// figures benchmark's database, gridbench_figures: same seed, kept between runs), street- and
// city-sized boxes, signed in as a district supervisor. The case list both as first asked (every
// state) and as the command center's map asks it (open cases, newest 200). Each figure is printed
// beside the SQL the request ran, measured in the same run: the server logs its commands with their
// parameters, and each read is run again under EXPLAIN ANALYZE on one warm connection, planned once
// first as the server's pooled connections have it (planning + execution time as
// PostgreSQL counts it). The loader is one curl process (one kept-alive connection, requests one
// after another), so its CPU is its own; the server is this process.
// Limits (issues 9 and 17): p99 under 100 ms and at most 1.5 x the SQL time.
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
var cookies = new System.Net.CookieContainer();
var address = new Uri(client.BaseAddress!, "/");
using (var signIn = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = address })
{
    (await signIn.PostAsJsonAsync("/api/auth/login", new { username = "benchsup", password = BenchCity.Password })).EnsureSuccessStatusCode();
}
var cookie = cookies.GetCookieHeader(address);
const string Open = "reported,registered,dispatched,in_progress,on_hold,returned,resolved";

Console.WriteLine($"map benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {count:N0} cases, {Runs} requests per figure");
// One street: 5 communities x 20 cells; the city: all 300 cells.
var street = FormattableString.Invariant($"{BenchCity.MinLon},{BenchCity.MinLat},{BenchCity.MinLon + 0.005},{BenchCity.MaxLat}");
var city = FormattableString.Invariant($"{BenchCity.MinLon},{BenchCity.MinLat},{BenchCity.MaxLon},{BenchCity.MaxLat}");
await Measure("GET /api/cases?bbox= street", $"/api/cases?bbox={street}");
await Measure("GET /api/cases?bbox= city  ", $"/api/cases?bbox={city}");
await Measure("GET /api/cases?bbox= street, open, 200", $"/api/cases?bbox={street}&state={Open}&pageSize=200");
await Measure("GET /api/cases?bbox= city,   open, 200", $"/api/cases?bbox={city}&state={Open}&pageSize=200");
await Measure("GET /api/cells?bbox= street", $"/api/cells?bbox={street}");
await Measure("GET /api/cells?bbox= city  ", $"/api/cells?bbox={city}");
await app.StopAsync();

async Task Measure(string name, string url)
{
    for (var i = 0; i < 3; i++) (await client.GetAsync(url)).EnsureSuccessStatusCode(); // warm-up
    var load = BenchCity.Load();
    var (times, bytes, loaderCpu, serverCpu, wall) = Curl(url, Runs);
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
    Console.WriteLine($"{name}: p50 {BenchCity.Ms(p50)}, p99 {BenchCity.Ms(p99)} ({bytes / 1024.0:0} KiB; loader {Cpu.Cores(loaderCpu, wall)}, server {Cpu.Cores(serverCpu, wall)}; {load})" +
        $" | SQL (EXPLAIN ANALYZE, {statements.Count} statements) {BenchCity.Ms(sql)} | p99 {ratio:0.00} x SQL" +
        $" | limits p99 < 100 ms: {(p99 < 100 ? "ok" : "OVER")}, <= 1.5 x SQL: {(ratio <= 1.5 ? "ok" : "OVER")}");
    foreach (var (text, ms) in statements) Console.WriteLine($"    {SqlCapture.Format(ms),7} ms  {SqlCapture.OneLine(text)}");
}

// One curl process asks for the URL n times over one kept-alive connection, one after another,
// and writes each answer's status, total time and size.
(List<double> Times, long Bytes, double LoaderCpu, double ServerCpu, double Wall) Curl(string url, int n)
{
    var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in (string[])["--no-progress-meter", "-H", $"Cookie: {cookie}", "-w", "%{http_code} %{time_total} %{size_download}\\n"]) psi.ArgumentList.Add(a);
    for (var i = 0; i < n; i++)
    {
        psi.ArgumentList.Add("-o");
        psi.ArgumentList.Add("/dev/null");
        psi.ArgumentList.Add(new Uri(address, url).ToString());
    }
    var children0 = Cpu.ChildrenSeconds();
    var self0 = Cpu.SelfSeconds();
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var stderr = p.StandardError.ReadToEndAsync();
    p.WaitForExit();
    var wall = sw.Elapsed.TotalSeconds;
    var loader = Cpu.ChildrenSeconds() - children0;
    var server = Cpu.SelfSeconds() - self0;
    var lines = stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
    if (p.ExitCode != 0 || lines.Count != n || lines.Any(l => l[0] != "200"))
        throw new InvalidOperationException($"curl {url}: exit {p.ExitCode}, {string.Join(", ", lines.Select(l => l[0]))}\n{stderr.Result}");
    var times = lines.Select(l => double.Parse(l[1], CultureInfo.InvariantCulture) * 1000).ToList();
    return (times, long.Parse(lines[^1][2], CultureInfo.InvariantCulture), loader, server, wall);
}
