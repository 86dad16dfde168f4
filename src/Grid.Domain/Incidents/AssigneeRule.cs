using Grid.Domain.People;

namespace Grid.Domain.Incidents;

/// <summary>A staff member who could take a case, with his current load.</summary>
public sealed record Candidate(Guid PersonId, Role Role, bool OnDuty, int OpenCases);

/// <summary>Who gets a case when nobody is named: the least loaded person on duty in the wanted role.</summary>
public static class AssigneeRule
{
    /// <summary>
    /// The on-duty candidate of <paramref name="role"/> with the fewest open cases (ties go to the smallest
    /// PersonId, so repeated runs agree). With nobody of that role on duty, the grid head answers for the
    /// cell, as the first escalation step; null when no grid head is on duty either.
    /// </summary>
    public static Candidate? Choose(IEnumerable<Candidate> staff, Role role)
    {
        var onDuty = staff.Where(c => c.OnDuty).ToList();
        return LeastLoaded(onDuty, role) ?? LeastLoaded(onDuty, Role.GridHead);
    }

    private static Candidate? LeastLoaded(IEnumerable<Candidate> staff, Role role) =>
        staff.Where(c => c.Role == role).OrderBy(c => c.OpenCases).ThenBy(c => c.PersonId).FirstOrDefault();
}
