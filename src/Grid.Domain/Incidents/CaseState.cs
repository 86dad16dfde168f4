namespace Grid.Domain.Incidents;

/// <summary>Where a case stands in the GB/T 30428 lifecycle. Stored as the snake_case name.</summary>
public enum CaseState
{
    /// <summary>待受理: a report arrived from any source; an operator registers or cancels it.</summary>
    Reported,
    /// <summary>已立案: registered as a case; a dispatcher sends it to a unit or person.</summary>
    Registered,
    /// <summary>已派遣: sent to a unit and person, the handling clock runs; the assignee accepts it.</summary>
    Dispatched,
    /// <summary>处置中: the assignee is fixing it; he reports back with feedback.</summary>
    InProgress,
    /// <summary>挂账: long-term case put on hold by the shift lead, clock paused; the shift lead resumes it.</summary>
    OnHold,
    /// <summary>已回退: sent back as wrongly dispatched; a dispatcher re-dispatches it.</summary>
    Returned,
    /// <summary>待核查: fixed and reported back; an inspector verifies it on site.</summary>
    Resolved,
    /// <summary>已结案: verified on site and closed; an operator reopens it if the problem recurs.</summary>
    Closed,
    /// <summary>已作废: not a case (duplicate, not in scope, false report); terminal.</summary>
    Cancelled,
}

/// <summary>Every lifecycle step a person can take on a case.</summary>
public enum CaseAction
{
    /// <summary>登记: register the report as a case (立案).</summary>
    Register,
    /// <summary>作废: cancel a report or case that is not to be handled, with a reason.</summary>
    Cancel,
    /// <summary>派遣: send the case to a responsible unit and person; starts the handling clock.</summary>
    Dispatch,
    /// <summary>签收: the assignee takes the case on.</summary>
    Accept,
    /// <summary>处理反馈: the assignee reports the fix, with after-photos.</summary>
    Feedback,
    /// <summary>自行处置: a grid worker fixes a light case on the spot and reports it fixed.</summary>
    SelfHandle,
    /// <summary>核查通过: the inspector confirms the fix; the case closes (结案).</summary>
    Verify,
    /// <summary>返工: the inspector finds it not fixed; back to handling.</summary>
    Rework,
    /// <summary>回退: wrongly dispatched; back to the dispatcher for re-dispatch.</summary>
    Return,
    /// <summary>延期: approved extension with a new deadline.</summary>
    Extend,
    /// <summary>挂账: approved hold for a long-term case; the clock pauses.</summary>
    Hold,
    /// <summary>恢复: end a hold; the clock runs again with the time that was left.</summary>
    Resume,
    /// <summary>重开: the same problem recurred at the same place soon after closing.</summary>
    Reopen,
}

public static class CaseCodes
{
    public static string ToCode(this CaseState s) => s switch
    {
        CaseState.Reported => "reported",
        CaseState.Registered => "registered",
        CaseState.Dispatched => "dispatched",
        CaseState.InProgress => "in_progress",
        CaseState.OnHold => "on_hold",
        CaseState.Returned => "returned",
        CaseState.Resolved => "resolved",
        CaseState.Closed => "closed",
        CaseState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static string ToCode(this CaseAction a) => a switch
    {
        CaseAction.SelfHandle => "self_handle",
        _ => a.ToString().ToLowerInvariant(),
    };

    public static CaseState ParseState(string code) =>
        TryParseState(code, out var s) ? s : throw new ArgumentException($"Unknown case state '{code}'.", nameof(code));

    public static bool TryParseState(string code, out CaseState state)
    {
        foreach (var s in Enum.GetValues<CaseState>())
        {
            if (s.ToCode() == code) { state = s; return true; }
        }
        state = default;
        return false;
    }

    public static bool TryParseAction(string code, out CaseAction action)
    {
        foreach (var a in Enum.GetValues<CaseAction>())
        {
            if (a.ToCode() == code) { action = a; return true; }
        }
        action = default;
        return false;
    }

    /// <summary>States in which the case is still someone's work (counts toward load and overdue).</summary>
    public static bool IsOpen(this CaseState s) => s is not (CaseState.Closed or CaseState.Cancelled);

    /// <summary>States in which the handling clock runs against the deadline.</summary>
    public static bool ClockRuns(this CaseState s) => s is CaseState.Dispatched or CaseState.InProgress;
}
