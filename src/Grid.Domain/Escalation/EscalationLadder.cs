using Grid.Domain.Time;

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

/// <summary>The handling clock of a case as the ladder sees it.</summary>
/// <param name="DispatchedAt">When the case was dispatched (the clock started).</param>
/// <param name="DispatchDeadline">The deadline as given at dispatch; with <paramref name="DispatchedAt"/> it fixes the limit.</param>
/// <param name="Deadline">The current deadline, moved by extensions and resumes; each deadline has a ladder of its own.</param>
public sealed record RunningClock(DateTimeOffset DispatchedAt, DateTimeOffset DispatchDeadline, DateTimeOffset Deadline);

/// <summary>
/// When each rung of the ladder is due for a case with a running clock, in working time on the
/// working calendar, like the handling limit itself: a rung "one working day after the limit"
/// skips the weekend and holidays and lands on a make-up working day (调休). The warning fires a
/// share of the limit (working time from dispatch to the deadline given at dispatch) before the
/// current deadline, so after an extension or a resume it is due again before the new deadline,
/// never at once because the clock started long ago. The assignee reminder comes at the deadline
/// plus its delay; each later rung after its own further delay while the case stays overdue. A
/// case on hold has no running clock and so no ladder; resuming gives it a new deadline and ladder.
/// </summary>
/// <param name="WarningFraction">Share of the limit after which the warning fires (0.8 = warning when 20% of the
/// limit is left before the deadline); null = no warning.</param>
/// <param name="Delays">Further working-time delay of Assignee, GridHead, StreetLeader, District (each after the
/// previous rung). Fewer entries = a shorter ladder.</param>
public sealed record EscalationLadder(double? WarningFraction, IReadOnlyList<TimeSpan> Delays)
{
    public IReadOnlyList<LadderStep> Steps(WorkingCalendar calendar, RunningClock clock)
    {
        var steps = new List<LadderStep>();
        var limit = calendar.WorkingTimeBetween(clock.DispatchedAt, clock.DispatchDeadline);
        if (WarningFraction is { } f && f is > 0 and < 1 && limit > TimeSpan.Zero)
        {
            steps.Add(new LadderStep(EscalationLevel.Warning, calendar.AddWorkingTime(clock.Deadline, -(limit * (1 - f)))));
        }
        var at = clock.Deadline;
        for (var i = 0; i < Delays.Count && i < 4; i++)
        {
            at = calendar.AddWorkingTime(at, Delays[i]);
            steps.Add(new LadderStep(EscalationLevels.Automatic[i + 1], at));
        }
        return steps;
    }

    /// <summary>Rungs due at <paramref name="now"/> that are not in <paramref name="done"/>, in ladder order.</summary>
    public IReadOnlyList<LadderStep> Due(WorkingCalendar calendar, RunningClock clock, DateTimeOffset now, IReadOnlySet<EscalationLevel> done) =>
        Steps(calendar, clock).Where(s => s.DueAt <= now && !done.Contains(s.Level)).ToList();

    /// <summary>The earliest rung not yet fired (possibly already late), or null when the ladder is finished.</summary>
    public LadderStep? Next(WorkingCalendar calendar, RunningClock clock, IReadOnlySet<EscalationLevel> done) =>
        Steps(calendar, clock).FirstOrDefault(s => !done.Contains(s.Level));
}

/// <summary>A ladder for the cases of a category (a code or its prefix: E01 = all 市容环境 events) and/or a
/// priority; a rule with neither is the default.</summary>
public sealed record LadderRule(string? CategoryPrefix, string? Priority, EscalationLadder Ladder)
{
    public bool Matches(string categoryCode, string priority) =>
        (CategoryPrefix is null || categoryCode.StartsWith(CategoryPrefix, StringComparison.Ordinal))
        && (Priority is null || Priority == priority);

    /// <summary>A longer category prefix beats a priority; both beat neither.</summary>
    public int Specificity => (CategoryPrefix?.Length ?? 0) * 2 + (Priority is null ? 0 : 1);

    /// <summary>The most specific matching rule's ladder; without any match, no ladder (an empty one).</summary>
    public static EscalationLadder Pick(IEnumerable<LadderRule> rules, string categoryCode, string priority) =>
        rules.Where(r => r.Matches(categoryCode, priority)).OrderByDescending(r => r.Specificity).FirstOrDefault()?.Ladder
        ?? new EscalationLadder(null, []);
}
