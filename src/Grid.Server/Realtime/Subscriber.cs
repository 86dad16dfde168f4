using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;

namespace Grid.Server.Realtime;

/// <summary>
/// One hub connection's stream. The node's listener offers it live events without ever waiting
/// (a bounded queue); a single pump per connection sends them in seq order. When the queue is full
/// (a slow client) the listener drops the event and marks the stream; the pump then reads what the
/// client has not got from case_events instead. So a slow client only delays itself, and nothing is
/// lost or sent twice: the pump skips every event at or before the position of the last one it delivered.
/// </summary>
public sealed class Subscriber
{
    private const int CatchUpPage = 500;

    private readonly Channel<LiveEvent> _queue;
    private readonly CancellationTokenSource _stop = new();
    private int _needsCatchUp = 1;
    // Written and read by the pump only.
    private EventPosition _delivered;
    private long _deliveredSeq;

    /// <summary>A stream that first catches up from the table after <paramref name="deliveredUpTo"/>, then goes live.</summary>
    public Subscriber(string connectionId, Audience audience, EventPosition deliveredUpTo, int queueCapacity)
    {
        _queue = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(queueCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        ConnectionId = connectionId;
        Audience = audience;
        _delivered = deliveredUpTo;
        _deliveredSeq = deliveredUpTo.Seq;
    }

    public string ConnectionId { get; }
    public Audience Audience { get; }
    /// <summary>The seq of the last event sent.</summary>
    public long Delivered => Interlocked.Read(ref _deliveredSeq);
    private long _dropped;
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Called by the listener for every event; never blocks.</summary>
    public void Offer(LiveEvent e)
    {
        if (!Audience.Matches(e.Row)) return;
        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _dropped);
            // The queue is full, so the pump has work and will see the flag after its current send.
            Interlocked.Exchange(ref _needsCatchUp, 1);
        }
    }

    public Task Start(IHubClients clients, EventRepository events, int maxCatchUp, ILogger log) =>
        Task.Run(() => PumpAsync(clients.Client(ConnectionId), events, maxCatchUp, log));

    public void Stop()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
    }

    private async Task PumpAsync(ISingleClientProxy client, EventRepository events, int maxCatchUp, ILogger log)
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (Interlocked.Exchange(ref _needsCatchUp, 0) == 1)
                {
                    await CatchUpAsync(client, events, maxCatchUp, ct);
                    continue;
                }
                if (_queue.Reader.TryRead(out var e))
                {
                    if (e.Row.Position > _delivered) await SendAsync(client, e.Row.Position, e.Message, ct);
                    continue;
                }
                if (!await _queue.Reader.WaitToReadAsync(ct)) return;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // E.g. the database was unreachable during a catch-up: try again from the last seq sent.
                log.LogWarning(ex, "Real-time stream of connection {Connection} failed; resuming from seq {Seq}", ConnectionId, Delivered);
                Interlocked.Exchange(ref _needsCatchUp, 1);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task CatchUpAsync(ISingleClientProxy client, EventRepository events, int maxCatchUp, CancellationToken ct)
    {
        var sent = 0;
        while (true)
        {
            var rows = await events.CatchUpAsync(Audience, _delivered, CatchUpPage, ct);
            foreach (var row in rows)
            {
                await SendAsync(client, row.Position, row.ToMessage(), ct);
            }
            sent += rows.Count;
            if (rows.Count < CatchUpPage) return;
            if (sent >= maxCatchUp)
            {
                // Too far behind to replay event by event: tell the client to reload its state.
                var last = await events.StableEndAsync(ct);
                await client.SendAsync("resync", new { lastSeq = last.Seq }, ct);
                _delivered = last;
                Interlocked.Exchange(ref _deliveredSeq, last.Seq);
                return;
            }
        }
    }

    private async Task SendAsync(ISingleClientProxy client, EventPosition position, CityEvent message, CancellationToken ct)
    {
        await client.SendAsync("event", message, ct);
        _delivered = position;
        Interlocked.Exchange(ref _deliveredSeq, message.Seq);
    }
}
