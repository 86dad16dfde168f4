namespace Grid.Domain.Escalation;

/// <summary>The rungs of the escalation ladder (督办), in the order they fire.</summary>
public enum EscalationLevel
{
    /// <summary>Before the deadline (default at 80% of the limit): the assignee is warned.</summary>
    Warning,
    /// <summary>At the deadline: the assignee (or the responsible unit) is reminded the case is overdue.</summary>
    Assignee,
    /// <summary>Still overdue after a further delay: the cell's grid head (网格长).</summary>
    GridHead,
    /// <summary>Then the street leader: a supervisor of the case's street.</summary>
    StreetLeader,
    /// <summary>Then district supervision (区级督办): the district-wide supervisors.</summary>
    District,
    /// <summary>Supervision ordered by hand by a supervisor or shift lead, with a note.</summary>
    Supervise,
}

public static class EscalationLevels
{
    public static string ToCode(this EscalationLevel level) => level switch
    {
        EscalationLevel.Warning => "warning",
        EscalationLevel.Assignee => "assignee",
        EscalationLevel.GridHead => "grid_head",
        EscalationLevel.StreetLeader => "street_leader",
        EscalationLevel.District => "district",
        EscalationLevel.Supervise => "supervise",
        _ => throw new ArgumentOutOfRangeException(nameof(level)),
    };

    public static bool TryParse(string? code, out EscalationLevel level)
    {
        foreach (var l in Enum.GetValues<EscalationLevel>())
        {
            if (l.ToCode() == code) { level = l; return true; }
        }
        level = default;
        return false;
    }

    public static EscalationLevel Parse(string code) =>
        TryParse(code, out var l) ? l : throw new ArgumentException($"Unknown escalation level '{code}'.", nameof(code));

    /// <summary>The automatic rungs, in order.</summary>
    public static readonly IReadOnlyList<EscalationLevel> Automatic =
        [EscalationLevel.Warning, EscalationLevel.Assignee, EscalationLevel.GridHead, EscalationLevel.StreetLeader, EscalationLevel.District];
}

/// <summary>One rung due at a moment, for one deadline of one case.</summary>
public sealed record LadderStep(EscalationLevel Level, DateTimeOffset DueAt);

/// <summary>
/// When each rung of the ladder is due for a case with a running clock. The warning fires a share
/// of the handling time limit (as given at dispatch) before the current deadline, so after an
/// extension or a resume it is due again before the new deadline, never at once because the clock
/// started long ago. The assignee reminder comes at the deadline plus its delay; each later rung
/// after its own further delay while the case stays overdue.
/// </summary>
/// <param name="WarningFraction">Share of the limit after which the warning fires (0.8 = warning when 20% of the
/// limit is left before the deadline); null = no warning.</param>
/// <param name="Delays">Further delay of Assignee, GridHead, StreetLeader, District (each after the previous rung).
/// Fewer entries = a shorter ladder.</param>
public sealed record EscalationLadder(double? WarningFraction, IReadOnlyList<TimeSpan> Delays)
{
    /// <param name="deadline">The case's current deadline (moved by extensions and resumes).</param>
    /// <param name="limit">The handling time limit as given at dispatch: the first deadline minus the dispatch time.</param>
    public IReadOnlyList<LadderStep> Steps(DateTimeOffset deadline, TimeSpan limit)
    {
        var steps = new List<LadderStep>();
        if (WarningFraction is { } f && f is > 0 and < 1 && limit > TimeSpan.Zero)
        {
            steps.Add(new LadderStep(EscalationLevel.Warning, deadline - limit * (1 - f)));
        }
        var at = deadline;
        for (var i = 0; i < Delays.Count && i < 4; i++)
        {
            at += Delays[i];
            steps.Add(new LadderStep(EscalationLevels.Automatic[i + 1], at));
        }
        return steps;
    }

    /// <summary>Rungs due at <paramref name="now"/> that are not in <paramref name="done"/>, in ladder order.</summary>
    public IReadOnlyList<LadderStep> Due(DateTimeOffset deadline, TimeSpan limit, DateTimeOffset now, IReadOnlySet<EscalationLevel> done) =>
        Steps(deadline, limit).Where(s => s.DueAt <= now && !done.Contains(s.Level)).ToList();

    /// <summary>The earliest rung not yet fired (possibly already late), or null when the ladder is finished.</summary>
    public LadderStep? Next(DateTimeOffset deadline, TimeSpan limit, IReadOnlySet<EscalationLevel> done) =>
        Steps(deadline, limit).FirstOrDefault(s => !done.Contains(s.Level));
}
