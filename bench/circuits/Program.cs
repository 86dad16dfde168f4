// Desk circuit benchmark (not a test). N operators' command-center pages, each a real Chromium page with
// its own Blazor Server circuit, stay open while one operator makes a steady stream of case changes
// (report, then register, alternating) through the REST API. Prints the server's managed memory and
// working set per circuit, and, measured in a sample of the browsers, the time from a report's commit
// to its case number appearing in the page's DOM (a MutationObserver; browser and database share this
// machine's clock), each figure beside its limit, with the server's CPU and the load average.
//
//   dotnet run -c Release --project bench/circuits -- --url http://127.0.0.1:5188 \
//       --db "Host=127.0.0.1;Port=55608;Database=gridcity;Username=postgres" \
//       [--circuits 50] [--rate 50] [--seconds 20] [--sample 5] [--user operator] [--password Grid@2026]
// bench/circuits/run.sh starts a demo server and runs this against it.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Playwright;
using Npgsql;

var opt = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal) && x.i + 1 < args.Length)
    .ToDictionary(x => x.a[2..], x => args[x.i + 1]);
string Opt(string name, string fallback) => opt.TryGetValue(name, out var v) ? v : fallback;
var baseUrl = new Uri(Opt("url", "http://127.0.0.1:5188"));
var db = Opt("db", "Host=127.0.0.1;Port=55608;Database=gridcity;Username=postgres");
var circuits = int.Parse(Opt("circuits", "50"), CultureInfo.InvariantCulture);
var rate = double.Parse(Opt("rate", "50"), CultureInfo.InvariantCulture);
var seconds = double.Parse(Opt("seconds", "20"), CultureInfo.InvariantCulture);
var sample = Math.Min(circuits, int.Parse(Opt("sample", "5"), CultureInfo.InvariantCulture));
var user = Opt("user", "operator");
var password = Opt("password", "Grid@2026");
const double MemoryLimitMb = 1.0;
const double P99LimitMs = 1000;

var cookieJar = new System.Net.CookieContainer();
using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookieJar, MaxConnectionsPerServer = 64 }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
(await http.PostAsJsonAsync("/api/auth/login", new { username = user, password })).EnsureSuccessStatusCode();
var categories = (await http.GetFromJsonAsync<JsonElement>("/api/categories")).EnumerateArray()
    .Where(c => c.GetProperty("kind").GetString() == "event").Select(c => c.GetProperty("code").GetString()!).ToList();
var cells = (await http.GetFromJsonAsync<JsonElement>("/api/cells")).GetProperty("features").EnumerateArray().Select(f =>
{
    var ring = f.GetProperty("geometry").GetProperty("coordinates")[0][0].EnumerateArray().Select(p => (Lon: p[0].GetDouble(), Lat: p[1].GetDouble())).ToList();
    return (Lat: ring.Average(p => p.Lat), Lon: ring.Average(p => p.Lon));
}).ToList();

Console.WriteLine($"GridCity desk-circuit benchmark: {baseUrl}, {circuits} command-center pages (Chromium), {rate} changes/s for {seconds} s, latency sampled in {sample} pages");
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; the server, PostgreSQL, Chromium and this loader share them. Load average: {LoadAverage()}");

using var playwright = await Playwright.CreateAsync();
await using var browser = await playwright.Chromium.LaunchAsync(new()
{
    ExecutablePath = Environment.GetEnvironmentVariable("GRID_CHROMIUM") ?? "/usr/bin/chromium",
    Headless = true,
    // Every page is an operator's screen in front of someone: no throttling of pages in the background.
    Args = ["--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows"],
});
var context = await browser.NewContextAsync(new() { BaseURL = baseUrl.ToString(), ViewportSize = new() { Width = 1366, Height = 768 }, Locale = "zh-CN" });
var login = await context.NewPageAsync();
await login.GotoAsync("/login?returnUrl=%2Fcommand");
await login.GetByLabel("用户名").FillAsync(user);
await login.GetByLabel("密码").FillAsync(password);
await login.GetByRole(AriaRole.Button, new() { Name = "登录" }).ClickAsync();
await login.Locator("#command[data-ready=true]").WaitForAsync(new() { Timeout = 60_000 });
// This first command center stays open through the whole run and is not counted: what every circuit shares
// (compiled queries, serializer metadata, MudBlazor's caches) is made by it, before the first reading.

var before = await LiveStatusAsync();
var pages = new List<IPage>();
var opening = Stopwatch.StartNew();
for (var i = 0; i < circuits; i++)
{
    var page = await context.NewPageAsync();
    await page.GotoAsync("/command");
    await page.Locator("#command[data-ready=true]").WaitForAsync(new() { Timeout = 60_000 });
    pages.Add(page);
}
Console.WriteLine($"Opened {circuits} pages in {opening.Elapsed.TotalSeconds:F1} s");
foreach (var page in pages.Take(sample))
{
    await page.EvaluateAsync("""
        () => {
            window.__seen = {};
            const re = /\d{14}/g;
            new MutationObserver(ms => {
                const t = Date.now();
                for (const m of ms) {
                    const nodes = m.type === 'characterData' ? [m.target] : m.addedNodes;
                    for (const n of nodes) {
                        for (const x of (n.textContent || '').matchAll(re)) if (!(x[0] in window.__seen)) window.__seen[x[0]] = t;
                    }
                }
            }).observe(document.body, { childList: true, subtree: true, characterData: true });
        }
        """);
}
var open = await LiveStatusAsync();

