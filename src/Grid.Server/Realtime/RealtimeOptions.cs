namespace Grid.Server.Realtime;

/// <summary>The "Grid:Realtime" configuration section.</summary>
public sealed class RealtimeOptions
{
    /// <summary>The listener reads case_events this often even without a NOTIFY (a safety net, seconds).</summary>
    public double PollSeconds { get; set; } = 5;

    /// <summary>Wait before re-opening a lost LISTEN connection (seconds; doubles up to 30 s while it keeps failing).</summary>
    public double ReconnectSeconds { get; set; } = 0.5;

    /// <summary>Live events queued per connection; a client this far behind is served from the table instead.</summary>
    public int QueueCapacity { get; set; } = 512;

    /// <summary>A client further behind than this many events gets "resync" (reload) instead of a replay.</summary>
    public int MaxCatchUp { get; set; } = 5000;
}
