// A browserless Blazor Server circuit: what blazor.web.js (.NET 10) does towards the server for one page, without a
// browser. It GETs the page with the operator's cookie, reads the prerendered server-component markers and the
// persisted component state, opens /_blazor over WebSocket with the "blazorpack" hub protocol (MessagePack), calls
// StartCircuit and UpdateRootComponents as blazor.web.js does, acknowledges every render batch (OnRenderCompleted) and
// answers every JS interop call with success, so the server runs the same circuit, the same renders and the same
// interop round trips as for a browser. The server cannot tell it apart from a browser that draws nothing.
//
// What it leaves out is the drawing: the batches are counted and searched for case numbers, not applied to a DOM.
// Where the server asks the browser for a value (window size, an element's rect, ...) it answers what a real Chromium
// page of the same run answered, and the calls a browser makes on its own while the page loads are made too with the
// browser's arguments: Blazor's Virtualize asks the server for rows only when its IntersectionObserver reports the
// scroll container (OnSpacerBeforeVisible). Both are learnt from that page's hub traffic (HubFrames, BrowserScript).
using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GridBench;

/// <summary>A JS-to-.NET call a real browser made on its own (not as the answer to a call), to be played the same way.</summary>
/// <param name="AfterJs">The JS function whose call makes the browser send it (e.g. "Blazor._internal.Virtualize.init").</param>
/// <param name="Method">The [JSInvokable] method the browser called on the .NET object passed to that JS function.</param>
/// <param name="ArgsJson">The arguments the browser sent, as it sent them.</param>
public sealed record BrowserCallback(string AfterJs, string Method, string ArgsJson);

/// <summary>
/// What a real browser did on the same page: its own JS-to-.NET calls, and its answer to each JS function the server
/// called (as JSON; functions it was never asked are answered with null, object references get a fresh id).
/// </summary>
public sealed record BrowserScript(IReadOnlyList<BrowserCallback> Callbacks, IReadOnlyDictionary<string, string> Answers)
{
    public static BrowserScript None { get; } = new([], new Dictionary<string, string>());
}

public sealed partial class BlazorCircuitClient : IAsyncDisposable
{
    private readonly HubConnection _hub;
    private HttpClient? _http;
    private readonly BrowserScript _script;
    // The browser's callbacks still to make, per .NET object, each after the render batch that follows the one before
    // (the browser's observer fires when a batch has changed the page).
    private readonly Queue<(long Target, BrowserCallback Callback)> _pendingCallbacks = new();
    private bool _callbackInFlight;
    private long _nextJsObjectId = 1;
    private long _nextCallId = 1;
    private long _batches, _batchBytes, _jsCalls;
    private long _lastMessageTicks = Stopwatch.GetTimestamp();
    private readonly ConcurrentDictionary<string, long> _seen = new();
    private readonly ConcurrentDictionary<string, int> _jsCounts = new();