var loadBefore = LoadAverage();
var stream = await GridBench.ChangeStream.RunAsync(http, cells, categories, rate, seconds);
var (ok, refused, failed, streamSeconds) = (stream.Ok, stream.Refused, stream.Failed, stream.Seconds);
await Task.Delay(TimeSpan.FromSeconds(5));
var after = await StatusAsync();
var afterLive = await LiveStatusAsync();
var loadAfter = LoadAverage();

// Commit times of the reports, then the first moment each sampled page showed each of their numbers.
var committed = new Dictionary<string, DateTimeOffset>();
await using (var conn = new NpgsqlConnection(db))
{
    await conn.OpenAsync();
    await using var cmd = new NpgsqlCommand("select case_no, created_at from cases where case_no = any(@nos)", conn);
    cmd.Parameters.AddWithValue("nos", stream.ReportedNos.ToArray());
    await using var r = await cmd.ExecuteReaderAsync();
    while (await r.ReadAsync()) committed[r.GetString(0)] = r.GetFieldValue<DateTimeOffset>(1);
}
var latencies = new List<double>();
var unseen = 0;
foreach (var page in pages.Take(sample))
{
    var seen = await page.EvaluateAsync<Dictionary<string, double>>("() => window.__seen");
    foreach (var (no, at) in committed)
    {
        if (seen.TryGetValue(no, out var ms)) latencies.Add(ms - at.ToUnixTimeMilliseconds());
        else unseen++;
    }
}
latencies.Sort();
double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(p / 100 * latencies.Count))];

var managedPer = (open.Managed - before.Managed) / (double)circuits / 1048576;
var workingPer = (open.WorkingSet - before.WorkingSet) / (double)circuits / 1048576;
var managedPerAfter = (afterLive.Managed - before.Managed) / (double)circuits / 1048576;
var cpu = after.Cpu - open.Cpu;
Console.WriteLine($"Circuits: subscribers on the node {before.Subscribers} -> {open.Subscribers} with the pages open (each page follows the feed)");
Console.WriteLine($"Memory per circuit: managed (live) {managedPer:F2} MB (limit {MemoryLimitMb} MB) -> {(managedPer < MemoryLimitMb ? "within the limit" : "NOT within the limit")};" +
    $" working set {workingPer:F2} MB; managed after the stream {managedPerAfter:F2} MB (live server heap {before.Managed / 1048576} MiB without the pages -> {open.Managed / 1048576} MiB with them -> {afterLive.Managed / 1048576} MiB after the stream)");
Console.WriteLine($"Stream: {ok} changes in {streamSeconds:F1} s ({refused} refused 503, {failed} failed), {committed.Count} reports");
Console.WriteLine($"Commit -> DOM in {sample} pages: p50 {P(50):F0} ms, p95 {P(95):F0} ms, p99 {P(99):F0} ms (limit {P99LimitMs} ms), max {P(100):F0} ms;" +
    $" {latencies.Count} sightings, {unseen} reports never shown in a sampled page (limit 0)" +
    $" -> {(unseen == 0 && P(99) < P99LimitMs ? "within the limits" : "NOT within the limits")}");
Console.WriteLine($"Server CPU over the stream: {cpu:F1} s = {cpu / (streamSeconds + 5):F2} cores of {Environment.ProcessorCount}; load average before {loadBefore}, after {loadAfter}");
foreach (var page in pages) await page.CloseAsync();
await login.CloseAsync();

// What the circuits hold is the live heap: the server's reading right after a full blocking collection,
// induced through the server's diagnostics port as dotnet-gcdump does (the runtime's GCHeapCollect
// keyword). Without it a reading counts whatever garbage the last requests left, which depends on
// when the GC last ran and not on the circuits. The smallest of three.
async Task<Status> LiveStatusAsync()
{
    var readings = new List<Status>();
    for (var i = 0; i < 3; i++)
    {
        var node = (await http.GetFromJsonAsync<JsonElement>("/api/realtime/status")).GetProperty("node").GetString()!;
        var pid = int.Parse(node[(node.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        const long GcKeyword = 0x1, GcHeapCollectKeyword = 0x800000;
        using (var session = new DiagnosticsClient(pid).StartEventPipeSession(
            new EventPipeProvider("Microsoft-Windows-DotNETRuntime", System.Diagnostics.Tracing.EventLevel.Informational, GcKeyword | GcHeapCollectKeyword),
            requestRundown: false))
        {
            var drain = Task.Run(() => session.EventStream.CopyTo(Stream.Null)); // the runtime writes until the session stops
            await Task.Delay(1500);
            await session.StopAsync(CancellationToken.None);
            await drain;
        }
        readings.Add(await StatusAsync());
    }
    return readings.MinBy(s => s.Managed)!;
}

async Task<Status> StatusAsync()
{
    var s = await http.GetFromJsonAsync<JsonElement>("/api/realtime/status");
    return new Status(s.GetProperty("managedBytes").GetInt64(), s.GetProperty("workingSetBytes").GetInt64(), s.GetProperty("cpuSeconds").GetDouble(),
        s.GetProperty("subscribers").GetInt32());
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

sealed record Status(long Managed, long WorkingSet, double Cpu, int Subscribers);
