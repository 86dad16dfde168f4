namespace Grid.Web.Live;

/// <summary>
/// Runs one piece of work of a page (a reload after live changes, a batch of map markers) soon after it is asked
/// for, and at most once per period however often it is asked: the first request after a quiet time runs after
/// <c>gather</c> (so that the events of one burst go together); a request while a run is waiting is already
/// served by it; a request during a run, or within <c>period</c> of the last start, runs once at the start of the
/// next period. Runs never overlap: <c>run</c> is called on the component's dispatcher through <c>invoke</c>
/// (a component's InvokeAsync) and the next one waits for it to end. A change is therefore shown within
/// <c>gather</c> or <c>period</c> (whichever is longer) plus one run, while a steady stream of changes costs one
/// run per period.
/// <para>
/// With <c>align</c>, every run is due at a multiple of it on the clock (counted from the Unix epoch), and the period
/// counts from the time the last run was due rather than from its start. Pacers of many pages then run at the same
/// moments: the command centers of a node reload together, and share their reads (SharedReads) instead of each
/// reading at its own moment a few milliseconds after another. Without it, each page's runs drift apart by its own
/// delays. A run then comes up to <c>align</c> later than without it.
/// </para>
/// </summary>
public sealed class Pacer(TimeSpan gather, TimeSpan period, Func<Task> run, Func<Func<Task>, Task> invoke, TimeProvider clock, CancellationToken gone,
    TimeSpan align = default)
{
    private readonly Lock _lock = new();
    private bool _waiting, _running, _again;
    private DateTimeOffset _lastStart = DateTimeOffset.MinValue;
    // When the waiting run is due (aligned pacers count the period from it).
    private DateTimeOffset _due;

    /// <summary>Asks for a run; returns at once.</summary>
    public void Request()
    {
        lock (_lock)
        {
            if (_running) { _again = true; return; }
            if (_waiting) return;
            _waiting = true;
            Schedule(gather);
        }
    }

    // Under _lock: the next run, after at least minimum and not before a period after the last start.
    private void Schedule(TimeSpan minimum)
    {
        var now = clock.GetUtcNow();
        var due = _lastStart == DateTimeOffset.MinValue ? now + minimum : Max(now + minimum, _lastStart + period);
        if (align > TimeSpan.Zero) due = Aligned(due);
        _due = due;
        _ = Task.Delay(due - now, clock, gone).ContinueWith(t =>
        {
            if (!t.IsCanceled) _ = invoke(RunAsync);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default); // invoke only posts to the dispatcher
    }

    private async Task RunAsync()
    {
        lock (_lock)
        {
            _waiting = false;
            _running = true;
            _lastStart = align > TimeSpan.Zero ? _due : clock.GetUtcNow();
        }
        try
        {
            await run();
        }
        finally
        {
            lock (_lock)
            {
                _running = false;
                if (_again && !gone.IsCancellationRequested)
                {
                    _again = false;
                    _waiting = true;
                    Schedule(TimeSpan.Zero);
                }
            }
        }
    }

    // The first multiple of align at or after t.
    private DateTimeOffset Aligned(DateTimeOffset t)
    {
        var late = t.UtcTicks % align.Ticks;
        return late == 0 ? t : t.AddTicks(align.Ticks - late);
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
