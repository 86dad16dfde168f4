using Grid.Web.Live;
using Microsoft.Extensions.Time.Testing;

namespace Grid.Web.Components.Tests;

/// <summary>The pacing of a live page's reloads (<see cref="Pacer"/>), on a clock the test moves.</summary>
public sealed class PacerTests : IDisposable
{
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(50), Period = TimeSpan.FromMilliseconds(400);
    // How long a test waits for a run that must come, and for one that must not.
    private static readonly TimeSpan Must = TimeSpan.FromSeconds(10), MustNot = TimeSpan.FromMilliseconds(300);

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
    private readonly CancellationTokenSource _gone = new();
    private readonly SemaphoreSlim _started = new(0), _ended = new(0);
    private readonly List<DateTimeOffset> _starts = [];
    private TaskCompletionSource? _hold;
    private int _running, _overlaps;

    private Pacer NewPacer() => new(Gather, Period, async () =>
    {
        if (Interlocked.Increment(ref _running) > 1) Interlocked.Increment(ref _overlaps);
        lock (_starts) _starts.Add(_clock.GetUtcNow());
        _started.Release();
        if (_hold is { } hold) await hold.Task;
        Interlocked.Decrement(ref _running);
        _ended.Release();
    }, run => run(), _clock, _gone.Token);

    private async Task RunStartsAsync() => Assert.True(await _started.WaitAsync(Must), "the run did not start");
    private async Task NoRunAsync() => Assert.False(await _started.WaitAsync(MustNot), "a run started that should not have");

    [Fact]
    public async Task The_first_request_runs_after_the_gathering_time_and_not_before()
    {
        var pacer = NewPacer();
        pacer.Request();
        _clock.Advance(Gather - TimeSpan.FromMilliseconds(1));
        await NoRunAsync();
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await RunStartsAsync();
        Assert.Equal([_clock.Start + Gather], _starts);
    }

    [Fact]
    public async Task Requests_while_a_run_waits_are_served_by_it()
    {
        var pacer = NewPacer();
        for (var i = 0; i < 20; i++) pacer.Request();
        _clock.Advance(Gather);
        await RunStartsAsync();
        Assert.True(await _ended.WaitAsync(Must));
        _clock.Advance(Period * 3);
        await NoRunAsync();
        Assert.Single(_starts);
    }

    [Fact]
    public async Task A_request_during_a_run_runs_once_more_after_it_a_period_after_its_start_never_beside_it()
    {
        var pacer = NewPacer();
        _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        pacer.Request();
        _clock.Advance(Gather);
        await RunStartsAsync();
        pacer.Request();
        pacer.Request();
        // The run takes longer than a period: the next waits for it to end.
        _clock.Advance(Period * 2);
        await NoRunAsync();
        var release = _hold;
        _hold = null;
        release.SetResult();
        await RunStartsAsync();
        Assert.Equal(2, _starts.Count);
        Assert.Equal(_clock.Start + Gather + Period * 2, _starts[1]);
        Assert.Equal(0, _overlaps);
    }

    [Fact]
    public async Task A_steady_stream_of_requests_runs_once_per_period()
    {
        var pacer = NewPacer();
        pacer.Request();
        _clock.Advance(Gather);
        await RunStartsAsync();
        Assert.True(await _ended.WaitAsync(Must));
        // Requests every 20 ms (50 changes a second) for two periods: a run at the start of each period.
        for (var t = 20; t <= 800; t += 20)
        {
            pacer.Request();
            _clock.Advance(TimeSpan.FromMilliseconds(20));
            if (t % 400 == 0) // a period after the last run's start (the first ran at 50 ms)
            {
                await RunStartsAsync();
                Assert.True(await _ended.WaitAsync(Must));
            }
        }
        Assert.Equal([_clock.Start + Gather, _clock.Start + Gather + Period, _clock.Start + Gather + Period * 2], _starts);
    }

    private static readonly TimeSpan Align = TimeSpan.FromMilliseconds(100);

    // An aligned pacer whose runs wait on a busy dispatcher: they are queued, and start when the test lets them.
    private Pacer NewAlignedPacer(List<Func<Task>> dispatcher) => new(Gather, Period, () =>
    {
        lock (_starts) _starts.Add(_clock.GetUtcNow());
        _started.Release();
        return Task.CompletedTask;
    }, run =>
    {
        lock (dispatcher) dispatcher.Add(run);
        return Task.CompletedTask;
    }, _clock, _gone.Token, Align);

    private static async Task DispatchAsync(List<Func<Task>> dispatcher)
    {
        for (var i = 0; i < 500; i++)
        {
            Func<Task>[] due;
            lock (dispatcher) { due = [.. dispatcher]; dispatcher.Clear(); }
            if (due.Length > 0)
            {
                foreach (var run in due) await run();
                return;
            }
            await Task.Delay(20);
        }
        Assert.Fail("no run was handed to the dispatcher");
    }

    /// <summary>
    /// Pages asked at different moments run at the same moments, multiples of the alignment on the clock, and a run
    /// that started late on a busy dispatcher does not push the next one later: the open command centers of a node
    /// keep reloading together and share their reads.
    /// </summary>
    [Fact]
    public async Task Aligned_pacers_run_together_at_multiples_of_the_alignment_and_do_not_drift()
    {
        var first = new List<Func<Task>>();
        var second = new List<Func<Task>>();
        var a = NewAlignedPacer(first);
        var b = NewAlignedPacer(second);
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        a.Request(); // due 60 ms after the start, aligned to 100
        _clock.Advance(TimeSpan.FromMilliseconds(30));
        b.Request(); // due at 90 ms, aligned to 100
        _clock.Advance(TimeSpan.FromMilliseconds(59));
        await Task.Delay(MustNot);
        lock (first) Assert.Empty(first);
        lock (second) Assert.Empty(second);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await DispatchAsync(first);
        await DispatchAsync(second);
        Assert.Equal([_clock.Start + Align, _clock.Start + Align], _starts);

        // A steady stream; the first page's dispatcher is 70 ms late with its next run.
        a.Request();
        b.Request();
        _clock.Advance(Period - TimeSpan.FromMilliseconds(1));
        await Task.Delay(MustNot);
        lock (first) Assert.Empty(first);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        await DispatchAsync(second);
        _clock.Advance(TimeSpan.FromMilliseconds(70));
        await DispatchAsync(first);
        a.Request();
        b.Request();
        // Both due a period after the time they were due, not after the late start.
        _clock.Advance(Period - TimeSpan.FromMilliseconds(70));
        await DispatchAsync(first);
        await DispatchAsync(second);
        Assert.Equal(
            [_clock.Start + Align, _clock.Start + Align, _clock.Start + Align + Period, _clock.Start + Align + Period + TimeSpan.FromMilliseconds(70),
             _clock.Start + Align + Period * 2, _clock.Start + Align + Period * 2], _starts);
    }

    [Fact]
    public async Task Nothing_runs_once_the_page_is_gone()
    {
        var pacer = NewPacer();
        pacer.Request();
        _gone.Cancel();
        _clock.Advance(Period);
        await NoRunAsync();
        Assert.Empty(_starts);
    }

    public void Dispose()
    {
        _gone.Dispose();
        _started.Dispose();
        _ended.Dispose();
    }
}
