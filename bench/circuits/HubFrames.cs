// Reads the component hub's traffic of a real Chromium page (Playwright's WebSocket frames, blazorpack = MessagePack)
// to learn which JS-to-.NET calls the browser makes on its own: the Virtualize observer's spacer callbacks and any
// listener that reports the window, each after the JS call that handed it its DotNetObjectReference. The browserless
// circuits then make the same calls with the same arguments (GridBench.BrowserCallback).
using System.Buffers;
using System.Text.RegularExpressions;
using MessagePack;

namespace GridBench;

public sealed partial class HubFrames
{
    private readonly object _gate = new();
    // dotNetObjectId -> the JS function it was handed to.
    private readonly Dictionary<long, string> _handedTo = [];
    private readonly List<BrowserCallback> _callbacks = [];
    // taskId -> JS function of the calls the server made, and the first answer the browser gave each function.
    private readonly Dictionary<long, string> _tasks = [];
    private readonly Dictionary<string, string> _answers = [];
    private readonly List<string> _log = [];

    /// <summary>The browser's own JS-to-.NET calls so far, in order, each with the JS call that set it up.</summary>
    public IReadOnlyList<BrowserCallback> Callbacks { get { lock (_gate) return _callbacks.ToList(); } }

    /// <summary>What the browser answered each JS function the server called (its first answer, as JSON).</summary>
    public IReadOnlyDictionary<string, string> Answers { get { lock (_gate) return new Dictionary<string, string>(_answers); } }

    /// <summary>What a browserless circuit plays: the browser's own calls and its answers.</summary>
    public BrowserScript Script => new(Callbacks, Answers);

    /// <summary>One line per hub call seen (for --trace).</summary>
    public IReadOnlyList<string> Log { get { lock (_gate) return _log.ToList(); } }

    public void Received(byte[]? frame) => Read(frame, sent: false);

    public void Sent(byte[]? frame) => Read(frame, sent: true);

    private void Read(byte[]? frame, bool sent)
    {
        if (frame is null || frame.Length == 0 || frame[0] == (byte)'{') return; // the JSON handshake
        try
        {
            var seq = new ReadOnlySequence<byte>(frame);
            while (seq.Length > 0)
            {
                // Each message: its length as a 7-bit varint, then the MessagePack array.
                long length = 0;
                var shift = 0;
                var consumed = 0;
                var span = seq.FirstSpan.Length >= 5 ? seq.FirstSpan : seq.Slice(0, Math.Min(5, seq.Length)).ToArray();
                byte b;
                do
                {
                    b = span[consumed++];
                    length |= (long)(b & 0x7f) << shift;
                    shift += 7;
                } while ((b & 0x80) != 0);
                var body = seq.Slice(consumed, length);
                seq = seq.Slice(consumed + length);
                Message(new MessagePackReader(body), sent);
            }
        }
        catch (Exception ex)
        {
            lock (_gate) _log.Add($"(unreadable frame: {ex.Message})");
        }
    }

    private void Message(MessagePackReader r, bool sent)
    {
        var count = r.ReadArrayHeader();
        var type = r.ReadInt32();
        if (type != 1 || count < 5) return; // only invocations
        r.Skip(); // headers
        r.Skip(); // invocation id
        var target = r.ReadString();
        var argCount = r.ReadArrayHeader();
        if (!sent && target == "JS.BeginInvokeJS" && argCount >= 5)
        {
            var taskId = r.ReadInt64();
            var identifier = r.ReadString() ?? "";
            var argsJson = r.TryReadNil() ? null : r.ReadString();
            lock (_gate)
            {
                if (taskId != 0) _tasks[taskId] = identifier;
                _log.Add($"<- JS.BeginInvokeJS {identifier} {Cut(argsJson)}");
                if (argsJson is not null)
                    foreach (Match m in DotNetObjectRegex().Matches(argsJson)) _handedTo.TryAdd(long.Parse(m.Groups[1].Value), identifier);
            }
        }
        else if (sent && target == "BeginInvokeDotNetFromJS" && argCount >= 5)
        {
            r.Skip(); // call id
            r.Skip(); // assembly (null for an instance method)
            var method = r.ReadString() ?? "";
            var objectId = r.ReadInt64();
            var argsJson = r.TryReadNil() ? "[]" : r.ReadString() ?? "[]";
            lock (_gate)
            {
                _log.Add($"-> BeginInvokeDotNetFromJS {method} on {objectId}: {Cut(argsJson)}");
                if (objectId != 0 && _handedTo.TryGetValue(objectId, out var js)) _callbacks.Add(new BrowserCallback(js, method, argsJson));
            }
        }
        else if (sent && target == "EndInvokeJSFromDotNet" && argCount >= 3)
        {
            var taskId = r.ReadInt64();
            var succeeded = r.ReadBoolean();
            var json = r.TryReadNil() ? null : r.ReadString();
            lock (_gate)
            {
                var identifier = _tasks.GetValueOrDefault(taskId, "?");
                _log.Add($"-> EndInvokeJSFromDotNet {taskId} ({identifier}) {succeeded}: {Cut(json)}");
                if (succeeded && json is not null && !_answers.ContainsKey(identifier))
                {
                    // [taskId, true, result]
                    using var doc = System.Text.Json.JsonDocument.Parse(json);
                    if (doc.RootElement.GetArrayLength() >= 3) _answers[identifier] = doc.RootElement[2].GetRawText();
                }
            }
        }
        else
        {
            lock (_gate) _log.Add($"{(sent ? "->" : "<-")} {target}");
        }
    }

    private static string Cut(string? s) => s is null ? "null" : s.Length <= 200 ? s : s[..200] + "...";

    [GeneratedRegex("\"__dotNetObject\"\\s*:\\s*(\\d+)")]
    private static partial Regex DotNetObjectRegex();
}
