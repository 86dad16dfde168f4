using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Realtime;

/// <summary>
/// This node's half of the real-time channel: one LISTEN connection on PostgreSQL channel
/// grid_events. On each NOTIFY (and every few seconds anyway) it reads the new case_events rows by
/// seq and offers them to every subscriber of this node. When the connection drops it opens a new
/// one, listens again and reads everything after the last seq it saw, so a lost notification only
/// delays events, never loses them.
/// </summary>
public sealed class CityFeed(IHubContext<CityHub> hub, EventRepository events, IConfiguration configuration,
    IOptions<RealtimeOptions> options, ILogger<CityFeed> log) : BackgroundService
{
    public const string Channel = "grid_events";
    private const int ReadPage = 1000;
    private readonly ConcurrentDictionary<string, Subscriber> _subscribers = new();
    private long _lastSeq = -1;
    private long _notifications;
    private long _reconnects;

    /// <summary>The application_name of the LISTEN connection (tests find and kill it by this).</summary>
    public string ListenerName { get; } = $"gridcity-listen-{Guid.NewGuid():N}"[..30];
    public bool Listening { get; private set; }
    public long LastSeq => Interlocked.Read(ref _lastSeq);
    public int Subscribers => _subscribers.Count;
    public long Reconnects => Interlocked.Read(ref _reconnects);
    public long Dropped => _subscribers.Values.Sum(s => s.Dropped);

    /// <summary>Starts (or restarts) the stream of one connection after <paramref name="afterSeq"/>; null means "from now".</summary>
    /// <param name="send">Where the stream goes; null: the hub connection <paramref name="connectionId"/>.</param>
    public async Task<long> SubscribeAsync(string connectionId, Audience audience, long? afterSeq,
        Func<string, object, CancellationToken, Task>? send = null)
    {
        send ??= (method, message, ct) => hub.Clients.Client(connectionId).SendAsync(method, message, ct);
        var from = afterSeq ?? await events.LastSeqAsync();
        var subscriber = new Subscriber(connectionId, audience, from, catchUp: afterSeq is not null, options.Value.QueueCapacity);
        // Registered before its catch-up reads the table: every later row reaches it live, every
        // earlier one through the catch-up; the overlap is skipped by seq.
        if (_subscribers.TryRemove(connectionId, out var old)) old.Stop();
        _subscribers[connectionId] = subscriber;
        _ = subscriber.Start(send, events, options.Value.MaxCatchUp, log);
        return from;
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
                if (_lastSeq < 0) Interlocked.Exchange(ref _lastSeq, await EventRepository.LastSeqAsync(conn, ct));
                Listening = true;
                delay = TimeSpan.FromSeconds(options.Value.ReconnectSeconds);
                // Whatever was committed while we were not listening.
                await ReadNewAsync(conn, ct);
                while (!ct.IsCancellationRequested)
                {
                    await conn.WaitAsync(TimeSpan.FromSeconds(options.Value.PollSeconds), ct);
                    await ReadNewAsync(conn, ct);
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

    private async Task ReadNewAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        while (true)
        {
            var rows = await EventRepository.ReadAfterAsync(conn, LastSeq, ReadPage, ct);
            foreach (var row in rows)
            {
                var live = new LiveEvent(row, row.ToMessage());
                foreach (var s in _subscribers.Values) s.Offer(live);
                Interlocked.Exchange(ref _lastSeq, row.Seq);
            }
            if (rows.Count < ReadPage) return;
        }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        foreach (var id in _subscribers.Keys) Unsubscribe(id);
        await base.StopAsync(ct);
    }
}
