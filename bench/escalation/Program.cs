// Escalation benchmark (issue 13): the recurring Hangfire claim job over cases.next_rung_at, in a
// database of 1,000,000 cases (kept between runs) whose working calendar works around the clock and
// whose ladder has no warning, the assignee rung at the deadline and every later rung 30 days on, so
// each phase makes exactly the rungs it counts. Printed beside the issue's targets:
//   1. lateness (fired - due) of 200 rungs falling due within one minute, 20,000 open cases: p99 < 3 s;
//   2. the idle background load (every recurring job: claim, hotline push, ...) in transactions/s and
//      statements/s (pg_stat_statements) at 2,000 and at 20,000 open cases: independent of open cases;
//   3. a backlog of 100,000 due rungs (an outage, an import): drained in < 5 min, with the latency of
//      an API read made meanwhile;
//   4. Hangfire's own tables: the jobs created during each idle window and during the drain (runs of the
//      recurring jobs only: as many at 2,000 as at 20,000 open cases, and however many rungs fire) and
//      the delayed jobs waiting in its schedule (none: no job per case or rung).
//
//   bench/escalation/run.sh [cases]      (starts the demo cluster with pg_stat_statements, builds, runs)
using System.Diagnostics;
using System.Globalization;
using Dapper;
using Grid.Server;
using Grid.Server.Evaluation;
using GridBench;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var target = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
const int OpenLarge = 20_000, OpenSmall = 2_000, Rungs = 200, Backlog = 100_000;
var idleWindow = TimeSpan.FromSeconds(60);
var cs = await BenchCity.DatabaseAsync("gridbench_escalation");

// Migrations first, the data next, the Hangfire server last: the seed and the reset must not be
// claimed half-way.
var app = GridApp.Build([
    "--urls=http://127.0.0.1:0", $"--ConnectionStrings:Grid={cs}", "--Logging:LogLevel:Default=Warning", "--environment=Production",
    "--Grid:MinLon=117.9", "--Grid:MaxLon=118.1", "--Grid:MinLat=28.9", "--Grid:MaxLat=29.1",
]);
await GridApp.PrepareAsync(app);
await using (var conn = new NpgsqlConnection(cs))
{
    await conn.OpenAsync();
    await conn.ExecuteAsync(BenchCity.SeedPlaceSql, new { Hash = Grid.Server.Staff.Passwords.Hash(BenchCity.Password) });
}
Console.WriteLine($"cases in database: {await BenchCity.SeedCasesAsync(cs, target):N0}");
await using var db = NpgsqlDataSource.Create(cs);
await ExecAsync(SetupSql, new { });
await ExecAsync("vacuum analyze cases", new { });
await ExecAsync(OpenSql, new { N = OpenSmall });
await app.StartAsync();
// The monthly evaluation publishes the previous month once per database: done now, not inside a measurement.
using (var scope = app.Services.CreateScope()) await scope.ServiceProvider.GetRequiredService<MonthlyEvaluationJob>().RunAsync();
var statements = await StatementsAsync() is not null;

Console.WriteLine($"escalation benchmark, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {BenchCity.Load()}");
await SettleAsync();
var idleSmall = await IdleAsync();
await ExecAsync(OpenSql, new { N = OpenLarge });
await SettleAsync();
var idleLarge = await IdleAsync();
Console.WriteLine($"open cases with running clocks: {await ScalarAsync("select count(*) from cases where state in ('dispatched','in_progress')"):N0}");

// 1. Lateness: 200 assignee rungs due 10 s from now, one every 300 ms.
var t0 = DateTimeOffset.UtcNow.AddSeconds(10);
await ExecAsync(DueSoonSql, new { T0 = t0, Rungs });
await WaitAsync($"select count(*) from escalations e join bench_sets b on b.case_id = e.case_id and b.set = 'open' and b.n <= {Rungs} where e.level = 'assignee'",
    Rungs, TimeSpan.FromMinutes(3));
