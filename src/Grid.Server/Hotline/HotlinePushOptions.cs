namespace Grid.Server.Hotline;

/// <summary>The "Grid:Hotline:Push" configuration section (status push to integrated 12345 systems).</summary>
public sealed class HotlinePushOptions
{
    /// <summary>Six-field cron of the job that turns new changes into deliveries.</summary>
    public string QueueCron { get; set; } = "*/2 * * * * *";

    /// <summary>Seconds between a failed POST and its retry, one per retry; after the last the delivery stays failed.
    /// Default 10 s, 1 min, 5 min, 30 min, 2 h. (Null by default: the configuration binder appends to an array it finds.)</summary>
    public int[]? RetryDelaysSeconds { get; set; }

    public int[] RetryDelays => RetryDelaysSeconds is { Length: > 0 } d ? d : [10, 60, 300, 1800, 7200];

    /// <summary>How long one POST may take before it counts as failed.</summary>
    public int TimeoutSeconds { get; set; } = 10;

    /// <summary>Changes turned into deliveries per transaction.</summary>
    public int BatchSize { get; set; } = 500;
}
