// Intake benchmark (issues 9 and 17), on a database of its own (gridbench_intake, kept between runs),
// with the server as a process of its own so that its CPU and this loader's are measured apart:
// 1. POST /api/cases over HTTP (a signed-in grid worker, the way the field app files a report) against
//    pgbench running the same statements (intake.pgbench.sql; no global lock since migration 0100)
//    at the same concurrency, 8 and 32 clients, prepared as the server's are. Limit: HTTP at least 50 % of
//    pgbench. pgbench with the simple protocol (the baseline before session 7) is printed beside it.
// 2. A steady 200 reports/s, open loop, 10 s client timeout: p50/p99 (limit p99 < 50 ms), how many were
//    refused with 503, and from the database, per request, that every acknowledged report committed
//    and no refused one did; beside it pgbench's p50/p99 for the same statements at the same rate.
// 3. A burst of 2,000 sensor alarms in 10 s (one per device, each files a case; an alarm refused with
//    503 is resent after Retry-After, as a gateway does, and the refusals are counted): all acknowledged,
//    and each case on the command center's feed (a supervisor's hub connection) within 5 s of the burst's end.
//
//   bench/intake/run.sh [seconds] [rates]  (rates default 200; starts the demo PostgreSQL cluster, builds in Release, runs)
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GridBench;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 15;
var rates = (args.Length > 1 ? args[1] : "200").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
const int Alarms = 2000;
const double WarmSeconds = 45, AlarmSeconds = 10, FeedLimitSeconds = 5, P99LimitMs = 50;
// Duplicate flags are not what this measures: with a 1 m radius random points rarely flag each
// other, but the duplicate check still runs on every report (in pgbench too).
const int RadiusMeters = 1;
// A database made afresh for every run, with the same 200,000 seeded cases: until session 8 it was kept between runs and
// grew by every run's reports (to 750,000 by then, all of the benchmark's category in the bench city's 3 km2), until
// half of the reports found a "duplicate" within 1 m and the server's figures measured the flagging path, which
// pgbench's script does not run. Each run now measures the same thing on the same database.
const int SeededCases = 200_000;
var cs = await BenchCity.FreshDatabaseAsync("gridbench_intake");
// Migrations and the bench city, in process; then the server proper as its own process.
await using (var prepare = await BenchCity.StartAppAsync(cs)) await prepare.StopAsync();
await BenchCity.SeedCasesAsync(cs, SeededCases);
await using var server = await BenchServer.StartAsync(cs, $"--Grid:DuplicateRadiusMeters={RadiusMeters}");
var (client, _) = await server.SignInAsync("benchworker", TimeSpan.FromSeconds(10));
// A new seed each run: the database is kept between runs, and with one fixed seed every run reported at
// the points of the runs before it, so that in time every report was flagged as a duplicate of an earlier
// run's (RecordFlagsAsync on each: 41,752 flags on 92,886 cases), which pgbench's random points are not.
var random = new Random(Environment.TickCount);
var run = DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture);

long casesAtStart, historyAtStart;
await using (var conn = new NpgsqlConnection(cs))
{
    // The database is kept between runs and grows by every run's reports: say how big it was.
    casesAtStart = await conn.ExecuteScalarAsync<long>("select count(*) from cases");
    historyAtStart = await conn.ExecuteScalarAsync<long>("select count(*) from case_history");
}
Console.WriteLine($"intake benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {seconds} s per figure, server pid apart from this loader; {BenchCity.Load()}; " +
    $"database at start: {casesAtStart:N0} cases, {historyAtStart:N0} history rows");
