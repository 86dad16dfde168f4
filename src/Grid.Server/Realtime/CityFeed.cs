using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Realtime;

/// <summary>
/// This node's half of the real-time channel: one LISTEN connection on PostgreSQL channel
/// grid_events. On each NOTIFY (and every few seconds anyway) it reads the case_events rows after its
/// position whose transactions have ended (<see cref="EventRepository.StableRowsAfterSql"/>) and
/// offers them to every subscriber of this node. While committed rows wait for an older transaction
/// (which may write no event and so send no NOTIFY) it looks again within milliseconds. When the
/// connection drops it opens a new one, listens again and reads everything after its position, so a
/// lost notification only delays events, never loses them.
/// </summary>
public sealed class CityFeed(IHubContext<CityHub> hub, EventRepository events, IConfiguration configuration,
    IOptions<RealtimeOptions> options, ILogger<CityFeed> log) : BackgroundService
{
    public const string Channel = "grid_events";
    private const int ReadPage = 1000;
    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new();
    private static readonly TimeSpan HeldFirstLook = TimeSpan.FromMilliseconds(2), HeldLastLook = TimeSpan.FromMilliseconds(100);
    // Read and written by the listener loop only.
    private EventPosition? _position;
    private long _lastSeq;
    private long _notifications;
    private long _reconnects;

    /// <summary>The application_name of the LISTEN connection (tests find and kill it by this).</summary>
    public string ListenerName { get; } = $"gridcity-listen-{Guid.NewGuid():N}"[..30];
    public bool Listening { get; private set; }
    /// <summary>The seq of the last event this node's listener read (the order is by transaction, so not the highest seq).</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);
    public int Subscribers => _subscribers.Count;
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long Dropped => _subscribers.Values.Sum(s => s.Dropped);

    /// <summary>Starts (or restarts) the stream of one connection after <paramref name="afterSeq"/>; null means "from now".</summary>
    public async Task<long> SubscribeAsync(string connectionId, Audience audience, long? afterSeq)
    {
        var from = afterSeq is { } seq
            ? await events.PositionOfAsync(seq) ?? throw new UnknownSeqException(seq)
            : await events.StableEndAsync();
        var subscriber = new Subscriber(connectionId, audience, from, options.Value.QueueCapacity);
        // Registered before its catch-up reads the table: every row the listener reads later reaches
        // it live, every earlier one through the catch-up (whose snapshot is newer than the
        // listener's read); the overlap is skipped by position.
        if (_subscribers.TryRemove(connectionId, out var old)) old.Stop();
        _subscribers[connectionId] = subscriber;
        _ = subscriber.Start(hub.Clients, events, options.Value.MaxCatchUp, log);
        return from.Seq;
    }

    public void Unsubscribe(string connectionId)
    {
        if (_subscribers.TryRemove(connectionId, out var s)) s.Stop();
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(options.Value.ReconnectSeconds);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var conn = await OpenListenerAsync(ct);
                if (_position is null)
                {
                    _position = await EventRepository.StableEndAsync(conn, ct);
                    Interlocked.Exchange(ref _lastSeq, _position.Value.Seq);
                }
                Listening = true;
                delay = TimeSpan.FromSeconds(options.Value.ReconnectSeconds);
                var poll = TimeSpan.FromSeconds(options.Value.PollSeconds);
                var look = HeldFirstLook;
                while (!ct.IsCancellationRequested)
                {
                    // First pass: whatever was committed while we were not listening.
                    var held = await ReadNewAsync(conn, ct);
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
            conn.Notification += (_, _) => Interlocked.Increment(ref _notifications);
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
    private async Task<bool> ReadNewAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        while (true)
        {
            var rows = await EventRepository.ReadAfterAsync(conn, _position!.Value, ReadPage, ct);
            foreach (var row in rows)
            {
                var live = new LiveEvent(row, row.ToMessage());
                foreach (var s in _subscribers.Values) s.Offer(live);
                _position = row.Position;
                Interlocked.Exchange(ref _lastSeq, row.Seq);
            }
            if (rows.Count < ReadPage) return await EventRepository.HeldBackAsync(conn, ct);
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        foreach (var id in _subscribers.Keys) Unsubscribe(id);
        await base.StopAsync(ct);
    }
}

/// <summary>A client asked to resume after a seq that is no event of this city.</summary>
public sealed class UnknownSeqException(long seq)
    : Exception($"There is no event {seq}; reload what you show and subscribe without 'afterSeq' to receive new events.");
