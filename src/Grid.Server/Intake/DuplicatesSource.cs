using Grid.Server.Auth;
using Grid.Web.Pages.Intake;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Intake;

/// <summary>The duplicates page's data and decisions: the same rules and answers as /api/duplicates, for the circuit's person.</summary>
public sealed class DuplicatesSource(AuthenticationStateProvider auth, DuplicateRepository duplicates, TimeProvider clock) : IDuplicatesSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<IReadOnlyList<DuplicateFlag>> ListOpenAsync()
    {
        var viewer = await ViewerAsync();
        if (!IntakeEndpoints.MayRead(viewer)) return [];
        var rows = await duplicates.ListAsync("open", viewer.AreaPrefix, null);
        return rows.Select(IntakeEndpoints.ToView).Select(v => new DuplicateFlag(v.Id, v.DistanceM, v.CategoryNameZh, Side(v.Report), Side(v.Candidate)))
            .ToList();
    }

    public Task<DecisionOutcome> MergeAsync(long flagId, string? reason) => DecideAsync(flagId, reason, merge: true);
    public Task<DecisionOutcome> KeepApartAsync(long flagId, string? reason) => DecideAsync(flagId, reason, merge: false);

    private async Task<DecisionOutcome> DecideAsync(long flagId, string? reason, bool merge)
    {
        var result = await IntakeEndpoints.DecideAsync(flagId, new DecisionRequest(reason), await ViewerAsync(), duplicates, clock, merge);
        return result.Result is ProblemHttpResult problem ? new DecisionOutcome(problem.ProblemDetails.Detail ?? problem.ProblemDetails.Title) : new DecisionOutcome(null);
    }

    private static DuplicateSide Side(DuplicateCaseView c) => new(c.Id, c.CaseNo, c.Source, c.State, c.Description, c.Address, c.CreatedAt);
}
