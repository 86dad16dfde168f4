using System.Collections.Concurrent;

namespace Grid.Server.Realtime;

/// <summary>
/// One database read for many open desk pages that ask the same question after the same change. Every
/// command center on a node reloads its list, its counts and its cell colours shortly after each change
/// it is told of, so with 50 operators watching the same city a change used to cost 50 identical reads
/// of each. A read here is shared by every caller that asks the same <c>key</c> while it is fresh:
/// started when the node had already passed on every event the caller has seen (its sequence number is
/// at least the node's <see cref="CityFeed.LastSeq"/> at the time of asking, so the read's snapshot
/// includes the change the caller is reloading for), and younger than <see cref="MaxAge"/> (time alone
/// changes what is overdue). The key must hold everything the answer depends on: the filter and the
/// caller's visibility.
/// </summary>
public sealed class SharedReads(Func<long> lastSeq, TimeProvider clock)
{
    public SharedReads(CityFeed feed, TimeProvider clock) : this(() => feed.LastSeq, clock) { }

    /// <summary>How long a read is handed to later callers (beside the sequence rule).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(1);

    /// <summary>Above this many keys, reads older than <see cref="MaxAge"/> are dropped on the next insert.</summary>
    private const int SweepAbove = 256;

    private sealed record Entry(long Seq, DateTimeOffset StartedAt, Task Read);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public Task<T> GetAsync<T>(string key, Func<Task<T>> read)
    {
        var seq = lastSeq();
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(key, out var e) && e.Seq >= seq && now - e.StartedAt < MaxAge && !e.Read.IsFaulted && !e.Read.IsCanceled
            && e.Read is Task<T> shared)
        {
            return shared;
        }
        var task = read();
        _entries[key] = new Entry(seq, now, task);
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
