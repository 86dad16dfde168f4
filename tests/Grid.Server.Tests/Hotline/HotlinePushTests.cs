using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Hotline;
using Grid.Server.Tests.Escalation;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grid.Server.Tests.Hotline;

/// <summary>
/// Status push to an integrated 12345 system: a real HTTP receiver (Kestrel on a loopback port)
/// stands in for the hotline system. A server of its own whose send retries come after one second.
/// </summary>
public sealed class HotlinePushTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(TestServer.DatabaseName("hotpush"), settings: new Dictionary<string, string?>
    {
        ["Grid:Jobs:PollSeconds"] = "1",
        ["Grid:Hotline:Push:QueueCron"] = "* * * * * *",
        ["Grid:Hotline:Push:RetryDelaysSeconds:0"] = "1",
        ["Grid:Hotline:Push:RetryDelaysSeconds:1"] = "2",
        ["Grid:Hotline:Push:RetryDelaysSeconds:2"] = "4",
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private HttpClient System(string key)
    {
        var client = _server.Anonymous();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task UntilAsync(Func<Task<bool>> done, string what, int seconds = 60)
    {
        var end = DateTime.UtcNow.AddSeconds(seconds);
        while (!await done())
        {
            if (DateTime.UtcNow > end) throw new TimeoutException($"Waited {seconds} s for {what}.");
            await Task.Delay(200);
        }
    }

    private async Task<long> FileTicketAsync(TestWorld world, HttpClient hotline, string ticketId)
    {
        var (lat, lon) = world.Inside(0);
        var receipt = await TestWorld.ReadAsync<TicketReceipt>(await hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId, callerName = "王五", callerPhone = "13800002222", lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Bins overflowing",
        }), HttpStatusCode.Created);
        return receipt.CaseId;
    }

    [Fact]
    public async Task A_callback_that_fails_twice_then_succeeds_receives_each_change_once_signed_with_the_systems_key()
    {
        var world = await TestWorld.CreateAsync(_server);
        var key = await IntakeHelpers.IssueKeyAsync(world, scope: "hotline");
        var hotline = System(key);
        await using var receiver = await Receiver.StartAsync(failFirst: 2);

        // The address is checked; the key is required.
        var bad = await hotline.PostAsJsonAsync("/api/hotline/callback", new { url = "ftp://example.org/x" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("http://", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _server.Anonymous().PostAsJsonAsync("/api/hotline/callback", new { url = receiver.Url })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await hotline.PostAsJsonAsync("/api/hotline/callback", new { url = receiver.Url })).StatusCode);

        // Another system's ticket is not pushed to this one.
        var other = System(await IntakeHelpers.IssueKeyAsync(world, scope: "hotline"));
        await FileTicketAsync(world, other, "O-" + Guid.NewGuid().ToString("N")[..10]);

        var ticketId = "P-" + Guid.NewGuid().ToString("N")[..10];
        var caseId = await FileTicketAsync(world, hotline, ticketId);
        // The report may be more than one change (filed, then routed); the receiver refuses the first two requests.
        await UntilAllDeliveredAsync(ticketId, receiver);
        var accepted = receiver.Accepted;
        Assert.Equal(accepted.Count + 2, receiver.All.Count);
        Assert.Equal(accepted.Count, accepted.Select(r => r.Seq).Distinct().Count());
        var report = Assert.Single(accepted, r => r.Json.GetProperty("action").GetString() == "report");
        Assert.Equal((ticketId, caseId), (report.Json.GetProperty("ticketId").GetString(), report.Json.GetProperty("caseId").GetInt64()));
        // A refused attempt was retried with the same change: same seq, same body.
        foreach (var refused in receiver.All.Where(r => !r.Accepted))
            Assert.Contains(accepted, r => r.Seq == refused.Seq && r.Body == refused.Body);
        Assert.Equal(report.Json.GetProperty("seq").GetInt64().ToString(), report.Seq);
        // Signed: HMAC-SHA256 of "{timestamp}.{body}" with the system's own key.
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(report.Timestamp + "." + report.Body)));
        Assert.Equal(expected, report.Signature);

        // A second change is pushed too, and accepted at once.
        var op = await world.PersonAsync([Role.Operator], []);
        await op.StepOkAsync(caseId, "register", new { note = "Registered for the street team" });
        await UntilAsync(() => Task.FromResult(receiver.Accepted.Any(r => r.Json.GetProperty("action").GetString() == "register")), "the registration to be pushed");
        await UntilAllDeliveredAsync(ticketId, receiver);
        var registered = receiver.Accepted.Single(r => r.Json.GetProperty("action").GetString() == "register");
        Assert.Equal(("register", "registered"), (registered.Json.GetProperty("action").GetString(), registered.Json.GetProperty("state").GetString()));

        // Queued and sent again (a doubled delivery of either job): nothing more reaches the system.
        using (var scope = _server.App.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<HotlineQueueJob>().RunAsync(CancellationToken.None);
            var send = scope.ServiceProvider.GetRequiredService<HotlineSendJob>();
            foreach (var r in receiver.Accepted.ToList())
                await send.SendAsync(await KeyIdAsync(ticketId), long.Parse(r.Seq!), ticketId, CancellationToken.None);
        }
        var before = receiver.All.Count;
        // Nothing more arrives: a bounded poll that fails at the first extra request (the jobs poll every second).
        await EscalationCluster.AssertStaysAsync(() => Task.FromResult(receiver.All.Count), n => n == before, TimeSpan.FromSeconds(3),
            $"the {before} requests the callback had received");
        Assert.Equal(receiver.Accepted.Count, receiver.Accepted.Select(r => r.Seq).Distinct().Count());
        Assert.DoesNotContain(receiver.All, r => r.Json.GetProperty("ticketId").GetString() != ticketId);
        // The hotline system has its caller's details; a push never sends them back (nor anyone else's).
        Assert.DoesNotContain(receiver.All, r => r.Body.Contains("13800002222") || Privacy.ReporterPrivacyMatrixTests.Readable(r.Body).Contains("王五"));

        var view = JsonDocument.Parse(await hotline.GetStringAsync("/api/hotline/callback")).RootElement;
        Assert.Equal(receiver.Url, view.GetProperty("url").GetString());
        var deliveries = view.GetProperty("recentDeliveries").EnumerateArray().ToList();
        Assert.Equal(receiver.All.Count, deliveries.Sum(d => d.GetProperty("attempts").GetInt32()));
        Assert.All(deliveries, d => Assert.NotEqual(JsonValueKind.Null, d.GetProperty("deliveredAt").ValueKind));

        // The pull feed stays.
        var feed = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync("/api/hotline/feed?after=0&limit=1000"));
        Assert.Contains(feed.Items, i => i.TicketId == ticketId && i.Action == "register");
    }

    [Fact]
    public async Task A_push_still_failing_after_the_last_retry_is_failed_in_the_dashboard_and_stops()
    {
        var world = await TestWorld.CreateAsync(_server);
        var key = await IntakeHelpers.IssueKeyAsync(world, scope: "hotline");
        var hotline = System(key);
        await using var receiver = await Receiver.StartAsync(failFirst: int.MaxValue);
        Assert.Equal(HttpStatusCode.OK, (await hotline.PostAsJsonAsync("/api/hotline/callback", new { url = receiver.Url })).StatusCode);

        var ticketId = "F-" + Guid.NewGuid().ToString("N")[..10];
        await FileTicketAsync(world, hotline, ticketId);
        var keyId = await KeyIdAsync(ticketId);
        // One attempt and three retries, then failed: in our table and in Hangfire's.
        (DateTimeOffset? FailedAt, string? JobId, int Attempts) row = default;
        await UntilAsync(async () =>
        {
            await using var conn = await _server.Db.OpenConnectionAsync();
            row = await conn.QuerySingleOrDefaultAsync<(DateTimeOffset?, string?, int)>(
                "select failed_at, job_id, attempts from hotline_deliveries where api_key_id = @K and ticket_id = @T", new { K = keyId, T = ticketId });
            return row.FailedAt is not null;
        }, "the delivery to fail for good");
        Assert.Equal(4, row.Attempts);
        string? state = null;
        await UntilAsync(async () =>
        {
            await using var conn = await _server.Db.OpenConnectionAsync();
            state = await conn.QuerySingleAsync<string?>("select statename from hangfire.job where id = @Id", new { Id = long.Parse(row.JobId!) });
            return state == "Failed";
        }, "Hangfire to mark the send job failed", 20);

        // Retried by Hangfire with back-off: each retry scheduled its configured delay after the failure before it.
        await using (var conn = await _server.Db.OpenConnectionAsync())
        {
            var scheduled = await conn.QueryAsync<string>(
                "select data::text from hangfire.state where jobid = @Id and name = 'Scheduled' order by id", new { Id = long.Parse(row.JobId!) });
            // Hangfire (compatibility level 1.8) keeps the moments as Unix milliseconds.
            var delays = scheduled.Select(d => JsonDocument.Parse(d).RootElement).Select(d =>
                (long.Parse(d.GetProperty("EnqueueAt").GetString()!, CultureInfo.InvariantCulture)
                 - long.Parse(d.GetProperty("ScheduledAt").GetString()!, CultureInfo.InvariantCulture)) / 1000.0);
            Assert.Equal([1.0, 2.0, 4.0], delays);
        }

        var admin = await world.PersonAsync([Role.Admin], []);
        var failedPage = await admin.Client.GetStringAsync("/jobs/jobs/failed");
        Assert.Contains("Hotline push: change", failedPage);
        Assert.Contains(ticketId, failedPage);
        var view = JsonDocument.Parse(await hotline.GetStringAsync("/api/hotline/callback")).RootElement;
        var delivery = view.GetProperty("recentDeliveries").EnumerateArray().Single();
        Assert.Contains("HTTP 503", delivery.GetProperty("lastError").GetString());
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("failedAt").ValueKind);

        Assert.Equal(4, receiver.All.Count);
        await EscalationCluster.AssertStaysAsync(() => Task.FromResult(receiver.All.Count), n => n == 4, TimeSpan.FromSeconds(3),
            "four attempts and no more after the last retry");
    }

    [Fact]
    public async Task A_change_whose_transaction_commits_after_a_later_one_is_still_pushed_exactly_once()
    {
        var world = await TestWorld.CreateAsync(_server);
        var hotline = System(await IntakeHelpers.IssueKeyAsync(world, scope: "hotline"));
        await using var receiver = await Receiver.StartAsync(failFirst: 0);
        Assert.Equal(HttpStatusCode.OK, (await hotline.PostAsJsonAsync("/api/hotline/callback", new { url = receiver.Url })).StatusCode);
        var ticketId = "L-" + Guid.NewGuid().ToString("N")[..10];
        var caseId = await FileTicketAsync(world, hotline, ticketId);
        await UntilAllDeliveredAsync(ticketId, receiver);

        // Two changes of the ticket's case: A's transaction starts and writes first (lower seq) but
        // commits last; B's writes later and commits first.
        await using var connA = await _server.Db.OpenConnectionAsync();
        await using var txA = await connA.BeginTransactionAsync();
        var seqA = await InsertChangeAsync(connA, txA, caseId, "late_commit");
        long seqB;
        await using (var connB = await _server.Db.OpenConnectionAsync())
        await using (var txB = await connB.BeginTransactionAsync())
        {
            seqB = await InsertChangeAsync(connB, txB, caseId, "early_commit");
            await txB.CommitAsync();
        }
        Assert.True(seqB > seqA);

        // Queue rounds while A is still open (besides the job's own, every second): B has committed,
        // but taking it now would move the cursor past A's position.
        using (var scope = _server.App.Services.CreateScope())
        {
            var queue = scope.ServiceProvider.GetRequiredService<HotlineQueueJob>();
            await queue.RunAsync(CancellationToken.None);
            await queue.RunAsync(CancellationToken.None);
        }
        await using (var conn = await _server.Db.OpenConnectionAsync())
        {
            Assert.Equal(0L, await conn.QuerySingleAsync<long>(
                "select count(*) from hotline_deliveries where ticket_id = @T and seq = any(@Seqs)", new { T = ticketId, Seqs = new[] { seqA, seqB } }));
        }

        await txA.CommitAsync();
        await UntilAsync(() => Task.FromResult(receiver.Accepted.Count(r => r.Seq == seqA.ToString()) > 0 && receiver.Accepted.Count(r => r.Seq == seqB.ToString()) > 0),
            $"both changes to be pushed (received: {string.Join(", ", receiver.All.Select(r => r.Seq))}; A {seqA}, B {seqB})");
        using (var scope = _server.App.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<HotlineQueueJob>().RunAsync(CancellationToken.None);
        }
        await UntilAllDeliveredAsync(ticketId, receiver);
        var mine = receiver.Accepted.Where(r => r.Json.GetProperty("ticketId").GetString() == ticketId).ToList();
        Assert.Equal(1, mine.Count(r => r.Seq == seqA.ToString()));
        Assert.Equal(1, mine.Count(r => r.Seq == seqB.ToString()));
        Assert.Equal("late_commit", mine.Single(r => r.Seq == seqA.ToString()).Json.GetProperty("action").GetString());
        Assert.Equal(mine.Count, mine.Select(r => r.Seq).Distinct().Count());
    }

    // A change of the case as the lifecycle writes one (event row from the case row, NOTIFY at commit); its seq.
    private static async Task<long> InsertChangeAsync(Npgsql.NpgsqlConnection conn, Npgsql.NpgsqlTransaction tx, long caseId, string action)
    {
        await conn.ExecuteAsync(global::Grid.Server.Incidents.CaseRepository.InsertCaseEventSql,
            new { At = DateTimeOffset.UtcNow, Kind = "case_changed", Action = action, CaseId = caseId }, tx);
        return await conn.QuerySingleAsync<long>(
            "select max(seq) from case_events where case_id = @CaseId and payload->>'action' = @Action", new { CaseId = caseId, Action = action }, tx);
    }

    // Every change queued for the ticket delivered, and the receiver has accepted each.
    private async Task UntilAllDeliveredAsync(string ticketId, Receiver receiver) =>
        await UntilAsync(async () =>
        {
            await using var conn = await _server.Db.OpenConnectionAsync();
            var (queued, delivered) = await conn.QuerySingleAsync<(long, long)>(
                "select count(*), count(delivered_at) from hotline_deliveries where ticket_id = @T", new { T = ticketId });
            return queued > 0 && queued == delivered && receiver.Accepted.Count(r => r.Json.GetProperty("ticketId").GetString() == ticketId) == queued;
        }, $"every change of {ticketId} to be delivered (received: {string.Join(", ", receiver.All.Select(r => r.Seq + (r.Accepted ? "" : " refused")))})");

    // The key a ticket was pushed with, as recorded with the ticket.
    private async Task<long> KeyIdAsync(string ticketId)
    {
        await using var conn = await _server.Db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<long>("select api_key_id from hotline_tickets where external_id = @T", new { T = ticketId });
    }

    public sealed record Received(string Body, string? Signature, string? Timestamp, string? Seq, bool Accepted)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }

    /// <summary>The hotline system's end: answers 503 to the first <c>failFirst</c> requests, then 200.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private WebApplication _app = null!;
        private int _count;
        public ConcurrentQueue<Received> Log { get; } = new();
        public IReadOnlyList<Received> All => Log.ToList();
        public IReadOnlyList<Received> Accepted => Log.Where(r => r.Accepted).ToList();
        public string Url { get; private set; } = "";

        public static async Task<Receiver> StartAsync(int failFirst)
        {
            var receiver = new Receiver();
            var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0"]);
            builder.Logging.ClearProviders();
            var app = builder.Build();
            app.MapPost("/hook", async (HttpContext http) =>
            {
                using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
                var body = await reader.ReadToEndAsync();
                var accept = Interlocked.Increment(ref receiver._count) > failFirst;
                receiver.Log.Enqueue(new Received(body, http.Request.Headers["X-Grid-Signature"], http.Request.Headers["X-Grid-Timestamp"],
                    http.Request.Headers["X-Grid-Event-Seq"], accept));
                return accept ? Results.Ok() : Results.StatusCode(503);
            });
            await app.StartAsync();
            receiver._app = app;
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