// Warm-up: 3 s used to be too little. A perf profile of the server 25 s into a run of 4 clients still
// spent 35 % of its CPU in the JIT (tiered recompilation of ASP.NET Core, EF Core and Npgsql), so the
// first figures measured the compiler. After 60 s of load the JIT was gone from the profile.
var warm = await Closed(concurrency: 8, TimeSpan.FromSeconds(WarmSeconds), "warm");
Console.WriteLine($"warm-up: {WarmSeconds} s at 8 clients, {warm.PerSecond:0.0} req/s (not counted)");
foreach (var concurrency in new[] { 8, 32 })
{
    var sqlLoad = BenchCity.Load();
    // The limit is taken against pgbench with prepared statements and the server's plan settings (intake.pgbench.sql);
    // the simple protocol (parse and plan on every report: pgbench's default, and the baseline of the runs before
    // session 7) is printed beside it.
    var (pg, pgCpu) = PgBench(concurrency, "prepared");
    var (pgSimple, _) = PgBench(concurrency, "simple");
    var httpLoad = BenchCity.Load();
    var server0 = server.CpuSeconds();
    var self0 = Cpu.SelfSeconds();
    var r = await Closed(concurrency, TimeSpan.FromSeconds(seconds), $"c{concurrency}");
    var serverCpu = server.CpuSeconds() - server0;
    var selfCpu = Cpu.SelfSeconds() - self0;
    var ratio = r.PerSecond / pg;
    Console.WriteLine($"POST /api/cases, {concurrency,2} clients: {r.PerSecond,6:0.0} req/s ({r.Refused} refused 503, {r.Failed} failed; server {Cpu.Cores(serverCpu, r.Seconds)}, loader {Cpu.Cores(selfCpu, r.Seconds)}; {httpLoad})" +
        $" | pgbench same statements, prepared: {pg,6:0.0} tps (pgbench {Cpu.Cores(pgCpu, seconds)}; {sqlLoad}) | {ratio:P0} of pgbench, limit >= 50 %: {(ratio >= 0.5 ? "ok" : "BELOW")}" +
        $" | pgbench simple protocol: {pgSimple,6:0.0} tps, {r.PerSecond / pgSimple:P0}");
}
foreach (var rate in rates) await FixedRate(rate, TimeSpan.FromSeconds(seconds));
await AlarmBurst();
await using (var conn = new NpgsqlConnection(cs))
{
    // What the figures above measured: the plain report path. A flagged report also writes its flags' history, audit
    // and event rows and is read back for its answer; a share of them beyond a few per cent would say so.
    var (reports, flagged) = await conn.QuerySingleAsync<(long, long)>("""
        select count(*), count(*) filter (where exists (select 1 from duplicate_flags f where f.case_id = c.id))
        from cases c where c.description like @P
        """, new { P = $"bench {run} %" });
    Console.WriteLine($"this run's reports over HTTP: {reports:N0}, of them flagged as likely duplicates {flagged:N0} ({(reports == 0 ? 0 : (double)flagged / reports):P1})");
}

object Body(string description) => new
{
    lat = 29.001 + random.Next(1, 20000) / 1_000_000.0, lon = 118 + random.Next(1, 15000) / 1_000_000.0,
    categoryCode = "E9801", description, source = "field",
};

async Task<(HttpStatusCode? Status, long? CaseId)> PostAsync(string description)
{
    try
    {
        using var response = await client.PostAsJsonAsync("/api/cases", Body(description));
        if (response.StatusCode != HttpStatusCode.Created) return (response.StatusCode, null);
        return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
    }
    catch (TaskCanceledException) { return (null, null); } // the client's 10 s timeout
    catch (HttpRequestException) { return (null, null); }
}

async Task<(double PerSecond, int Refused, int Failed, double Seconds)> Closed(int concurrency, TimeSpan duration, string tag)
{
    int done = 0, refused = 0, failed = 0, n = 0;
    var sw = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        while (sw.Elapsed < duration)
        {
            var (status, _) = await PostAsync($"bench {run} {tag} {Interlocked.Increment(ref n)}");
            if (status == HttpStatusCode.Created) Interlocked.Increment(ref done);
            else if (status == HttpStatusCode.ServiceUnavailable) Interlocked.Increment(ref refused);
            else Interlocked.Increment(ref failed);
        }
    }));
    return (done / sw.Elapsed.TotalSeconds, refused, failed, sw.Elapsed.TotalSeconds);
}

