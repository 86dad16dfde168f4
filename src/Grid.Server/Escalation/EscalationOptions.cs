namespace Grid.Server.Escalation;

/// <summary>The "Grid:Escalation" configuration section. The ladders themselves live in the database
/// (table escalation_ladders, /api/escalation/ladders).</summary>
public sealed class EscalationOptions
{
    /// <summary>Six-field cron (with seconds) of the recurring claim job.</summary>
    public string ClaimCron { get; set; } = "*/2 * * * * *";

    /// <summary>Cases claimed per transaction.</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How long one run of the claim job looks ahead for rungs falling due, so that a rung
    /// due between two runs fires on time; a little longer than the cron interval, so runs overlap.</summary>
    public double WindowSeconds { get; set; } = 3;

    /// <summary>Longest time one run keeps claiming full batches of a backlog; the next run goes on.</summary>
    public double MaxDrainSeconds { get; set; } = 60;
}
