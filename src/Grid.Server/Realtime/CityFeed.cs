using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Realtime;

/// <summary>
/// This node's half of the real-time channel: one LISTEN connection on PostgreSQL channel
/// grid_events. On each NOTIFY (and every few seconds anyway) it reads the case_events rows after its
/// position whose transactions have ended (<see cref="EventRepository.StableRowsAfterSql"/>) and
/// offers them to the subscribers of this node. While committed rows wait for an older transaction
/// (which may write no event and so send no NOTIFY) it looks again within milliseconds. When the
/// connection drops it opens a new one, listens again and reads everything after its position, so a
/// lost notification only delays events, never loses them.
/// Fan-out: each event becomes one <see cref="SerializedHubMessage"/> (serialised once, on its first
/// write, whatever the number of connections), and the audience rule is judged once per group of
/// subscribers who follow the same thing (a street, a set of cells, the whole area); only the
/// personal part of the rule (my reports, my cases, my positions) is judged per subscriber.
/// </summary>
public sealed class CityFeed(CityConnections connections, EventRepository events, IConfiguration configuration,
    IOptions<RealtimeOptions> options, ILogger<CityFeed> log) : BackgroundService
{
    public const string Channel = "grid_events";
    private const int ReadPage = 1000;
    // While committed events wait for an older transaction, the listener looks again after 2 ms, doubling up to
    // HeldLastLook (a notification wakes it sooner). An older transaction that writes no event sends no
    // notification, so its end is seen only at the next look: 25 ms at most (100 ms until session 7, when the held
    // check still scanned case_events; it is one index probe now).
    private static readonly TimeSpan HeldFirstLook = TimeSpan.FromMilliseconds(2), HeldLastLook = TimeSpan.FromMilliseconds(25);

    private sealed record Group(Audience Audience, Subscriber[] Members);

    // Copy-on-write: (un)subscribing is rare and takes the lock; the listener reads the current
    // array once per batch without locking.
    private readonly Lock _membership = new();
    private readonly Dictionary<string, Subscriber> _subscribers = [];
    private volatile Group[] _groups = [];

    // Read and written by the listener loop only.
    private EventPosition? _position;
    // _position as other threads read it (the listener alone writes both).
    private volatile Box _read = new(EventPosition.Start);
    private sealed record Box(EventPosition Value);
    private long _lastSeq;
    private long _reconnects;

    /// <summary>The application_name of the LISTEN connection (tests find and kill it by this).</summary>
    public string ListenerName { get; } = $"gridcity-listen-{Guid.NewGuid():N}"[..30];
    public bool Listening { get; private set; }
    /// <summary>The seq of the last event this node's listener read (the order is by transaction, so not the highest seq).</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);
    /// <summary>
    /// Where this node's listener stands: every event at or before it was committed before the listener read it, so a
    /// database read that begins after this value was taken sees every one of them. It only grows.
    /// </summary>
    public EventPosition Position => _read.Value;
    public int Subscribers => _groups.Sum(g => g.Members.Length);
    /// <summary>Groups of subscribers that follow the same thing: the audience rule is judged once per group and event.</summary>
    public int AudienceGroups => _groups.Length;
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long Dropped => _groups.Sum(g => g.Members.Sum(s => s.Dropped));

    /// <summary>Starts (or restarts) the stream of one connection after <paramref name="afterSeq"/>; null means "from now".</summary>
    /// <param name="send">Where the stream goes when it is not a hub connection (a Blazor circuit on this node):
    /// ("event", <see cref="CityEvent"/>) and ("resync", <see cref="ResyncMessage"/>). Null: the hub connection
    /// <paramref name="connectionId"/>, written the shared serialised message.</param>
    public async Task<long> SubscribeAsync(string connectionId, Audience audience, long? afterSeq,
        Func<string, object, CancellationToken, Task>? send = null)
    {
        var from = afterSeq is { } seq
            ? await events.PositionOfAsync(seq) ?? throw new UnknownSeqException(seq)
            : await events.StableEndAsync();
        var sink = send is not null ? new Subscriber.Sink(null, send)
            : new Subscriber.Sink(connections.Find(connectionId) ?? throw new InvalidOperationException($"Connection {connectionId} is not open."), null);
        var subscriber = new Subscriber(connectionId, sink, audience, from, options.Value.QueueCapacity);
        // Registered before its catch-up reads the table: every batch the listener fans out after
        // this reaches it live; a batch fanned out before was read before, so the catch-up (whose
        // snapshot is newer) has it. The overlap is skipped by position.
        lock (_membership)
        {
            if (_subscribers.Remove(connectionId, out var old)) old.Stop();
            _subscribers[connectionId] = subscriber;
            Regroup();
        }
        _ = subscriber.Start(events, options.Value.MaxCatchUp, log);
        return from.Seq;
    }

    public void Unsubscribe(string connectionId)
    {
        lock (_membership)
        {
            if (!_subscribers.Remove(connectionId, out var s)) return;
            s.Stop();
            Regroup();
        }
    }

    private void Regroup() =>
        _groups = _subscribers.Values.GroupBy(s => s.Audience.GroupKey)
            .Select(g => new Group(g.First().Audience, g.ToArray())).ToArray();

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(options.Value.ReconnectSeconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await OpenListenerAsync(ct);
                // The reads go through EF on the listener's own connection (the context does not own it).
                await using var db = EventRepository.ContextOn(conn);
                if (_position is null)
                {
                    _position = await EventRepository.StableEndAsync(db, ct);
                    _read = new Box(_position.Value);
                    Interlocked.Exchange(ref _lastSeq, _position.Value.Seq);
                }
                Listening = true;
                delay = TimeSpan.FromSeconds(options.Value.ReconnectSeconds);
                var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
                var look = HeldFirstLook;
                while (!ct.IsCancellationRequested)
                {
                    // First pass: whatever was committed while we were not listening.
                    var held = await ReadNewAsync(db, ct);
                    look = held ? TimeSpan.FromTicks(Math.Min(look.Ticks * 2, HeldLastLook.Ticks)) : HeldFirstLook;
                    await conn.WaitAsync(held ? look : poll, ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Listening = false;
                Interlocked.Increment(ref _reconnects);
                log.LogWarning(ex, "LISTEN {Channel} connection lost; listening again in {Delay}", Channel, delay);
                try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task<NpgsqlConnection> OpenListenerAsync(CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Grid"))
        {
            ApplicationName = ListenerName, Pooling = false, KeepAlive = 10,
        };
        var conn = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
            await using var listen = new NpgsqlCommand($"listen {Channel}", conn);
            await listen.ExecuteNonQueryAsync(ct);
            return conn;
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    /// <summary>Offers every readable row after the position; true when committed rows still wait for an older transaction.</summary>
    private async Task<bool> ReadNewAsync(Data.GridDbContext db, CancellationToken ct)
    {
        while (true)
        {
            var rows = await EventRepository.ReadAfterAsync(db, _position!.Value, ReadPage, ct);
            // Taken after the read: see SubscribeAsync.
            var groups = _groups;
            foreach (var row in rows)
            {
                var message = row.ToMessage();
                var live = new LiveEvent(row, message, new SerializedHubMessage(new InvocationMessage("event", [message])));
                foreach (var group in groups)
                {
                    var all = group.Audience.MatchesShared(row);
                    foreach (var s in group.Members)
                    {
                        if (all || s.Audience.MatchesPersonal(row)) s.Offer(live);
                    }
                }
                _position = row.Position;
                _read = new Box(row.Position);
                Interlocked.Exchange(ref _lastSeq, row.Seq);
            }
            if (rows.Count < ReadPage) return await EventRepository.HeldBackAsync(db, ct);
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        lock (_membership)
        {
            foreach (var s in _subscribers.Values) s.Stop();
            _subscribers.Clear();
            Regroup();
        }
        await base.StopAsync(ct);
    }
}

/// <summary>A client asked to resume after a seq that is no event of this city.</summary>
public sealed class UnknownSeqException(long seq)
    : Exception($"There is no event {seq}; reload what you show and subscribe without 'afterSeq' to receive new events.");
