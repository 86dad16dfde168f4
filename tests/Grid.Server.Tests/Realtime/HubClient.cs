using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Realtime;

/// <summary>What the hub sent, as the npm client printed it.</summary>
public sealed record HubEvent(string Type, long Seq, DateTimeOffset At, string Kind, long? CaseId, string? CellCode, Guid? PersonId,
    JsonElement Payload, string? Follows, long FromSeq, string? Message, long LastSeq);

/// <summary>
/// A real SignalR client of /hubs/city: the npm @microsoft/signalr package run by Node
/// (Realtime/hubclient/hubclient.mjs), one process per connection, read line by line.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    private readonly Process _node;
    private readonly ConcurrentQueue<HubEvent> _received = new();
    private readonly TaskCompletionSource<HubEvent> _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _stderr = new();

    private HubClient(Process node)
    {
        _node = node;
        node.OutputDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            var msg = JsonSerializer.Deserialize<HubEvent>(e.Data, TestWorld.Json)!;
            if (msg.Type is "subscribed" or "error") _subscribed.TrySetResult(msg);
            else _received.Enqueue(msg);
        };
        node.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
    }

    public HubEvent Subscription { get; private set; } = null!;

    /// <summary>The server closed the connection (the client printed "closed" and exited).</summary>
    public bool HasClosed => _received.Any(e => e.Type == "closed") || _node.HasExited;

    /// <summary>Events received so far, in arrival order.</summary>
    public IReadOnlyList<HubEvent> Events => _received.Where(e => e.Type == "event").ToList();

    public static string Folder { get; } = FindFolder();

    /// <summary>Signs in as <paramref name="username"/> on <paramref name="server"/>, connects and subscribes.</summary>
    public static async Task<HubClient> ConnectAsync(TestServer server, string username, long? afterSeq = null, string? street = null)
    {
        var client = await StartAsync(server, await CookieAsync(server, username), afterSeq, street);
        if (client.Subscription.Type != "subscribed")
            throw new InvalidOperationException($"Subscribe failed: {client.Subscription.Message}");
        return client;
    }

    public static async Task<HubClient> StartAsync(TestServer server, string cookie, long? afterSeq, string? street)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "hubclient.mjs", server.BaseAddress.ToString(), cookie, afterSeq?.ToString() ?? "none", street ?? "" })
            info.ArgumentList.Add(a);
        var client = new HubClient(Process.Start(info)!);
        client._node.BeginOutputReadLine();
        client._node.BeginErrorReadLine();
        var done = await Task.WhenAny(client._subscribed.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        if (done != client._subscribed.Task)
        {
            await client.DisposeAsync();
            throw new TimeoutException($"The hub client did not subscribe within 20 s. stderr: {string.Join('\n', client._stderr)}");
        }
        client.Subscription = await client._subscribed.Task;
        return client;
    }

    /// <summary>Waits (polling, up to 10 s) until the received events satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<HubEvent>> WaitForAsync(Func<IReadOnlyList<HubEvent>, bool> done, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            var events = Events;
            if (done(events)) return events;
            await Task.Delay(25);
        }
        throw new TimeoutException($"Timed out waiting for {what}. Received: {string.Join(", ", Events.Select(e => $"{e.Seq}:{e.Kind}:{e.CaseId}"))}. stderr: {string.Join('\n', _stderr)}");
    }

    public Task<IReadOnlyList<HubEvent>> WaitForCaseAsync(long caseId, string state) =>
        WaitForAsync(es => es.Any(e => e.CaseId == caseId && e.Payload.GetProperty("state").GetString() == state), $"case {caseId} {state}");

    /// <summary>Disconnects cleanly (the client says goodbye) and waits for the process to end.</summary>
    public async Task QuitAsync()
    {
        if (_node.HasExited) return;
        await _node.StandardInput.WriteLineAsync("quit");
        await _node.StandardInput.FlushAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _node.WaitForExitAsync(cts.Token);
    }

    /// <summary>The auth cookie of a fresh sign-in, as a Cookie header value.</summary>
    public static async Task<string> CookieAsync(TestServer server, string username)
    {
        using var http = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = server.BaseAddress };
        var response = await http.PostAsJsonAsync("/api/auth/login", new { username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var setCookie = response.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("gridcity.auth=", StringComparison.Ordinal));
        return setCookie.Split(';')[0];
    }

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Grid.Server.Tests", "Realtime", "hubclient");
            if (File.Exists(Path.Combine(candidate, "hubclient.mjs"))) return candidate;
        }
        throw new InvalidOperationException("tests/Grid.Server.Tests/Realtime/hubclient not found above " + AppContext.BaseDirectory);
    }

    public async ValueTask DisposeAsync()
    {
        try { await QuitAsync(); }
        catch (Exception) when (!_node.HasExited) { _node.Kill(entireProcessTree: true); }
        catch (Exception) { }
        _node.Dispose();
    }
}
