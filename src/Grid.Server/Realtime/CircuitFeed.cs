using Grid.Server.Auth;
using Grid.Web.Live;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Realtime;

/// <summary>
/// A Blazor circuit's subscription to this node's <see cref="CityFeed"/>: the same subscriber, audience rule and
/// catch-up as a hub connection, delivered to the circuit's components instead of over SignalR to JavaScript.
/// Scoped: one per circuit, subscribed on the first FollowAsync, unsubscribed when the circuit ends. While the
/// browser's connection is down (<see cref="CircuitFeedConnection"/>) the circuit stops following: Blazor keeps a
/// disconnected circuit for minutes (a closed laptop, a tab killed without the disconnect beacon), and it would
/// otherwise go on reading and rendering every change for nobody. When the browser is back, the stream starts again
/// after the last event the circuit had, as a hub connection's does: the missed events are replayed in order, or,
/// past the catch-up limit or when that event is gone, the page reads everything again (resync).
/// </summary>
public sealed class CircuitFeed(CityFeed feed, EventRepository events, AuthenticationStateProvider auth, ILogger<CircuitFeed> log)
    : IDeskFeed, IAsyncDisposable
{
    private readonly string _id = "circuit-" + Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly List<Follower> _followers = [];
    private readonly SemaphoreSlim _connection = new(1, 1);
    private Task? _subscribed;
    private Audience? _audience;
    private bool _paused;
    private long _lastSeq;

    public long LastSeq => Interlocked.Read(ref _lastSeq);

    // What the circuit has been told of, as a place in the node listener's order (see Seen); null until it follows.
    private volatile Box? _seen;
    private sealed record Box(EventPosition Value);

    /// <summary>
    /// How far a database read must reach to show this circuit every change it has been told of: a read that begins
    /// when the node's listener stands here or later includes them all (<see cref="SharedReads"/>). Set before a
    /// change is handed to the page, so a reload it asks for never takes an older read. Before the circuit follows,
    /// and while it catches up after a resync, it is where the node stands.
    /// </summary>
    public EventPosition Seen => _seen?.Value ?? feed.Position;

    public async Task<IAsyncDisposable> FollowAsync(Func<DeskEvent, Task> onEvent, Func<Task>? onResync = null)
    {
        var follower = new Follower(this, onEvent, onResync);
        Task subscribed;
        lock (_gate)
        {
            _followers.Add(follower);
            subscribed = _subscribed ??= SubscribeAsync();
        }
        await subscribed;
        return follower;
    }

    private async Task SubscribeAsync()
    {
        var viewer = Viewer.From((await auth.GetAuthenticationStateAsync()).User);
        var (audience, error) = Audience.For(viewer, null, await events.CellsServedAsync(viewer.PersonId));
        if (audience is null) throw new InvalidOperationException(error);
        _audience = audience;
        var from = await feed.SubscribeAsync(_id, audience, null, DeliverAsync);
        Interlocked.CompareExchange(ref _lastSeq, from, 0);
        // Taken after subscribing: every event after this place comes to the circuit.
        See(feed.Position);
    }

    // Only forward: events come in the listener's order, and a resync's place is the node's, later than any of them.
    private void See(EventPosition position)
    {
        lock (_gate)
        {
            if (_seen is not { } seen || position > seen.Value) _seen = new Box(position);
        }
    }

    private async Task DeliverAsync(string method, object message, CancellationToken ct)
    {
        Follower[] followers;
        lock (_gate) followers = [.. _followers];
        if (message is PositionedEvent { Event: var e, Position: var position })
        {
            See(position);
            var desk = new DeskEvent(e.Seq, e.At, e.Kind, e.CaseId, e.CellCode, e.PersonId, e.Payload);
            foreach (var f in followers) await SafelyAsync(() => f.OnEvent(desk));
            Interlocked.Exchange(ref _lastSeq, e.Seq);
        }
        else if (message is ResyncMessage r)
        {
            See(feed.Position);
            foreach (var f in followers) if (f.OnResync is { } resync) await SafelyAsync(resync);
            Interlocked.Exchange(ref _lastSeq, r.LastSeq);
        }
    }

    /// <summary>The browser's connection went down: stop following (the position is kept).</summary>
    public async Task PauseAsync()
    {
        await _connection.WaitAsync();
        try
        {
            if (_paused || await SubscribedAsync() is false) return;
            feed.Unsubscribe(_id);
            _paused = true;
        }
        finally
        {
            _connection.Release();
        }
    }

    /// <summary>The browser is back: follow again after the last event delivered (replayed, or a resync).</summary>
    public async Task ResumeAsync()
    {
        await _connection.WaitAsync();
        try
        {
            if (!_paused) return;
            _paused = false;
            try
            {
                await feed.SubscribeAsync(_id, _audience!, LastSeq, DeliverAsync);
            }
            catch (UnknownSeqException)
            {
                // The last event is no longer in the table: from now on, and the page reads everything again.
                var from = await feed.SubscribeAsync(_id, _audience!, null, DeliverAsync);
                await DeliverAsync("resync", new ResyncMessage(from), CancellationToken.None);
            }
            catch
            {
                // Not following (the database is away): the next reconnection tries again.
                _paused = true;
                throw;
            }
        }
        finally
        {
            _connection.Release();
        }
    }

    /// <summary>Whether the circuit follows the stream at all (it does from its first FollowAsync on).</summary>
    private async Task<bool> SubscribedAsync()
    {
        Task? subscribed;
        lock (_gate) subscribed = _subscribed;
        if (subscribed is null) return false;
        try { await subscribed; return true; }
        catch (Exception) { return false; }
    }

    /// <summary>A component that throws must not stop the stream of the others.</summary>
    private async Task SafelyAsync(Func<Task> handler)
    {
        try { await handler(); }
        catch (Exception ex) { log.LogWarning(ex, "A component of circuit feed {Id} failed on a live event", _id); }
    }

    public ValueTask DisposeAsync()
    {
        feed.Unsubscribe(_id);
        return ValueTask.CompletedTask;
    }

    private sealed class Follower(CircuitFeed owner, Func<DeskEvent, Task> onEvent, Func<Task>? onResync) : IAsyncDisposable
    {
        public Func<DeskEvent, Task> OnEvent => onEvent;
        public Func<Task>? OnResync => onResync;

        public ValueTask DisposeAsync()
        {
            lock (owner._gate) owner._followers.Remove(this);
            return ValueTask.CompletedTask;
        }
    }
}