    /// <summary>Render batches received and acknowledged.</summary>
    public long Batches => Interlocked.Read(ref _batches);
    public long BatchBytes => Interlocked.Read(ref _batchBytes);
    /// <summary>JS interop calls the server made and this client answered.</summary>
    public long JsCalls => Interlocked.Read(ref _jsCalls);
    /// <summary>JS interop calls by identifier (for the trace).</summary>
    public IReadOnlyDictionary<string, int> JsCounts => _jsCounts;
    /// <summary>The first moment (Unix ms) each case number appeared in a render batch.</summary>
    public IReadOnlyDictionary<string, long> Seen => _seen;
    /// <summary>What the server reported (JS.Error) or why the connection closed, if it did.</summary>
    public string? Error { get; private set; }
    public string? CircuitId { get; private set; }
    public bool Closed { get; private set; }
    /// <summary>Time since the last message from the server.</summary>
    public TimeSpan Quiet => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastMessageTicks));
    /// <summary>Writes each hub message's gist when set (the bench's --trace).</summary>
    public Action<string>? Trace { get; set; }

    private BlazorCircuitClient(HubConnection hub, BrowserScript script)
    {
        _hub = hub;
        _script = script;
    }

    /// <summary>
    /// Loads <paramref name="path"/> as a browser would (the cookie container carries the operator's sign-in) and
    /// starts its circuit. Returns once the server accepted the circuit and its root components.
    /// </summary>
    public static async Task<BlazorCircuitClient> OpenAsync(HttpClient http, CookieContainer cookies, string path,
        BrowserScript script, Action<string>? trace = null, CancellationToken ct = default)
    {
        var baseUri = http.BaseAddress!;
        using var res = await http.GetAsync(path, ct);
        res.EnsureSuccessStatusCode();
        var finalPath = res.RequestMessage?.RequestUri?.AbsolutePath;
        if (finalPath is not null && !string.Equals(finalPath, new Uri(baseUri, path).AbsolutePath, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"GET {path} ended at {finalPath} (not signed in?)");
        var html = await res.Content.ReadAsStringAsync(ct);
        var page = PrerenderedPage.Parse(html);
        if (page.ServerComponents.Count == 0) throw new InvalidOperationException($"GET {path}: no server component markers in the page");

        var builder = new HubConnectionBuilder()
            .WithUrl(new Uri(baseUri, "_blazor"), o =>
            {
                o.Cookies = cookies;
                o.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.WebSockets;
            })
            .WithServerTimeout(TimeSpan.FromSeconds(120));
        // The builder registers the JSON protocol; the component hub accepts only blazorpack (as blazor.web.js uses).
        builder.Services.RemoveAll<IHubProtocol>();
        builder.Services.AddSingleton<IHubProtocol>(new BlazorPackHubProtocol());
        var hub = builder.Build();
        var client = new BlazorCircuitClient(hub, script) { Trace = trace, _http = http };
        client.Wire();
        await hub.StartAsync(ct);

        // As blazor.web.js: StartCircuit with no initial components (the web root component manager adds them
        // afterwards) and the persisted state, then the first UpdateRootComponents with an "add" per server marker.
        var pageUri = new Uri(baseUri, path).ToString();
        client.CircuitId = await hub.InvokeAsync<string?>("StartCircuit", baseUri.ToString(), pageUri, "[]", page.State ?? "", ct);
        if (client.CircuitId is null)
            throw new InvalidOperationException($"StartCircuit refused: {client.Error ?? "no circuit id"}");
        var operations = new JsonArray();
        var ssrId = 1;
        foreach (var marker in page.ServerComponents)
            operations.Add(new JsonObject { ["type"] = "add", ["ssrComponentId"] = ssrId++, ["marker"] = marker.DeepClone() });
        var batch = new JsonObject { ["batchId"] = 1, ["operations"] = operations };
        await hub.SendAsync("UpdateRootComponents", batch.ToJsonString(), page.State ?? "", ct);
        return client;
    }

    private void Wire()
    {
        _hub.Closed += ex =>
        {
            Closed = true;
            Error ??= ex?.Message ?? "closed";
            return Task.CompletedTask;
        };
        _hub.On("JS.Error", [typeof(string)], args =>
        {
            Touch();
            Error = args[0] as string ?? "JS.Error";
            Trace?.Invoke($"JS.Error {Error}");
            return Task.CompletedTask;
        });
        _hub.On("JS.RenderBatch", [typeof(long), typeof(byte[])], args => OnRenderBatchAsync((long)args[0]!, (byte[])args[1]!));
        // taskId, identifier, argsJson, resultType, targetInstanceId, callType (.NET 10's blazor.web.js takes the same six).
        _hub.On("JS.BeginInvokeJS", [typeof(long), typeof(string), typeof(string), typeof(int), typeof(long), typeof(int)],
            args => OnBeginInvokeJSAsync((long)args[0]!, (string)args[1]!, args[2] as string, (int)args[3]!, (long)args[4]!));
        _hub.On("JS.EndUpdateRootComponents", [typeof(long)], args =>
        {
            Touch();
            Trace?.Invoke($"JS.EndUpdateRootComponents {args[0]}");
            return Task.CompletedTask;
        });
        _hub.On("JS.EndInvokeDotNet", [typeof(string), typeof(bool), typeof(string)], args =>
        {
            Touch();
            Trace?.Invoke($"JS.EndInvokeDotNet {args[0]} {args[1]} {Cut(args[2] as string)}");
            return Task.CompletedTask;
        });
    }

    private void Touch() => Interlocked.Exchange(ref _lastMessageTicks, Stopwatch.GetTimestamp());

    private async Task OnRenderBatchAsync(long batchId, byte[] data)
    {
        Touch();
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batchBytes, data.Length);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // A batch carries its texts as UTF-8 in a string table: a case number in it is a case number the page shows.
        foreach (var no in CaseNumbers(data)) _seen.TryAdd(no, now);
        Trace?.Invoke($"JS.RenderBatch {batchId} ({data.Length} bytes)");
        // As the browser after applying it. Batches come in order over one connection, so acknowledging each as it
        // arrives is what a browser that applies them instantly would do.
        await _hub.SendAsync("OnRenderCompleted", batchId, (string?)null);
        await NextCallbackAsync(afterBatch: true);
    }

    /// <summary>Makes the next of the browser's own calls: the first at once, each further one after a render batch.</summary>
    private async Task NextCallbackAsync(bool afterBatch)
    {
        (long Target, BrowserCallback Callback) next;
        lock (_pendingCallbacks)
        {
            if (_callbackInFlight && !afterBatch) return;
            if (!_pendingCallbacks.TryDequeue(out next)) { _callbackInFlight = false; return; }
            _callbackInFlight = true;
        }
        var callId = Interlocked.Increment(ref _nextCallId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        Trace?.Invoke($"BeginInvokeDotNetFromJS {callId} {next.Callback.Method} on {next.Target}: {next.Callback.ArgsJson}");
        await _hub.SendAsync("BeginInvokeDotNetFromJS", callId, (string?)null, next.Callback.Method, next.Target, next.Callback.ArgsJson);
    }

    private async Task OnBeginInvokeJSAsync(long taskId, string identifier, string? argsJson, int resultType, long targetInstanceId)
    {
        Touch();
        Interlocked.Increment(ref _jsCalls);
        _jsCounts.AddOrUpdate(identifier, 1, (_, n) => n + 1);
        Trace?.Invoke($"JS.BeginInvokeJS {taskId} {identifier} on {targetInstanceId} result {resultType}: {Cut(argsJson)}");
        // JSCallResultType: 0 Default (the value: what the browser answered), 1 JSObjectReference (a fresh id, as the
        // browser's object table gives), 2 JSStreamReference (not used by these pages), 3 JSVoidResult (null).
        string result = resultType switch
        {
            1 => $"{{\"__jsObjectId\":{Interlocked.Increment(ref _nextJsObjectId)}}}",
            0 => _script.Answers.GetValueOrDefault(identifier, "null"),
            _ => "null",
        };
        if (taskId != 0)
            await _hub.SendAsync("EndInvokeJSFromDotNet", taskId, true, $"[{taskId},true,{result}]");

        // The browser's own calls that this JS call sets off (the Virtualize observer's spacer callbacks).
        var target = DotNetObjectIn(argsJson);
        if (target is null) return;
        var any = false;
        lock (_pendingCallbacks)
        {
            foreach (var cb in _script.Callbacks.Where(c => string.Equals(c.AfterJs, identifier, StringComparison.Ordinal)))
            {
                _pendingCallbacks.Enqueue((target.Value, cb));
                any = true;
            }
        }
        if (any) await NextCallbackAsync(afterBatch: false);
    }

    /// <summary>The first DotNetObjectReference among a JS call's arguments ({"__dotNetObject":id}).</summary>
    private static long? DotNetObjectIn(string? argsJson)
    {
        if (argsJson is null) return null;
        var m = DotNetObjectRegex().Match(argsJson);
        return m.Success ? long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex("\"__dotNetObject\"\\s*:\\s*(\\d+)")]
    private static partial Regex DotNetObjectRegex();

    /// <summary>Runs of 14 to 16 ASCII digits (GridCity's case numbers: the day and six digits of the sequence, more
    /// past its millionth case) in a render batch.</summary>
    public static IEnumerable<string> CaseNumbers(byte[] data)
    {
        var run = 0;
        for (var i = 0; i <= data.Length; i++)
        {
            if (i < data.Length && data[i] >= (byte)'0' && data[i] <= (byte)'9') { run++; continue; }
            if (run is >= 14 and <= 16) yield return Encoding.ASCII.GetString(data, i - run, run);
            run = 0;
        }
    }

    private static string Cut(string? s) => s is null ? "null" : s.Length <= 160 ? s : s[..160] + "...";

    /// <summary>Closes the page as a browser does: the connection ends and the disconnect beacon lets the server
    /// drop the circuit at once instead of keeping it for a reconnect.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _hub.DisposeAsync();
            if (_http is not null && CircuitId is not null)
            {
                using var form = new MultipartFormDataContent { { new StringContent(CircuitId), "circuitId" } };
                using var _ = await _http.PostAsync("_blazor/disconnect", form);
            }
        }
        catch (Exception) { /* the server may have gone first */ }
    }
}

