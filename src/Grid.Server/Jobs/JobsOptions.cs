namespace Grid.Server.Jobs;

/// <summary>The "Grid:Jobs" configuration section: the Hangfire server of this node.</summary>
public sealed class JobsOptions
{
    /// <summary>Run a Hangfire server (and so the background jobs) on this node. A node without one
    /// still serves the API and the dashboard.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs this node runs at once.</summary>
    public int WorkerCount { get; set; } = 4;

    /// <summary>How often a worker looks for enqueued jobs, and the scheduler for delayed and recurring ones.</summary>
    public double PollSeconds { get; set; } = 1;

    /// <summary>A Hangfire lock older than this belongs to a node that died holding it.</summary>
    public double LockTimeoutSeconds { get; set; } = 30;
}