var late = (await QueryAsync<double>($"""
    select extract(epoch from e.at - e.due_at) * 1000 from escalations e
    join bench_sets b on b.case_id = e.case_id and b.set = 'open' and b.n <= {Rungs} where e.level = 'assignee'
    """)).Order().ToList();
var loadAfterLateness = BenchCity.Load();

// 3. Backlog: 100,000 more cases open and overdue at once; the API is read meanwhile.
using var api = await BenchCity.SignInAsync(app, "benchsup");
var apiTimes = new List<double>();
var drained = Stopwatch.StartNew();
var hfBeforeDrain = await HangfireAsync();
await ExecAsync(BacklogSql, new { });
var drainCount = $"select count(*) from escalations e join bench_sets b on b.case_id = e.case_id and b.set = 'drain' where e.level = 'assignee'";
using var probeStop = new CancellationTokenSource();
var probe = Task.Run(async () =>
{
    while (!probeStop.IsCancellationRequested)
    {
        var sw = Stopwatch.StartNew();
        (await api.GetAsync("/api/inbox/unread-count")).EnsureSuccessStatusCode();
        apiTimes.Add(sw.Elapsed.TotalMilliseconds);
        await Task.Delay(200);
    }
});
await WaitAsync(drainCount, Backlog, TimeSpan.FromMinutes(15));
var drainSeconds = drained.Elapsed.TotalSeconds;
var hfAfterDrain = await HangfireAsync();
var loadDuringDrain = BenchCity.Load();
probeStop.Cancel();
await probe;
apiTimes.Sort();

var p99 = BenchCity.Percentile(late, 99);
Console.WriteLine();
Console.WriteLine($"lateness of {late.Count} rungs due within one minute ({OpenLarge:N0} open): p50 {BenchCity.Ms(BenchCity.Percentile(late, 50))}  " +
    $"p99 {BenchCity.Ms(p99)}  max {BenchCity.Ms(late[^1])} | target p99 < 3 s: {(p99 < 3000 ? "ok" : "OVER")}  ({loadAfterLateness})");
Console.WriteLine($"idle background load, {OpenSmall,6:N0} open cases: {idleSmall.Tx,6:0.0} transactions/s  {Stmt(idleSmall.Stmt)} statements/s  ({idleSmall.Load})");
Console.WriteLine($"idle background load, {OpenLarge,6:N0} open cases: {idleLarge.Tx,6:0.0} transactions/s  {Stmt(idleLarge.Stmt)} statements/s  ({idleLarge.Load})");
var a = idleSmall.Stmt ?? idleSmall.Tx;
var b = idleLarge.Stmt ?? idleLarge.Tx;
Console.WriteLine($"  target: idle cost independent of open cases (10x more open cases): {b / Math.Max(a, 0.001):0.00}x the cost | " +
    $"{(Math.Abs(b - a) <= Math.Max(0.2 * a, 1) ? "ok" : "OVER")}");
Console.WriteLine($"backlog of {Backlog:N0} due rungs drained in {drainSeconds:0.0} s | target < 300 s: {(drainSeconds < 300 ? "ok" : "OVER")}  ({loadDuringDrain})");
Console.WriteLine($"Hangfire, idle 60 s, {OpenSmall,6:N0} open cases: {idleSmall.Jobs,4} jobs created, {idleSmall.Delayed} delayed jobs waiting");
Console.WriteLine($"Hangfire, idle 60 s, {OpenLarge,6:N0} open cases: {idleLarge.Jobs,4} jobs created, {idleLarge.Delayed} delayed jobs waiting");
var drainJobs = hfAfterDrain.MaxId - hfBeforeDrain.MaxId;
Console.WriteLine($"Hangfire, while {Backlog:N0} rungs fired ({drainSeconds:0} s): {drainJobs} jobs created, " +
    $"{hfAfterDrain.Delayed} delayed jobs waiting; {hfAfterDrain.Rows:N0} rows in its tables ({hfBeforeDrain.Rows:N0} before)");
