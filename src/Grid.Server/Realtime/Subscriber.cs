using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Grid.Server.Realtime;

/// <summary>
/// One hub connection's stream. It first catches up from case_events after the position it was
/// given, then takes live events, which the node's listener offers without ever waiting (a bounded
/// queue); a single pump per connection writes them in order. When the queue is full (a slow
/// client) the listener drops the event and marks the stream; the pump then reads what the client
/// has not got from case_events instead. So a slow client only delays itself, and nothing is lost or
/// sent twice: the pump skips every event at or before the position of the last one it wrote.
/// </summary>
public sealed class Subscriber
{
    private const int CatchUpPage = 500;

    /// <summary>A hub connection (written the shared serialised message) or a function on this node (a Blazor circuit),
    /// given ("event", <see cref="PositionedEvent"/>) and ("resync", <see cref="ResyncMessage"/>).</summary>
    public sealed record Sink(HubConnectionContext? Connection, Func<string, object, CancellationToken, Task>? Send);

    private readonly Sink _sink;
    private readonly Channel<LiveEvent> _queue;
    private readonly CancellationTokenSource _stop = new();
    private int _needsCatchUp = 1;
    // Written and read by the pump only.
    private EventPosition _delivered;
    private long _deliveredSeq;
    private long _dropped;

    public Subscriber(string connectionId, Sink sink, Audience audience, EventPosition deliveredUpTo, int queueCapacity)
    {
        _queue = Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(queueCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        ConnectionId = connectionId;
        _sink = sink;
        Audience = audience;
        _delivered = deliveredUpTo;
        _deliveredSeq = deliveredUpTo.Seq;
    }

    public string ConnectionId { get; }
    public Audience Audience { get; }
    /// <summary>The seq of the last event written.</summary>
    public long Delivered => Interlocked.Read(ref _deliveredSeq);
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Called by the listener for every event of this subscriber's audience; never blocks.</summary>
    public void Offer(LiveEvent e)
    {
        if (!_queue.Writer.TryWrite(e))
        {
            Interlocked.Increment(ref _dropped);
            // The queue is full, so the pump has work and will see the flag after its current send.
            Interlocked.Exchange(ref _needsCatchUp, 1);
        }
    }

    public Task Start(EventRepository events, int maxCatchUp, ILogger log) =>
        Task.Run(() => PumpAsync(events, maxCatchUp, log));

    public void Stop()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
    }

    private async Task PumpAsync(EventRepository events, int maxCatchUp, ILogger log)
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (Interlocked.Exchange(ref _needsCatchUp, 0) == 1)
                {
                    await CatchUpAsync(events, maxCatchUp, ct);
                    continue;
                }
                if (_queue.Reader.TryRead(out var e))
                {
                    if (e.Row.Position > _delivered)
                    {
                        if (_sink.Connection is { } c) await c.WriteAsync(e.Serialized, ct);
                        else await _sink.Send!("event", new PositionedEvent(e.Message, e.Row.Position), ct);
                        MarkDelivered(e.Row.Position);
                    }
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
                // E.g. the database was unreachable during a catch-up: try again from the last event sent.
                log.LogWarning(ex, "Real-time stream of connection {Connection} failed; resuming after seq {Seq}", ConnectionId, Delivered);
                Interlocked.Exchange(ref _needsCatchUp, 1);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task CatchUpAsync(EventRepository events, int maxCatchUp, CancellationToken ct)
    {
        var sent = 0;
        while (true)
        {
            var rows = await events.CatchUpAsync(Audience, _delivered, CatchUpPage, ct);
            foreach (var row in rows)
            {
                var message = row.ToMessage();
                await SendAsync("event", _sink.Connection is null ? new PositionedEvent(message, row.Position) : message, ct);
                MarkDelivered(row.Position);
            }
            sent += rows.Count;
            if (rows.Count < CatchUpPage) return;
            if (sent >= maxCatchUp)
            {
                // Too far behind to replay event by event: tell the client to reload its state.
                var last = await events.StableEndAsync(ct);
                await SendAsync("resync", new ResyncMessage(last.Seq), ct);
                MarkDelivered(last);
                return;
            }
        }
    }

    private async Task SendAsync(string method, object message, CancellationToken ct)
    {
        if (_sink.Connection is { } c) await c.WriteAsync(new InvocationMessage(method, [message]), ct);
        else await _sink.Send!(method, message, ct);
    }

    private void MarkDelivered(EventPosition position)
    {
        _delivered = position;
        Interlocked.Exchange(ref _deliveredSeq, position.Seq);
    }
}

/// <summary>Sent instead of events when a client was too far behind to replay: reload state, then follow from LastSeq.</summary>
public sealed record ResyncMessage(long LastSeq);
