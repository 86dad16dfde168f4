using Grid.Server.Incidents;
using Grid.Server.Realtime;

namespace Grid.Server.Tests.Realtime;

/// <summary>
/// The desk pages' shared reads: one read for every page that asks the same thing after the same change,
/// and never an answer older than a change the asking page has already been told of.
/// </summary>
public sealed class SharedReadsTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 27, 2, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    // Where the node's listener stands (CityFeed.Position); the tests move it by seq within one transaction.
    private long _seq = 100;
    private readonly ManualClock _clock = new();
    private int _reads;

    private static EventPosition At(long seq) => new(7, seq);

    private SharedReads Reads() => new(() => At(_seq), _clock);

    // A page that has been told of everything the node has read (CircuitFeed.Seen of a page up to date).
    private EventPosition Here => At(_seq);

    private Func<Task<string>> Read(TaskCompletionSource<string>? gate = null) => () =>
    {
        var n = Interlocked.Increment(ref _reads);
        return gate?.Task ?? Task.FromResult($"read {n} at seq {_seq}");
    };

    [Fact]
    public async Task Pages_asking_the_same_thing_after_the_same_change_share_one_read_even_while_it_runs()
    {
        var reads = Reads();
        var gate = new TaskCompletionSource<string>();
        var first = reads.GetAsync("list", Here, Read(gate));
        var second = reads.GetAsync("list", Here, Read(gate));
        _clock.Now += TimeSpan.FromMilliseconds(900);
        var third = reads.GetAsync("list", Here, Read(gate));
        gate.SetResult("the list");

        Assert.Equal(["the list", "the list", "the list"], await Task.WhenAll(first, second, third));
        Assert.Equal(1, _reads);
    }

    [Fact]
    public async Task A_read_begun_before_a_change_the_page_has_been_told_of_is_not_handed_to_it()
    {
        var reads = Reads();
        var before = await reads.GetAsync("list", Here, Read());
        _seq = 101; // the node passed on event 101: a page reloading for it needs a read that began after it
        var after = await reads.GetAsync("list", Here, Read());

        Assert.Equal("read 1 at seq 100", before);
        Assert.Equal("read 2 at seq 101", after);
        Assert.Equal("read 2 at seq 101", await reads.GetAsync("list", Here, Read()));
        Assert.Equal(2, _reads);
    }

    /// <summary>
    /// A page needs a read that includes what it has been told of (CircuitFeed.Seen), not everything the node has read
    /// since: pages reloading a few milliseconds apart, while the node reads dozens of events a second, share one read.
    /// </summary>
    [Fact]
    public async Task A_page_shares_a_read_begun_after_what_it_was_told_of_though_the_node_has_read_further()
    {
        var reads = Reads();
        _seq = 120;
        Assert.Equal("read 1 at seq 120", await reads.GetAsync("list", At(120), Read()));
        _seq = 125; // the node read five more events; these two pages have been told of up to 118 and 120
        Assert.Equal("read 1 at seq 120", await reads.GetAsync("list", At(118), Read()));
        Assert.Equal("read 1 at seq 120", await reads.GetAsync("list", At(120), Read()));
        // A page told of 121 needs a read begun after 121: a new one, begun where the node stands (125) ...
        Assert.Equal("read 2 at seq 125", await reads.GetAsync("list", At(121), Read()));
        // ... which then serves every page told of up to 125, but not one told of 126.
        Assert.Equal("read 2 at seq 125", await reads.GetAsync("list", At(125), Read()));
        _seq = 126;
        Assert.Equal("read 3 at seq 126", await reads.GetAsync("list", At(126), Read()));
        Assert.Equal(3, _reads);
    }

    /// <summary>Seqs are not in commit order; places in the listener's order are (a later transaction, a lower seq).</summary>
    [Fact]
    public async Task A_read_is_judged_by_the_listeners_order_not_by_seq()
    {
        var position = new EventPosition(7, 130);
        var shared = new SharedReads(() => position, _clock);
        Assert.Equal("read 1 at seq 100", await shared.GetAsync("list", new EventPosition(7, 130), Read()));
        // Event 129 of a transaction that ended later: a page told of it needs a read begun after it.
        position = new EventPosition(8, 129);
        Assert.Equal("read 2 at seq 100", await shared.GetAsync("list", new EventPosition(8, 129), Read()));
        Assert.Equal(2, _reads);
    }

    [Fact]
    public async Task A_read_older_than_a_second_is_read_again_because_time_alone_changes_what_is_overdue()
    {
        var reads = Reads();
        await reads.GetAsync("list", Here, Read());
        _clock.Now += SharedReads.MaxAge;
        Assert.Equal("read 2 at seq 100", await reads.GetAsync("list", Here, Read()));
    }

    [Fact]
    public async Task Different_questions_and_failed_reads_are_not_shared()
    {
        var reads = Reads();
        Assert.Equal("read 1 at seq 100", await reads.GetAsync("list", Here, Read()));
        Assert.Equal("read 2 at seq 100", await reads.GetAsync("counts", Here, Read()));

        await Assert.ThrowsAsync<TimeoutException>(() => reads.GetAsync<string>("cells", Here, () => Task.FromException<string>(new TimeoutException())));
        Assert.Equal("read 3 at seq 100", await reads.GetAsync("cells", Here, Read()));
    }

    [Fact]
    public void Viewers_who_see_every_case_share_a_key_and_no_one_else_shares_theirs()
    {
        var filter = new CaseFilter(["reported", "registered"], null, null, "3301", null, null, null, null, null, null, 1, 50);
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();

        Assert.Equal(CommandDesk.SharedKey("list", filter, new Scope(a, true, null, null)),
            CommandDesk.SharedKey("list", filter, new Scope(b, true, null, null)));
        // Street-scoped viewers also see cases they reported or were assigned elsewhere: each keeps his own.
        Assert.NotEqual(CommandDesk.SharedKey("list", filter, new Scope(a, false, "330102001", null)),
            CommandDesk.SharedKey("list", filter, new Scope(b, false, "330102001", null)));
        Assert.NotEqual(CommandDesk.SharedKey("list", filter, new Scope(a, true, null, null)),
            CommandDesk.SharedKey("list", filter, new Scope(a, false, "330102001", null)));
        Assert.NotEqual(CommandDesk.SharedKey("list", filter, new Scope(a, true, null, null)),
            CommandDesk.SharedKey("counts", filter, new Scope(a, true, null, null)));
        Assert.NotEqual(CommandDesk.SharedKey("list", filter, new Scope(a, true, null, null)),
            CommandDesk.SharedKey("list", filter with { States = ["reported"] }, new Scope(a, true, null, null)));
        Assert.NotEqual(CommandDesk.SharedKey("list", filter, new Scope(a, true, null, null)),
            CommandDesk.SharedKey("list", filter with { Offset = 50 }, new Scope(a, true, null, null)));
    }
}