// Open loop: request i is due at start + i / rate whether or not earlier ones have answered, and its
// latency counts from when it was due, so a stall is not hidden by sending less. Each request has a
// description of its own, so the database tells which ones committed.
async Task FixedRate(int rate, TimeSpan duration)
{
    var load = BenchCity.Load();
    var total = (int)(rate * duration.TotalSeconds);
    var latencies = new double[total];
    var outcomes = new (HttpStatusCode? Status, long? CaseId)[total];
    var server0 = server.CpuSeconds();
    var self0 = Cpu.SelfSeconds();
    var sw = Stopwatch.StartNew();
    var tasks = new List<Task>(total);
    for (var i = 0; i < total; i++)
    {
        var due = TimeSpan.FromSeconds((double)i / rate);
        var wait = due - sw.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
        var n = i;
        tasks.Add(Task.Run(async () =>
        {
            outcomes[n] = await PostAsync($"bench {run} r{rate} {n}");
            latencies[n] = (sw.Elapsed - due).TotalMilliseconds;
        }));
    }
    await Task.WhenAll(tasks);
    var elapsed = sw.Elapsed.TotalSeconds;
    var serverCpu = server.CpuSeconds() - server0;
    var selfCpu = Cpu.SelfSeconds() - self0;
    var acked = Enumerable.Range(0, total).Where(i => outcomes[i].Status == HttpStatusCode.Created).ToList();
    var refused = Enumerable.Range(0, total).Where(i => outcomes[i].Status == HttpStatusCode.ServiceUnavailable).ToList();
    var noAnswer = Enumerable.Range(0, total).Where(i => outcomes[i].Status is null).ToList();
    var other = total - acked.Count - refused.Count - noAnswer.Count;
    // What committed, by the request's own description.
    HashSet<int> committed;
    await using (var conn = new NpgsqlConnection(cs))
    {
        committed = (await conn.QueryAsync<string>("select description from cases where description like @P", new { P = $"bench {run} r{rate} %" }))
            .Select(d => int.Parse(d.Split(' ')[^1], CultureInfo.InvariantCulture)).ToHashSet();
    }
    var ackedMissing = acked.Count(i => !committed.Contains(i));
    var refusedSaved = refused.Count(i => committed.Contains(i));
    var noAnswerSaved = noAnswer.Count(i => committed.Contains(i));
    var sortedAcked = acked.Select(i => latencies[i]).Order().ToList();
    var sortedAll = latencies.Order().ToList();
    var p99 = BenchCity.Percentile(sortedAll, 99);
    Console.WriteLine($"POST /api/cases at a fixed {rate} req/s for {duration.TotalSeconds:0} s ({total} requests, took {elapsed:0.0} s): p50 {BenchCity.Ms(BenchCity.Percentile(sortedAll, 50))}, p99 {BenchCity.Ms(p99)} over every answer" +
        $" (acknowledged only: p50 {BenchCity.Ms(BenchCity.Percentile(sortedAcked, 50))}, p99 {BenchCity.Ms(BenchCity.Percentile(sortedAcked, 99))}) | limit p99 < {P99LimitMs} ms: {(p99 < P99LimitMs ? "ok" : "OVER")}");
    var (sqlP50, sqlP99) = PgBenchAtRate(rate, duration);
    Console.WriteLine($"      pgbench, the same statements prepared at a fixed {rate} tps for {duration.TotalSeconds:0} s: p50 {BenchCity.Ms(sqlP50)}, p99 {BenchCity.Ms(sqlP99)} (from when each was due, as above)");
    Console.WriteLine($"      {acked.Count} acknowledged (201), {refused.Count} refused (503), {noAnswer.Count} no answer within 10 s, {other} other;" +
        $" database: acknowledged but not committed {ackedMissing} (limit 0), refused but committed {refusedSaved} (limit 0), unanswered but committed {noAnswerSaved}" +
        $" -> {(ackedMissing == 0 && refusedSaved == 0 ? "every acknowledged report committed, no refused one did" : "NOT as promised")}");
    Console.WriteLine($"      CPU: server {Cpu.Cores(serverCpu, elapsed)}, loader {Cpu.Cores(selfCpu, elapsed)}; {load}");
}

