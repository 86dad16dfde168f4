using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Domain.Incidents;

/// <summary>Who is acting, as far as the case rules need to know.</summary>
/// <param name="ServesCell">The actor holds a post in the case's cell (一长五员).</param>
/// <param name="StreetCode">Set for command-center staff and leaders limited to one street or one community: the cell-code prefix of their area.</param>
public sealed record Actor(Guid PersonId, IReadOnlyCollection<Role> Roles, bool ServesCell, string? UnitId, string? StreetCode = null);

/// <summary>Why a step was refused; the server maps it to 409, 403 or 400.</summary>
public enum RefusalKind
{
    /// <summary>The case is in a state where the step does not apply (or someone else moved it first).</summary>
    WrongState,
    /// <summary>The actor's role or scope does not allow the step on this case.</summary>
    Forbidden,
    /// <summary>The step's input is incomplete or wrong (missing reason, deadline in the past...).</summary>
    Invalid,
}

/// <summary>
/// Why a step was refused. <paramref name="Message"/> is the English sentence API clients read; <paramref name="Key"/>
/// (with <paramref name="Args"/>, plain values such as a cell code) names the same sentence for pages that say it in
/// their reader's language, when there is one.
/// </summary>
public sealed record Refusal(RefusalKind Kind, string Message, string? Key = null, IReadOnlyList<string>? Args = null);

/// <summary>One recorded lifecycle step: the case history row it becomes.</summary>
public sealed record Step(
    CaseAction Action, CaseState From, CaseState To, Guid ActorId, DateTimeOffset At,
    string? Reason, IReadOnlyList<string> Evidence, IReadOnlyDictionary<string, object?> Details);

/// <summary>The outcome of a step: the recorded step, or the refusal that left the case untouched.</summary>
public sealed record StepResult(Step? Step, Refusal? Refusal)
{
    public bool Succeeded => Step is not null;
    public static StepResult Refused(RefusalKind kind, string message, string? key = null, params string[] args) =>
        new(null, new Refusal(kind, message, key, key is null ? null : args));
}

/// <summary>
/// A case (案件) and the rules of its lifecycle. Every change goes through <see cref="Move"/>,
/// which asks <see cref="Lifecycle"/> first; a refused step leaves every field untouched.
/// </summary>
public sealed class Case
{
    public required long Id { get; init; }
    public required string CellCode { get; init; }
    public required string CategoryCode { get; init; }
    public required CaseState State { get; set; }
    public required int Version { get; init; }
    public bool Urgent { get; init; }
    public Guid? ReportedBy { get; init; }
    public string? UnitId { get; private set; }
    public Guid? AssigneeId { get; private set; }
    public DateTimeOffset? Deadline { get; private set; }
    public TimeSpan? HeldRemaining { get; private set; }
    public int ExtensionCount { get; private set; }
    public int ReworkCount { get; private set; }
    public DateTimeOffset? RegisteredAt { get; private set; }
    public DateTimeOffset? DispatchedAt { get; private set; }
    public DateTimeOffset? AcceptedAt { get; private set; }
    public DateTimeOffset? ResolvedAt { get; private set; }
    public DateTimeOffset? ClosedAt { get; private set; }

    /// <summary>Rebuilds a stored case; used by repositories only.</summary>
    public static Case Restore(long id, string cellCode, string categoryCode, CaseState state, int version, bool urgent,
        Guid? reportedBy, string? unitId, Guid? assigneeId, DateTimeOffset? deadline, TimeSpan? heldRemaining,
        int extensionCount, int reworkCount, DateTimeOffset? registeredAt, DateTimeOffset? dispatchedAt,
        DateTimeOffset? acceptedAt, DateTimeOffset? resolvedAt, DateTimeOffset? closedAt) =>
        new()
        {
            Id = id, CellCode = cellCode, CategoryCode = categoryCode, State = state, Version = version, Urgent = urgent,
            ReportedBy = reportedBy, UnitId = unitId, AssigneeId = assigneeId, Deadline = deadline, HeldRemaining = heldRemaining,
            ExtensionCount = extensionCount, ReworkCount = reworkCount, RegisteredAt = registeredAt, DispatchedAt = dispatchedAt,
            AcceptedAt = acceptedAt, ResolvedAt = resolvedAt, ClosedAt = closedAt,
        };

    /// <summary>May this actor see the case at all? (Acting needs more; see <see cref="Move"/>.)</summary>
    public bool IsVisibleTo(Actor actor) =>
        InScope(actor) || actor.PersonId == ReportedBy || actor.PersonId == AssigneeId;

