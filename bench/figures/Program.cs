// Figures benchmark: 1,000,000 cases over the last year in 3 streets / 15 communities / 300 cells,
// seeded into a database of its own (kept between runs), then the indicator page for one month
// grouped by street is fetched over HTTP as a signed-in supervisor, the way a browser does.
//
//   bench/figures/run.sh [cases]          (starts a PostgreSQL cluster, builds in Release, runs)
//   GRID_BENCH_PG=<admin connection string> dotnet run -c Release --project bench/figures -- [cases]
using System.Diagnostics;
using System.Globalization;
using GridBench;

var target = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
var cs = await BenchCity.DatabaseAsync("gridbench_figures");
var app = await BenchCity.StartAppAsync(cs);
Console.WriteLine($"cases in database: {await BenchCity.SeedCasesAsync(cs, target):N0}");
Console.WriteLine($"figures benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {BenchCity.Load()}");
using var client = await BenchCity.SignInAsync(app, "benchsup");

// The last full month.
var today = DateTime.UtcNow.Date;
var first = new DateTime(today.Year, today.Month, 1).AddMonths(-1);
var month = $"from={first:yyyy-MM-dd}&to={first.AddMonths(1).AddDays(-1):yyyy-MM-dd}";
// Issue 9's limit: the one-month-by-street page under 1 s (its slowest run).
await TimeAsync("indicator page, one month by street", $"/figures?{month}&group=street", limitMs: 1000);
await TimeAsync("indicator API,  one month by street", $"/api/stats/indicators?{month}&group=street");
await TimeAsync("indicator page, one month by cell  ", $"/figures?{month}&group=cell");
await TimeAsync("indicator page, one year by street ", $"/figures?from={today.AddDays(-364):yyyy-MM-dd}&to={today:yyyy-MM-dd}&group=street");
await TimeAsync("stage times,    one month by unit  ", $"/figures/stages?{month}&group=unit");
await TimeAsync("drill-down,     due cases of a month", $"/figures/cases?{month}&group=street&measure=due");
await TimeAsync("CSV of a year's reports (streamed) ", $"/api/stats/cases.csv?from={today.AddDays(-364):yyyy-MM-dd}&to={today:yyyy-MM-dd}&group=street&measure=reports", runs: 1);
await app.StopAsync();

async Task TimeAsync(string name, string url, int runs = 10, double? limitMs = null)
{
    (await client.GetAsync(url)).EnsureSuccessStatusCode(); // warm-up
    var times = new List<double>();
    long bytes = 0;
    for (var i = 0; i < runs; i++)
    {
        var sw = Stopwatch.StartNew();
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[81920];
        int n;
        bytes = 0;
        while ((n = await body.ReadAsync(buffer)) > 0) bytes += n;
        times.Add(sw.Elapsed.TotalMilliseconds);
    }
    times.Sort();
    Console.WriteLine($"{name}: median {times[times.Count / 2],7:0.0} ms  max {times[^1],7:0.0} ms  ({runs} runs, {bytes / 1024.0:0} KiB)" +
        (limitMs is { } limit ? $" | limit < {limit:0} ms: {(times[^1] < limit ? "ok" : "OVER")}" : ""));
}

