// Real-time channel benchmark (not a test). N SignalR clients (the .NET client, WebSockets) subscribe
// to /hubs/city while one operator makes a steady stream of case changes (report, then register,
// alternating) through the REST API. Afterwards it reads from the database which events those
// changes wrote and checks, per client and per event seq, that each arrived exactly once. Prints
// delivery latency (the event's time on the server -> receipt here, same clock), the server's and
// this loader's CPU, and the machine's load average, each figure beside its limit.
//
//   dotnet run -c Release --project bench/realtime -- --url http://127.0.0.1:5188 \
//       --db "Host=127.0.0.1;Port=55608;Database=gridcity;Username=postgres" \
//       [--clients 100,1000] [--rate 50] [--seconds 20] [--follow all|streets] [--user operator] [--password Grid@2026]
// bench/realtime/run.sh starts a demo server and runs this against it.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

var opt = args.Select((a, i) => (a, i)).Where(x => x.a.StartsWith("--", StringComparison.Ordinal) && x.i + 1 < args.Length)
    .ToDictionary(x => x.a[2..], x => args[x.i + 1]);
string Opt(string name, string fallback) => opt.TryGetValue(name, out var v) ? v : fallback;
var baseUrl = new Uri(Opt("url", "http://127.0.0.1:5188"));
var db = Opt("db", "Host=127.0.0.1;Port=55608;Database=gridcity;Username=postgres");
var sizes = Opt("clients", "100,1000").Split(',').Select(int.Parse).ToArray();
var rate = double.Parse(Opt("rate", "50"), CultureInfo.InvariantCulture);
var seconds = double.Parse(Opt("seconds", "20"), CultureInfo.InvariantCulture);
var follow = Opt("follow", "all");
var user = Opt("user", "operator");
var password = Opt("password", "Grid@2026");
const double P99Limit = 250;
var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);

var cookieJar = new System.Net.CookieContainer();
using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookieJar, MaxConnectionsPerServer = 64 }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
(await http.PostAsJsonAsync("/api/auth/login", new { username = user, password })).EnsureSuccessStatusCode();
var cookie = cookieJar.GetCookieHeader(baseUrl);
var categories = (await http.GetFromJsonAsync<JsonElement>("/api/categories")).EnumerateArray()
    .Where(c => c.GetProperty("kind").GetString() == "event").Select(c => c.GetProperty("code").GetString()!).ToList();
var cells = (await http.GetFromJsonAsync<JsonElement>("/api/cells")).GetProperty("features").EnumerateArray().Select(f =>
{
    var ring = f.GetProperty("geometry").GetProperty("coordinates")[0][0].EnumerateArray().Select(p => (Lon: p[0].GetDouble(), Lat: p[1].GetDouble())).ToList();
    return (Code: f.GetProperty("properties").GetProperty("code").GetString()!, Lat: ring.Average(p => p.Lat), Lon: ring.Average(p => p.Lon));
}).ToList();
var streets = cells.Select(c => c.Code[..9]).Distinct().Order().ToList();