    /// <summary>The actions this actor could take now (role, state and scope all allow them).</summary>
    public IEnumerable<CaseAction> ActionsFor(Actor actor) =>
        Lifecycle.AvailableTo(State, actor.Roles)
            .Where(a => MayAct(actor, a, a is CaseAction.Accept or CaseAction.Feedback));

    public StepResult Register(Actor actor, DateTimeOffset now) =>
        Move(CaseAction.Register, actor, null, now, () => RegisteredAt = now);

    public StepResult Cancel(Actor actor, string? reason, DateTimeOffset now) =>
        Move(CaseAction.Cancel, actor, reason, now, () => { });

    /// <summary>派遣: the handling clock starts now, with the category's limit (urgent limit for urgent cases).</summary>
    public StepResult Dispatch(Actor actor, string unitId, Guid? assigneeId, TimeLimit limit, WorkingCalendar calendar, DateTimeOffset now)
    {
        var deadline = calendar.Deadline(now, limit);
        return Move(CaseAction.Dispatch, actor, null, now, () =>
        {
            UnitId = unitId;
            AssigneeId = assigneeId;
            Deadline = deadline;
            DispatchedAt = now;
            AcceptedAt = null;
        }, details: new() { ["unit"] = unitId, ["assignee"] = assigneeId, ["deadline"] = deadline });
    }

    public StepResult Accept(Actor actor, DateTimeOffset now) =>
        Move(CaseAction.Accept, actor, null, now, () =>
        {
            AcceptedAt = now;
            AssigneeId ??= actor.PersonId;
        }, handlerOnly: true);

    public StepResult Feedback(Actor actor, string? note, IReadOnlyList<string> evidence, DateTimeOffset now) =>
        Move(CaseAction.Feedback, actor, note, now, () => ResolvedAt = now, evidence, handlerOnly: true);

    /// <summary>自行处置: only for categories marked light; the worker becomes the assignee of record.</summary>
    public StepResult SelfHandle(Actor actor, bool categoryAllowsSelfHandling, string? note, IReadOnlyList<string> evidence, DateTimeOffset now)
    {
        if (!categoryAllowsSelfHandling && Lifecycle.Transitions.ContainsKey((State, CaseAction.SelfHandle)))
        {
            return StepResult.Refused(RefusalKind.Invalid,
                $"Category {CategoryCode} is not a light case a grid worker may handle himself; it must be registered and dispatched.");
        }
        return Move(CaseAction.SelfHandle, actor, note, now, () =>
        {
            RegisteredAt ??= now;
            DispatchedAt ??= now;
            AcceptedAt ??= now;
            AssigneeId = actor.PersonId;
            ResolvedAt = now;
        }, evidence);
    }

    public StepResult Verify(Actor actor, string? note, IReadOnlyList<string> evidence, DateTimeOffset now) =>
        Move(CaseAction.Verify, actor, note, now, () => ClosedAt = now, evidence);

    /// <summary>
    /// 返工: the inspector finds it not fixed and sends it back to handling with a new deadline, the category's limit
    /// (urgent limit for urgent cases) counted from now on the working calendar, as at dispatch: the worker gets the
    /// full limit to redo the work, and the supervision ladder starts again for the new deadline.
    /// </summary>
    public StepResult Rework(Actor actor, string? reason, IReadOnlyList<string> evidence, TimeLimit limit, WorkingCalendar calendar,
        DateTimeOffset now)
    {
        var previous = Deadline;
        var deadline = calendar.Deadline(now, limit);
        return Move(CaseAction.Rework, actor, reason, now, () =>
        {
            ReworkCount++;
            ResolvedAt = null;
            Deadline = deadline;
        }, evidence, details: new() { ["previousDeadline"] = previous, ["deadline"] = deadline });
    }

    /// <summary>回退: the case goes back to the dispatcher; assignment and clock are cleared until re-dispatch.</summary>
    public StepResult Return(Actor actor, string? reason, DateTimeOffset now) =>
        Move(CaseAction.Return, actor, reason, now, () =>
        {
            AssigneeId = null;
            UnitId = null;
            Deadline = null;
            AcceptedAt = null;
        });

    /// <summary>延期: an approved extension moves the deadline; the time until then does not count as overdue.</summary>
    public StepResult Extend(Actor actor, DateTimeOffset newDeadline, string? reason, DateTimeOffset now)
    {
        if (newDeadline <= now)
        {
            return StepResult.Refused(RefusalKind.Invalid, $"The new deadline {newDeadline:u} must be in the future.");
        }
        if (Deadline is { } current && newDeadline <= current)
        {
            return StepResult.Refused(RefusalKind.Invalid, $"The new deadline {newDeadline:u} must be later than the current one, {current:u}.");
        }
        var previous = Deadline;
        return Move(CaseAction.Extend, actor, reason, now, () =>
        {
            Deadline = newDeadline;
            ExtensionCount++;
        }, details: new() { ["previousDeadline"] = previous, ["deadline"] = newDeadline });
    }

