using Grid.Domain.People;

namespace Grid.Domain.Incidents;

/// <summary>The outcome of asking the lifecycle whether an action may be taken.</summary>
public sealed record Decision(bool Allowed, CaseState From, CaseState To, string? Refusal, string? RefusalKey = null,
    IReadOnlyList<string>? RefusalArgs = null)
{
    public static Decision Allow(CaseState from, CaseState to) => new(true, from, to, null);

    /// <summary>A refusal, with the key and arguments of its sentence (see <see cref="Incidents.Refusal"/>).</summary>
    public static Decision Refuse(CaseState from, string why, string key, params string[] args) => new(false, from, from, why, key, args);
}

/// <summary>
/// The case lifecycle of DOMAIN.md as one table: (from state, action) -> to state, and the roles
/// that may take each action. Everything that moves a case asks <see cref="Decide"/> first.
/// </summary>
public static class Lifecycle
{
    private static readonly Role[] Reporters =
        [Role.GridHead, Role.GridWorker, Role.Patroller, Role.Informant, Role.Inspector, Role.Liaison,
         Role.Operator, Role.ShiftLead, Role.Dispatcher];

    private static readonly Role[] Handlers = [Role.GridHead, Role.GridWorker, Role.UnitStaff];

    /// <summary>Who may take each action.</summary>
    public static readonly IReadOnlyDictionary<CaseAction, IReadOnlySet<Role>> AllowedRoles =
        new Dictionary<CaseAction, IReadOnlySet<Role>>
        {
            [CaseAction.Register] = Set(Role.Operator, Role.ShiftLead),
            [CaseAction.Cancel] = Set(Role.Operator, Role.ShiftLead),
            [CaseAction.Dispatch] = Set(Role.Operator, Role.Dispatcher, Role.ShiftLead),
            [CaseAction.Accept] = Set(Handlers),
            [CaseAction.Feedback] = Set(Handlers),
            [CaseAction.SelfHandle] = Set(Role.GridHead, Role.GridWorker),
            [CaseAction.Verify] = Set(Role.Inspector),
            [CaseAction.Rework] = Set(Role.Inspector),
            [CaseAction.Return] = Set([.. Handlers, Role.Operator, Role.Dispatcher, Role.ShiftLead]),
            [CaseAction.Extend] = Set(Role.Operator, Role.ShiftLead),
            [CaseAction.Hold] = Set(Role.Operator, Role.ShiftLead),
            [CaseAction.Resume] = Set(Role.Operator, Role.ShiftLead),
            [CaseAction.Reopen] = Set(Role.Operator, Role.ShiftLead, Role.Inspector, Role.Supervisor),
        };

    /// <summary>Roles that may file a new report.</summary>
    public static readonly IReadOnlySet<Role> ReportingRoles = Set(Reporters);

    /// <summary>The allowed transitions. A pair missing here is refused.</summary>
    public static readonly IReadOnlyDictionary<(CaseState From, CaseAction Action), CaseState> Transitions =
        new Dictionary<(CaseState, CaseAction), CaseState>
        {
            [(CaseState.Reported, CaseAction.Register)] = CaseState.Registered,
            [(CaseState.Reported, CaseAction.Cancel)] = CaseState.Cancelled,
            [(CaseState.Reported, CaseAction.SelfHandle)] = CaseState.Resolved,
            [(CaseState.Registered, CaseAction.Cancel)] = CaseState.Cancelled,
            [(CaseState.Registered, CaseAction.Dispatch)] = CaseState.Dispatched,
            [(CaseState.Registered, CaseAction.SelfHandle)] = CaseState.Resolved,
            [(CaseState.Returned, CaseAction.Dispatch)] = CaseState.Dispatched,
            [(CaseState.Returned, CaseAction.Cancel)] = CaseState.Cancelled,
            [(CaseState.Dispatched, CaseAction.Accept)] = CaseState.InProgress,
            [(CaseState.Dispatched, CaseAction.Return)] = CaseState.Returned,
            [(CaseState.Dispatched, CaseAction.Extend)] = CaseState.Dispatched,
            [(CaseState.Dispatched, CaseAction.Hold)] = CaseState.OnHold,
            [(CaseState.Dispatched, CaseAction.SelfHandle)] = CaseState.Resolved,
            [(CaseState.InProgress, CaseAction.Feedback)] = CaseState.Resolved,
            [(CaseState.InProgress, CaseAction.Return)] = CaseState.Returned,
            [(CaseState.InProgress, CaseAction.Extend)] = CaseState.InProgress,
            [(CaseState.InProgress, CaseAction.Hold)] = CaseState.OnHold,
            [(CaseState.OnHold, CaseAction.Resume)] = CaseState.InProgress,
            [(CaseState.Resolved, CaseAction.Verify)] = CaseState.Closed,
            [(CaseState.Resolved, CaseAction.Rework)] = CaseState.InProgress,
            [(CaseState.Closed, CaseAction.Reopen)] = CaseState.Registered,
        };

    /// <summary>Actions that must carry a reason (the history must say why).</summary>
    public static readonly IReadOnlySet<CaseAction> NeedsReason =
        new HashSet<CaseAction> { CaseAction.Cancel, CaseAction.Return, CaseAction.Extend, CaseAction.Hold, CaseAction.Rework, CaseAction.Reopen };

    /// <summary>May someone holding <paramref name="roles"/> take <paramref name="action"/> on a case in <paramref name="state"/>?</summary>
    public static Decision Decide(CaseState state, CaseAction action, IReadOnlyCollection<Role> roles)
    {
        if (!Transitions.TryGetValue((state, action), out var to))
        {
            var possible = ActionsFrom(state).Select(a => a.ToCode()).ToList();
            return possible.Count == 0
                ? Decision.Refuse(state, $"A case that is {state.ToCode()} cannot be given '{action.ToCode()}'. It is final.",
                    "wrong_state_final", state.ToCode(), action.ToCode())
                : Decision.Refuse(state, $"A case that is {state.ToCode()} cannot be given '{action.ToCode()}'. Possible now: {string.Join(", ", possible)}.",
                    "wrong_state", state.ToCode(), action.ToCode(), string.Join(", ", possible));
        }
        var allowed = AllowedRoles[action];
        if (!roles.Any(allowed.Contains))
        {
            var needed = string.Join(", ", allowed.Select(r => r.ToCode()));
            return Decision.Refuse(state, $"'{action.ToCode()}' needs one of the roles {needed}.", "role_not_allowed", action.ToCode(), needed);
        }
        return Decision.Allow(state, to);
    }

    /// <summary>The actions a case in <paramref name="state"/> can be given, by anyone.</summary>
    public static IEnumerable<CaseAction> ActionsFrom(CaseState state) =>
        Transitions.Keys.Where(k => k.From == state).Select(k => k.Action).Order();

    /// <summary>The actions someone with <paramref name="roles"/> can take on a case in <paramref name="state"/>.</summary>
    public static IEnumerable<CaseAction> AvailableTo(CaseState state, IReadOnlyCollection<Role> roles) =>
        ActionsFrom(state).Where(a => roles.Any(AllowedRoles[a].Contains));

    private static HashSet<Role> Set(params Role[] roles) => [.. roles];
}