Console.WriteLine($"GridCity real-time benchmark: {baseUrl}, {rate} changes/s for {seconds} s, clients {string.Join(", ", sizes)}, following {follow}");
Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, shared with other engineers' builds and tests: figures are noisy; the load average is printed beside each run.");
foreach (var n in sizes)
{
    var clients = new List<BenchClient>();
    for (var i = 0; i < n; i += 50)
    {
        clients.AddRange(await Task.WhenAll(Enumerable.Range(i, Math.Min(50, n - i)).Select(k =>
            BenchClient.ConnectAsync(baseUrl, cookie, follow == "streets" ? (k % (streets.Count + 1) == 0 ? null : streets[k % (streets.Count + 1) - 1]) : null))));
    }
    var loadBefore = LoadAverage();
    var before = await http.GetFromJsonAsync<JsonElement>("/api/realtime/status");
    var loaderCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var wall = Stopwatch.StartNew();

    // The stream: one change every 1/rate s, never waiting for the previous answer.
    var stream = await GridBench.ChangeStream.RunAsync(http, cells.Select(c => (c.Lat, c.Lon)).ToList(), categories, rate, seconds);
    var (ok, refused, failed, streamSeconds) = (stream.Ok, stream.Refused, stream.Failed, stream.Seconds);

    // What those changes committed: every event of our cases, by seq, with the cell (for street followers).
    var ids = stream.CaseIds.ToArray();
    var expected = new List<(long Seq, string? Cell)>();
    await using (var conn = new NpgsqlConnection(db))
    {
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("select seq, cell_code from case_events where case_id = any(@ids) order by seq", conn);
        cmd.Parameters.AddWithValue("ids", ids);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) expected.Add((r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)));
    }
    var expectedOf = clients.ToDictionary(c => c, c => expected.Where(e => c.Street is null || (e.Cell?.StartsWith(c.Street, StringComparison.Ordinal) ?? false)).Select(e => e.Seq).ToHashSet());
    var deadline = Stopwatch.StartNew();
    while (deadline.Elapsed < TimeSpan.FromSeconds(15) && clients.Any(c => !c.HasAll(expectedOf[c]))) await Task.Delay(100);
    var deliveredSeconds = wall.Elapsed.TotalSeconds;
    var after = await http.GetFromJsonAsync<JsonElement>("/api/realtime/status");
    var loaderCpu = (Process.GetCurrentProcess().TotalProcessorTime - loaderCpu0).TotalSeconds;
    var loadAfter = LoadAverage();

    long wanted = 0, once = 0, missing = 0, twice = 0;
    var latencies = new List<double>();
    var complete = 0;
    foreach (var c in clients)
    {
        var counts = c.Counts();
        var want = expectedOf[c];
        wanted += want.Count;
        foreach (var seq in want)
        {
            var k = counts.GetValueOrDefault(seq);
            if (k == 0) missing++;
            else if (k == 1) once++;
            else twice++;
        }
        if (want.All(s => counts.GetValueOrDefault(s) == 1)) complete++;
        latencies.AddRange(c.Latencies(want));
    }
    latencies.Sort();
    double P(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(p / 100 * latencies.Count))];
    var serverCpu = after.GetProperty("cpuSeconds").GetDouble() - before.GetProperty("cpuSeconds").GetDouble();
    Console.WriteLine($"N={n}: {ok} changes in {streamSeconds:F1} s ({refused} refused 503, {failed} failed) wrote {expected.Count} events;" +
        $" deliveries expected {wanted}: exactly once {once}, missing {missing} (limit 0), twice or more {twice} (limit 0); clients complete {complete}/{n}");
    Console.WriteLine($"      latency p50 {P(50):F0} ms, p95 {P(95):F0} ms, p99 {P(99):F0} ms (limit {P99Limit} ms{(n >= 1000 ? "" : ", set for 1000 clients")}), max {P(100):F0} ms" +
        $" -> {(missing == 0 && twice == 0 && P(99) < P99Limit ? "within the limits" : "NOT within the limits")}");
    Console.WriteLine($"      CPU over {deliveredSeconds:F1} s: server {serverCpu:F1} s = {serverCpu / deliveredSeconds:F2} cores, loader {loaderCpu:F1} s = {loaderCpu / deliveredSeconds:F2} cores" +
        $" (of {Environment.ProcessorCount}); load average before {loadBefore}, after {loadAfter}; server working set {after.GetProperty("workingSetBytes").GetInt64() / 1048576} MiB," +
        $" subscribers {after.GetProperty("subscribers").GetInt32()}, queue overflows replayed from the table {after.GetProperty("dropped").GetInt64() - before.GetProperty("dropped").GetInt64()}");
    await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

/// <summary>What the hub sends as "event" (the fields this benchmark needs).</summary>
sealed record HubEvent(long Seq, DateTimeOffset At, string Kind, long? CaseId, string? CellCode);

sealed class BenchClient(HubConnection connection, string? street) : IAsyncDisposable
{
    private readonly List<(long Seq, double Ms)> _got = [];
    public string? Street { get; } = street;

    public static async Task<BenchClient> ConnectAsync(Uri baseUrl, string cookie, string? street)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseUrl, "/hubs/city"), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        var client = new BenchClient(connection, street);
        connection.On<HubEvent>("event", e =>
        {
            var ms = (DateTimeOffset.UtcNow - e.At).TotalMilliseconds;
            lock (client._got) client._got.Add((e.Seq, ms));
        });
        await connection.StartAsync();
        await connection.InvokeAsync<JsonElement>("Subscribe", new { afterSeq = (long?)null, street });
        return client;
    }

    public bool HasAll(HashSet<long> want)
    {
        lock (_got) return want.IsSubsetOf(_got.Select(g => g.Seq));
    }

    public Dictionary<long, int> Counts()
    {
        lock (_got) return _got.GroupBy(g => g.Seq).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>The latency of the first receipt of each wanted event.</summary>
    public IEnumerable<double> Latencies(HashSet<long> want)
    {
        lock (_got) return _got.Where(g => want.Contains(g.Seq)).GroupBy(g => g.Seq).Select(g => g.First().Ms).ToList();
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
