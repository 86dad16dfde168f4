using System.Collections.Concurrent;

namespace Grid.Server.Realtime;

/// <summary>
/// One database read for many open desk pages that ask the same question after the same change. Every
/// command center on a node reloads its list, its counts and its cell colours shortly after each change
/// it is told of, so with 50 operators watching the same city a change used to cost 50 identical reads
/// of each. A read here is shared by every caller that asks the same <c>key</c> while it is fresh:
/// begun when the node's listener already stood at or after everything the caller has been told of
/// (<c>seen</c>, a place in the listener's order: <see cref="CityFeed.Position"/>, <see cref="CircuitFeed.Seen"/>),
/// so the read's snapshot includes the change the caller is reloading for, and younger than
/// <see cref="MaxAge"/> (time alone changes what is overdue). The key must hold everything the answer
/// depends on: the filter and the caller's visibility.
/// </summary>
/// <remarks>
/// Until session 11 the rule was "begun at or after the node's last seq at the time of asking". The node reads
/// dozens of events a second in a busy city, so pages reloading a few milliseconds apart rarely shared, and
/// seqs are not in commit order, so a read could be taken for one that included an event it did not.
/// </remarks>
public sealed class SharedReads(Func<EventPosition> position, TimeProvider clock)
{
    public SharedReads(CityFeed feed, TimeProvider clock) : this(() => feed.Position, clock) { }

    /// <summary>How long a read is handed to later callers (beside the position rule).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>Above this many keys, reads older than <see cref="MaxAge"/> are dropped on the next insert.</summary>
    private const int SweepAbove = 256;

    private sealed record Entry(EventPosition Position, DateTimeOffset StartedAt, Task Read);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    /// <summary>A read that includes every event at or before <paramref name="seen"/>.</summary>
    public Task<T> GetAsync<T>(string key, EventPosition seen, Func<Task<T>> read)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var e) && e.Position >= seen && now - e.StartedAt < MaxAge && !e.Read.IsFaulted && !e.Read.IsCanceled
            && e.Read is Task<T> shared)
        {
            return shared;
        }
        // Where the listener stands before the read begins: at least seen, as the caller's events were read first.
        var start = position();
        var task = read();
        _entries[key] = new Entry(start, now, task);
        if (_entries.Count > SweepAbove) Sweep(now);
        return task;
    }

    private void Sweep(DateTimeOffset now)
    {
        foreach (var (key, entry) in _entries)
        {
            if (now - entry.StartedAt >= MaxAge) _entries.TryRemove(KeyValuePair.Create(key, entry));
        }
    }
}