// 2,000 devices of a bench monitoring system, each raising one alarm, 200 a second; a supervisor's hub
// connection (the command center's feed) notes when each resulting case's case_reported event arrives.
async Task AlarmBurst()
{
    const string Secret = "bench-monitoring-secret";
    var prefix = $"b{run}-";
    await using (var conn = new NpgsqlConnection(cs))
    {
        await conn.ExecuteAsync("""
            insert into monitoring_systems (id, name, secret_hash) values ('bench_sensors', 'Bench sensors', @Hash)
            on conflict (id) do update set secret_hash = excluded.secret_hash;
            insert into monitoring_kinds (kind, system_id, category_code, priority) values ('bench_alarm', 'bench_sensors', 'E9801', 'normal')
            on conflict do nothing;
            insert into monitoring_devices (id, kind, name, location, cell_code, address, created_at)
            select @Prefix || i, 'bench_alarm', 'Sensor ' || i, p.pt, g.code, '', now()
            from generate_series(1, @N) i
            cross join lateral (select ST_SetSRID(ST_MakePoint(118.0002 + (i % 15) * 0.001 + (i % 7) * 0.0001,
                                                                29.0012 + ((i / 15) % 20) * 0.001 + (i % 5) * 0.0001), 4326) as pt) p
            cross join lateral (select code from grid_cells where ST_Covers(geom, p.pt) order by code limit 1) g
            """, new { Hash = Grid.Server.Monitoring.MonitoringRepository.Hash(Secret), Prefix = prefix, N = Alarms });
    }
    var (sup, cookies) = await server.SignInAsync("benchsup", TimeSpan.FromSeconds(10));
    var seen = new ConcurrentDictionary<long, double>();
    var sw = new Stopwatch();
    await using var hub = new HubConnectionBuilder()
        .WithUrl(new Uri(server.Address, "/hubs/city"), o =>
        {
            o.Transports = HttpTransportType.WebSockets;
            o.SkipNegotiation = true;
            o.Headers["Cookie"] = cookies.GetCookieHeader(server.Address);
        })
        .Build();
    hub.On<JsonElement>("event", e =>
    {
        if (e.GetProperty("kind").GetString() == "case_reported" && e.GetProperty("caseId").ValueKind == JsonValueKind.Number)
            seen.TryAdd(e.GetProperty("caseId").GetInt64(), sw.Elapsed.TotalSeconds);
    });
    await hub.StartAsync();
    await hub.InvokeAsync<JsonElement>("Subscribe", new { afterSeq = (long?)null, street = (string?)null });

    using var sensors = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1000 }) { BaseAddress = server.Address, Timeout = TimeSpan.FromSeconds(10) };
    var load = BenchCity.Load();
    var server0 = server.CpuSeconds();
    var self0 = Cpu.SelfSeconds();
    var receipts = new (HttpStatusCode? Status, long? CaseId, double AckedAt)[Alarms];
    var refusals = 0;
    var tasks = new List<Task>(Alarms);
    sw.Start();
    for (var i = 0; i < Alarms; i++)
    {
        var due = TimeSpan.FromSeconds(i * AlarmSeconds / Alarms);
        var wait = due - sw.Elapsed;
        if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
        var n = i;
        tasks.Add(Task.Run(async () =>
        {
            // A sensor gateway resends an alarm refused with 503 after Retry-After (nothing was saved;
            // a resend that finds the device's case open is attached to it, 200, not filed twice).
            while (true)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/monitoring/alarms/bench_alarm")
                    {
                        Content = JsonContent.Create(new { deviceId = prefix + (n + 1), alarmType = "overflow", message = "bench" }),
                    };
                    request.Headers.Add("X-Monitoring-Secret", Secret);
                    using var response = await sensors.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && sw.Elapsed.TotalSeconds < AlarmSeconds + 30)
                    {
                        Interlocked.Increment(ref refusals);
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                        continue;
                    }
                    long? caseId = response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK
                        ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("caseId").GetInt64() : null;
                    receipts[n] = (response.StatusCode, caseId, sw.Elapsed.TotalSeconds);
                }
                catch (Exception) { receipts[n] = (null, null, sw.Elapsed.TotalSeconds); }
                break;
            }
        }));
    }
    var sentBy = sw.Elapsed.TotalSeconds;
    await Task.WhenAll(tasks);
    var ids = receipts.Where(r => r.CaseId is not null).Select(r => r.CaseId!.Value).ToList();
    var feedDeadline = Stopwatch.StartNew();
    while (feedDeadline.Elapsed < TimeSpan.FromSeconds(30) && ids.Any(id => !seen.ContainsKey(id))) await Task.Delay(50);
    var serverCpu = server.CpuSeconds() - server0;
    var selfCpu = Cpu.SelfSeconds() - self0;
    var wall = sw.Elapsed.TotalSeconds;

    var acked = ids.Count;
    var attached = receipts.Count(r => r.Status == HttpStatusCode.OK);
    var distinct = ids.Distinct().Count();
    var refused = receipts.Count(r => r.Status == HttpStatusCode.ServiceUnavailable);
    var unanswered = receipts.Count(r => r.Status is null);
    var lastAck = receipts.Where(r => r.CaseId is not null).Select(r => r.AckedAt).DefaultIfEmpty(double.NaN).Max();
    var onFeed = ids.Distinct().Count(seen.ContainsKey);
    var lastSeen = ids.Where(seen.ContainsKey).Select(id => seen[id]).DefaultIfEmpty(double.NaN).Max();
    var feedAfterEnd = lastSeen - AlarmSeconds;
    var ok = acked == Alarms && distinct == Alarms && onFeed == distinct && feedAfterEnd <= FeedLimitSeconds;
    Console.WriteLine($"{Alarms} sensor alarms in {AlarmSeconds:0} s (sent by {sentBy:0.0} s): {acked} acknowledged with a case (limit {Alarms}; {attached} of them on a resend, attached)," +
        $" {distinct} distinct cases; {refusals} answers were 503 and resent after Retry-After, {refused} still refused at the end, {unanswered} unanswered, {Alarms - acked - refused - unanswered} other;" +
        $" last acknowledgement {lastAck - AlarmSeconds:+0.00;-0.00} s after the burst's end");
    Console.WriteLine($"      on the command center's feed: {onFeed}/{distinct}, the last {feedAfterEnd:+0.00;-0.00} s after the burst's end (limit {FeedLimitSeconds:0} s) -> {(ok ? "within the limits" : "NOT within the limits")}");
    Console.WriteLine($"      CPU over {wall:0.0} s: server {Cpu.Cores(serverCpu, wall)}, loader {Cpu.Cores(selfCpu, wall)}; {load}, after: {BenchCity.Load()}");
}

