using Grid.Domain.Incidents;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Incidents;

/// <summary>A case the caller may see, and the caller as the case rules see him.</summary>
public sealed record VisibleCase(CaseRow Row, Actor Actor);

public static class CaseAccess
{
    /// <summary>
    /// Loads a case for a route that acts on it: 404 if there is none, 403 if it is outside the cells
    /// and area the viewer serves (the rule of <see cref="Case.IsVisibleTo"/>).
    /// </summary>
    public static async Task<(VisibleCase? Case, ProblemHttpResult? Problem)> LoadVisibleAsync(
        this CaseRepository cases, StaffRepository staff, Viewer viewer, long id)
    {
        var row = await cases.FindAsync(id);
        if (row is null) return (null, Problems.NotFound($"There is no case {id}."));
        var actor = viewer.AsActor(await staff.ServesCellAsync(viewer.PersonId, row.CellCode));
        if (!row.ToDomain().IsVisibleTo(actor))
        {
            return (null, Problems.Forbidden($"Case {id} is in cell {row.CellCode}, outside the cells and area you serve."));
        }
        return (new VisibleCase(row, actor), null);
    }
}