var hangfireFlat = idleSmall.Delayed + idleLarge.Delayed + hfAfterDrain.Delayed == 0
    && Math.Abs(idleLarge.Jobs - idleSmall.Jobs) <= Math.Max(2, idleSmall.Jobs / 10) && drainJobs < Backlog / 100;
Console.WriteLine($"  target: Hangfire's tables do not grow with open cases (no job per case or rung): {(hangfireFlat ? "ok" : "OVER")}");
Console.WriteLine($"  API read during the drain (GET /api/inbox/unread-count, {apiTimes.Count} requests): p50 {BenchCity.Ms(BenchCity.Percentile(apiTimes, 50))}  " +
    $"p99 {BenchCity.Ms(BenchCity.Percentile(apiTimes, 99))}  max {BenchCity.Ms(apiTimes.Count == 0 ? double.NaN : apiTimes[^1])}");
await app.StopAsync();
return;

string Stmt(double? v) => v is { } x ? x.ToString("0.0", CultureInfo.InvariantCulture).PadLeft(6) : "   n/a";

async Task ExecAsync(string sql, object args)
{
    await using var conn = await db.OpenConnectionAsync();
    await conn.ExecuteAsync(sql, args, commandTimeout: 0);
}

async Task<long> ScalarAsync(string sql)
{
    await using var conn = await db.OpenConnectionAsync();
    return await conn.ExecuteScalarAsync<long>(sql, commandTimeout: 0);
}

async Task<IEnumerable<T>> QueryAsync<T>(string sql)
{
    await using var conn = await db.OpenConnectionAsync();
    return await conn.QueryAsync<T>(sql, commandTimeout: 0);
}

async Task WaitAsync(string countSql, long expected, TimeSpan timeout)
{
    var end = DateTime.UtcNow + timeout;
    long n;
    while ((n = await ScalarAsync(countSql)) < expected)
    {
        if (DateTime.UtcNow > end) throw new TimeoutException($"{n:N0} of {expected:N0} after {timeout.TotalSeconds:0} s: {countSql}");
        await Task.Delay(250);
    }
}

// Nothing due: the claim job has looked at every case the reset touched.
async Task SettleAsync() => await WaitAsync("select case when exists (select 1 from cases where next_rung_at <= now()) then 0 else 1 end", 1, TimeSpan.FromMinutes(5));

async Task<double?> StatementsAsync()
{
    try
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync("create extension if not exists pg_stat_statements");
        return await conn.ExecuteScalarAsync<double>(
            "select coalesce(sum(calls), 0)::float8 from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())");
    }
    catch (PostgresException)
    {
        return null; // not loaded (shared_preload_libraries): transactions only
    }
}

async Task<(double Tx, double? Stmt, string Load, long Jobs, long Delayed)> IdleAsync()
{
    const string TxSql = "select (xact_commit + xact_rollback)::float8 from pg_stat_database where datname = current_database()";
    await Task.Delay(TimeSpan.FromSeconds(5));
    var tx0 = (double)await ScalarDoubleAsync(TxSql);
    var st0 = statements ? await StatementsAsync() : null;
    var hf0 = await HangfireAsync();
    var sw = Stopwatch.StartNew();
    await Task.Delay(idleWindow);
    var tx1 = await ScalarDoubleAsync(TxSql);
    var st1 = statements ? await StatementsAsync() : null;
    var hf1 = await HangfireAsync();
    var s = sw.Elapsed.TotalSeconds;
    return ((tx1 - tx0) / s, st0 is { } a0 && st1 is { } a1 ? (a1 - a0) / s : null, BenchCity.Load(), hf1.MaxId - hf0.MaxId, hf1.Delayed);
}