    /// <summary>挂账: the clock pauses; the working time still left is kept for <see cref="Resume"/>.</summary>
    public StepResult Hold(Actor actor, string? reason, WorkingCalendar calendar, DateTimeOffset now)
    {
        var remaining = Deadline is { } d ? CaseClock.RemainingAtHold(calendar, d, now) : (TimeSpan?)null;
        return Move(CaseAction.Hold, actor, reason, now, () => HeldRemaining = remaining,
            details: new() { ["remainingSeconds"] = remaining?.TotalSeconds });
    }

    public StepResult Resume(Actor actor, WorkingCalendar calendar, DateTimeOffset now)
    {
        var deadline = HeldRemaining is { } left ? CaseClock.DeadlineOnResume(calendar, left, now) : Deadline;
        return Move(CaseAction.Resume, actor, null, now, () =>
        {
            Deadline = deadline;
            HeldRemaining = null;
            AcceptedAt ??= now;
        }, details: new() { ["deadline"] = deadline });
    }

    /// <summary>重开: the problem recurred; the case is registered again and goes back to dispatch.</summary>
    public StepResult Reopen(Actor actor, string? reason, DateTimeOffset now) =>
        Move(CaseAction.Reopen, actor, reason, now, () =>
        {
            ClosedAt = null;
            ResolvedAt = null;
            AcceptedAt = null;
            AssigneeId = null;
            Deadline = null;
            RegisteredAt = now;
        });

    private StepResult Move(CaseAction action, Actor actor, string? reason, DateTimeOffset now, Action apply,
        IReadOnlyList<string>? evidence = null, bool handlerOnly = false, Dictionary<string, object?>? details = null)
    {
        var decision = Lifecycle.Decide(State, action, actor.Roles);
        if (!decision.Allowed)
        {
            var kind = Lifecycle.Transitions.ContainsKey((State, action)) ? RefusalKind.Forbidden : RefusalKind.WrongState;
            return StepResult.Refused(kind, decision.Refusal!, decision.RefusalKey, [.. decision.RefusalArgs ?? []]);
        }
        if (!MayAct(actor, action, handlerOnly))
        {
            return handlerOnly
                ? StepResult.Refused(RefusalKind.Forbidden,
                    $"Only the assignee, the unit it was sent to, or the head of cell {CellCode} may '{action.ToCode()}' this case.", "not_handler", CellCode, action.ToCode())
                : StepResult.Refused(RefusalKind.Forbidden,
                    $"You do not serve cell {CellCode}, so you cannot '{action.ToCode()}' its cases.", "not_your_cell", CellCode, action.ToCode());
        }
        if (Lifecycle.NeedsReason.Contains(action) && string.IsNullOrWhiteSpace(reason))
        {
            return StepResult.Refused(RefusalKind.Invalid, $"'{action.ToCode()}' needs a reason: say why, for the case history.", "needs_reason", action.ToCode());
        }
        apply();
        State = decision.To;
        return new StepResult(
            new Step(action, decision.From, decision.To, actor.PersonId, now, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
                evidence ?? [], details ?? new Dictionary<string, object?>()),
            null);
    }

    /// <summary>Scope: area-wide roles act everywhere in their area, cell posts only in cells they serve,
    /// unit staff only on cases sent to their unit.</summary>
    private bool MayAct(Actor actor, CaseAction action, bool handlerOnly)
    {
        var allowed = Lifecycle.AllowedRoles[action];
        if (handlerOnly)
        {
            return actor.PersonId == AssigneeId
                || (actor.Roles.Contains(Role.GridHead) && actor.ServesCell)
                || (actor.Roles.Contains(Role.UnitStaff) && actor.UnitId is not null && actor.UnitId == UnitId)
                || (AssigneeId is null && actor.ServesCell && actor.Roles.Any(allowed.Contains));
        }
        return actor.Roles.Where(allowed.Contains).Any(role => RoleReaches(actor, role));
    }

    private bool InScope(Actor actor) => actor.Roles.Any(role => RoleReaches(actor, role));

    private bool RoleReaches(Actor actor, Role role) => role switch
    {
        _ when Roles.AreaWide.Contains(role) => actor.StreetCode is null || CellCode.StartsWith(actor.StreetCode, StringComparison.Ordinal),
        _ when Roles.CellScoped.Contains(role) => actor.ServesCell,
        Role.UnitStaff => actor.UnitId is not null && actor.UnitId == UnitId,
        _ => false,
    };
}