(double Tps, double CpuSeconds) PgBench(int concurrency, string mode)
{
    var children0 = Cpu.ChildrenSeconds();
    var stdout = RunPgBench(["-c", concurrency.ToString(CultureInfo.InvariantCulture), "-j", "2", "-M", mode,
        "-T", seconds.ToString(CultureInfo.InvariantCulture)], null);
    var cpu = Cpu.ChildrenSeconds() - children0;
    var m = Regex.Match(stdout, @"tps = ([0-9.]+) \(without initial connection time\)");
    if (!m.Success) throw new InvalidOperationException($"pgbench printed no tps:\n{stdout}");
    return (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), cpu);
}

// pgbench at a fixed rate (-R), 8 clients, each transaction's latency logged (-l): its time from when it was
// scheduled to its end, in microseconds, the third field of a log line.
(double P50, double P99) PgBenchAtRate(int rate, TimeSpan duration)
{
    var dir = Directory.CreateTempSubdirectory("intake-pgbench-");
    try
    {
        RunPgBench(["-c", "8", "-j", "2", "-M", "prepared", "-R", rate.ToString(CultureInfo.InvariantCulture),
            "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(dir.FullName, "tx")], dir.FullName);
        var sorted = dir.GetFiles("tx.*").SelectMany(f => File.ReadLines(f.FullName))
            .Select(line => double.Parse(line.Split(' ')[2], CultureInfo.InvariantCulture) / 1000.0).Order().ToList();
        if (sorted.Count == 0) throw new InvalidOperationException("pgbench logged no transaction.");
        return (BenchCity.Percentile(sorted, 50), BenchCity.Percentile(sorted, 99));
    }
    finally { dir.Delete(recursive: true); }
}

string RunPgBench(string[] options, string? workingDirectory)
{
    var b = new NpgsqlConnectionStringBuilder(cs);
    var script = Path.Combine(AppContext.BaseDirectory, "intake.pgbench.sql");
    var psi = new ProcessStartInfo("/usr/lib/postgresql/15/bin/pgbench",
        [.. new[] { "-n", "-h", b.Host!, "-p", b.Port.ToString(CultureInfo.InvariantCulture), "-U", b.Username ?? "postgres" }, .. options,
         "-D", $"radius={RadiusMeters}", "-f", script, b.Database!])
    { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
    // The server's connections plan every statement for its values (GridApp: plan_cache_mode=force_custom_plan); so do pgbench's.
    psi.Environment["PGOPTIONS"] = "-c jit=off -c plan_cache_mode=force_custom_plan";
    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var stderr = p.StandardError.ReadToEndAsync();
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"pgbench failed:\n{stdout.Result}\n{stderr.Result}");
    return stdout.Result;
}