// Hangfire's job ids only grow: the difference of two readings is the number of jobs created between them.
// "schedule" is its set of delayed jobs. Rows: every row of every table of its schema, counted exactly.
async Task<(long MaxId, long Delayed, long Rows)> HangfireAsync()
{
    await using var conn = await db.OpenConnectionAsync();
    return await conn.QuerySingleAsync<(long, long, long)>("""
        select (select coalesce(max(id), 0) from hangfire.job)::bigint,
               (select count(*) from hangfire.set where key = 'schedule')::bigint,
               (select coalesce(sum((xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %I.%I', schemaname, relname), false, true, '')))[1]::text::bigint), 0)
                from pg_stat_user_tables where schemaname = 'hangfire')::bigint
        """);
}

async Task<double> ScalarDoubleAsync(string sql)
{
    await using var conn = await db.OpenConnectionAsync();
    return await conn.ExecuteScalarAsync<double>(sql);
}

partial class Program
{
    // Around the clock, no rest days or holidays; no warning, the assignee rung at the deadline, the
    // next 30 days later. The bench's sets: 20,000 cases that are open with running clocks (the first
    // 200 of them get the rungs due within a minute) and 100,000 for the backlog, all once dispatched
    // to a worker. Then every case is closed again (a run starts from the same state) and the
    // escalations of earlier runs are dropped.
    private const string SetupSql = """
        delete from working_periods;
        insert into working_periods (starts_at, ends_at) values ('00:00', '23:59:59.999999');
        update calendar_settings set rest_weekdays = '{}';
        delete from calendar_days;
        delete from escalation_ladders where category_prefix is not null or priority is not null;
        update escalation_ladders set warning_fraction = 0, delays_s = '{0,2592000,2592000,2592000}';
        create table if not exists bench_sets (case_id bigint primary key, set text not null, n int not null);
        insert into bench_sets (case_id, set, n)
        select id, case when rn <= 20000 then 'open' else 'drain' end, case when rn <= 20000 then rn else rn - 20000 end
        from (select id, row_number() over (order by id) as rn from cases where case_no like 'B%' and assignee_id is not null) x
        where rn <= 120000 and not exists (select 1 from bench_sets)
        on conflict do nothing;
        truncate inbox_items, escalations;
        update cases set state = 'closed', closed_at = coalesce(closed_at, now()), next_rung_at = null where state in ('dispatched', 'in_progress');
        """;

    // The first @N of the open set running (due in 30 days, next rung at the deadline, as the
    // lifecycle writes it), the rest of it closed.
    private const string OpenSql = """
        update cases c set state = 'dispatched', closed_at = null, dispatched_at = now() - interval '1 day',
               deadline = now() + interval '30 days', dispatch_deadline = now() + interval '30 days', next_rung_at = now() + interval '30 days'
        from bench_sets b where b.case_id = c.id and b.set = 'open' and b.n <= @N and c.state <> 'dispatched';
        update cases c set state = 'closed', closed_at = now(), next_rung_at = null
        from bench_sets b where b.case_id = c.id and b.set = 'open' and b.n > @N and c.state = 'dispatched';
        """;

    private const string DueSoonSql = """
        update cases c set deadline = @T0 + (b.n - 1) * interval '300 milliseconds', dispatch_deadline = @T0 + (b.n - 1) * interval '300 milliseconds',
               dispatched_at = @T0 + (b.n - 1) * interval '300 milliseconds' - interval '1 hour', next_rung_at = @T0 + (b.n - 1) * interval '300 milliseconds'
        from bench_sets b where b.case_id = c.id and b.set = 'open' and b.n <= @Rungs
        """;

    // 100,000 cases overdue by an hour or more, their assignee rung due: what an outage or an import leaves.
    private const string BacklogSql = """
        update cases c set state = 'dispatched', closed_at = null, dispatched_at = now() - interval '2 days',
               deadline = now() - interval '1 hour' - b.n * interval '10 milliseconds',
               dispatch_deadline = now() - interval '1 hour' - b.n * interval '10 milliseconds',
               next_rung_at = now() - interval '1 hour' - b.n * interval '10 milliseconds'
        from bench_sets b where b.case_id = c.id and b.set = 'drain'
        """;
}
