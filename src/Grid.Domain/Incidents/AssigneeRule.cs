using Grid.Domain.People;

namespace Grid.Domain.Incidents;

/// <summary>A staff member who could take a case, with his current load.</summary>
public sealed record Candidate(Guid PersonId, Role Role, bool OnDuty, int OpenCases);

/// <summary>Which step of the routing rule chose the assignee (the dispatch suggestion says it).</summary>
public enum AssigneeRuleStep
{
    /// <summary>The least-loaded person on duty in the category's handler post.</summary>
    HandlerOnDuty,
    /// <summary>Nobody of the handler post on duty: the cell's grid head on duty answers for the cell.</summary>
    GridHeadFallback,
    /// <summary>Neither on duty: the case goes to the responsible unit without a named person.</summary>
    UnitOnly,
    /// <summary>Neither on duty in the cell: the least-loaded person on duty by the responsible unit's own roster.</summary>
    UnitOnDuty,
}

/// <summary>Who gets a case when nobody is named: the least loaded person on duty in the wanted role.</summary>
public static class AssigneeRule
{
    /// <summary>
    /// The on-duty candidate of <paramref name="role"/> with the fewest open cases (ties go to the smallest
    /// PersonId, so repeated runs agree). With nobody of that role on duty, the grid head answers for the
    /// cell, as the first escalation step; null when no grid head is on duty either.
    /// </summary>
    public static Candidate? Choose(IEnumerable<Candidate> staff, Role role) => ChooseWithStep(staff, role).Chosen;

    /// <summary><see cref="Choose"/>, and which step of the rule chose.</summary>
    public static (Candidate? Chosen, AssigneeRuleStep Step) ChooseWithStep(IEnumerable<Candidate> staff, Role role)
    {
        var onDuty = staff.Where(c => c.OnDuty).ToList();
        if (LeastLoaded(onDuty, role) is { } handler) return (handler, AssigneeRuleStep.HandlerOnDuty);
        if (LeastLoaded(onDuty, Role.GridHead) is { } head) return (head, AssigneeRuleStep.GridHeadFallback);
        return (null, AssigneeRuleStep.UnitOnly);
    }

    /// <summary>
    /// The whole rule: the cell's steps of <see cref="ChooseWithStep(IEnumerable{Candidate}, Role)"/>, and when they name
    /// nobody, the least-loaded of <paramref name="unitOnDuty"/> (the responsible unit's staff on duty by its roster);
    /// with nobody there either, the unit without a named person.
    /// </summary>
    public static (Candidate? Chosen, AssigneeRuleStep Step) ChooseWithStep(IEnumerable<Candidate> staff, Role role, IEnumerable<Candidate> unitOnDuty)
    {
        var cell = ChooseWithStep(staff, role);
        if (cell.Chosen is not null) return cell;
        return LeastLoaded(unitOnDuty.Where(c => c.OnDuty), Role.UnitStaff) is { } unit ? (unit, AssigneeRuleStep.UnitOnDuty) : cell;
    }

    private static Candidate? LeastLoaded(IEnumerable<Candidate> staff, Role role) =>
        staff.Where(c => c.Role == role).OrderBy(c => c.OpenCases).ThenBy(c => c.PersonId).FirstOrDefault();
}
