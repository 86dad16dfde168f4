using System.Globalization;
using Grid.Domain.Escalation;

namespace Grid.Server.Escalation;

/// <summary>The "Grid:Escalation" configuration section.</summary>
public sealed class EscalationOptions
{
    /// <summary>Run the Quartz scheduler and its jobs on this node.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Share of the time from dispatch to deadline after which the assignee is warned (0 = no warning).</summary>
    public double WarningFraction { get; set; } = 0.8;

    /// <summary>Further delays in seconds of the rungs assignee, grid head, street leader, district supervision,
    /// each counted from the previous rung (the first from the deadline). Comma separated.</summary>
    public string Delays { get; set; } = "0,7200,14400,28800";

    /// <summary>Ladders for particular categories and priorities; the most specific match wins.</summary>
    public List<LadderRule> Ladders { get; set; } = [];

    /// <summary>How often the scheduler reads new case events to (re)schedule case deadlines.</summary>
    public double FollowIntervalSeconds { get; set; } = 2;

    /// <summary>How often the safety sweep looks for rungs overdue by more than <see cref="SweepGraceSeconds"/>.</summary>
    public double SweepIntervalSeconds { get; set; } = 60;
    public double SweepGraceSeconds { get; set; } = 30;

    /// <summary>Quartz cluster check-in: a node silent for longer is presumed dead and its jobs recovered.</summary>
    public double ClusterCheckinSeconds { get; set; } = 10;

    /// <summary>Longest time a node sleeps before looking for triggers scheduled by other nodes.</summary>
    public double IdleWaitSeconds { get; set; } = 5;

    /// <summary>A gap in case_events sequence numbers older than this is a rolled-back transaction, not one still committing.</summary>
    public double EventGapGraceSeconds { get; set; } = 30;

    public EscalationLadder LadderFor(string categoryCode, string priority)
    {
        var rule = Ladders
            .Where(r => (r.Category is null || categoryCode.StartsWith(r.Category, StringComparison.Ordinal))
                        && (r.Priority is null || r.Priority == priority))
            .OrderByDescending(r => (r.Category?.Length ?? 0) * 2 + (r.Priority is null ? 0 : 1))
            .FirstOrDefault();
        var fraction = rule?.WarningFraction ?? WarningFraction;
        return new EscalationLadder(fraction > 0 ? fraction : null, ParseDelays(rule?.Delays ?? Delays));
    }

    public static IReadOnlyList<TimeSpan> ParseDelays(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => TimeSpan.FromSeconds(double.Parse(s, CultureInfo.InvariantCulture))).ToList();

    /// <summary>The earliest share of the limit at which any ladder starts (for the sweep's candidate query).</summary>
    public double EarliestFraction => Ladders.Select(r => r.WarningFraction ?? WarningFraction).Append(WarningFraction)
        .Select(f => f > 0 && f < 1 ? f : 1).Min();
}

/// <summary>A ladder for a category (code or prefix, e.g. E01 for all 市容环境 events) and/or a priority.</summary>
public sealed class LadderRule
{
    public string? Category { get; set; }
    public string? Priority { get; set; }
    public double? WarningFraction { get; set; }
    public string? Delays { get; set; }
}