/// <summary>What blazor.web.js reads from a prerendered page: the server component markers and the persisted state.</summary>
public sealed partial record PrerenderedPage(IReadOnlyList<JsonObject> ServerComponents, string? State)
{
    public static PrerenderedPage Parse(string html)
    {
        var markers = new List<JsonObject>();
        foreach (Match m in MarkerRegex().Matches(html))
        {
            if (JsonNode.Parse(m.Groups[1].Value) is not JsonObject o) continue;
            if (o["type"]?.GetValue<string>() != "server") continue; // an end marker ({"prerenderId":...}) or another kind
            markers.Add(o);
        }
        // blazor.web.js orders server components by their sequence and numbers every discovered component (uniqueId).
        var ordered = markers.OrderBy(o => o["sequence"]?.GetValue<int>() ?? 0).ToList();
        for (var i = 0; i < ordered.Count; i++) ordered[i]["uniqueId"] = i;
        var state = StateRegex().Match(html);
        return new PrerenderedPage(ordered, state.Success ? state.Groups[1].Value : null);
    }

    [GeneratedRegex(@"<!--Blazor:(\{.*?\})-->", RegexOptions.Singleline)]
    private static partial Regex MarkerRegex();

    [GeneratedRegex(@"<!--\s*Blazor-Server-Component-State:([A-Za-z0-9+/=]+)\s*-->")]
    private static partial Regex StateRegex();
}

/// <summary>The component hub's protocol: SignalR's MessagePack protocol under the name the server accepts.</summary>
public sealed class BlazorPackHubProtocol : IHubProtocol
{
    private readonly MessagePackHubProtocol _inner = new();
    public string Name => "blazorpack";
    public int Version => _inner.Version;
    public TransferFormat TransferFormat => TransferFormat.Binary;
    public bool IsVersionSupported(int version) => _inner.IsVersionSupported(version);
    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
        _inner.TryParseMessage(ref input, binder, out message);
    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => _inner.WriteMessage(message, output);
    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => _inner.GetMessageBytes(message);
}
