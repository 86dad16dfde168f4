using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Web;
using Grid.Web.Pages.Intake;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;

namespace Grid.Server.Intake;

/// <summary>The duplicates page's data and decisions: the same rules and answers as /api/duplicates, for the circuit's person.</summary>
public sealed class DuplicatesSource(AuthenticationStateProvider auth, DuplicateRepository duplicates, TimeProvider clock, IStringLocalizer<Strings> texts)
    : IDuplicatesSource
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
        return new DecisionOutcome(Problems.ErrorOf(result.Result, texts));
    }

    private static DuplicateSide Side(DuplicateCaseView c) => new(c.Id, c.CaseNo, c.Source, c.State, c.Description, c.Address, c.CreatedAt);
}
