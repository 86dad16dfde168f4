using Grid.Server.Http;
using Grid.Server.Stats;
using Grid.Web.Pages;

namespace Grid.Server.Evaluation;

/// <summary>
/// The published-months pages read the frozen figures through this, scoped like the live figures
/// (the person from the authentication state, which interactive pages have; limited to their street).
/// </summary>
public sealed class PublishedFigures(IFiguresSource figures, EvaluationRepository repo) : IPublishedFigures
{
    public async Task<IReadOnlyList<PublishedMonth>> MonthsAsync() =>
        !(await figures.AccessAsync()).Allowed ? []
            : (await repo.ListAsync()).Select(p => new PublishedMonth(p.Month, p.Version, p.PublishedAt, p.PublishedByName, p.Reason, p.IsCurrent)).ToList();

    public async Task<IndicatorTable?> IndicatorsAsync(DateOnly month, string group, int? version) =>
        await PickAsync(month, group, version) is ({ } pub, { } period, var street) ? await repo.IndicatorsAsync(pub, period, street) : null;

    public async Task<FigureCasePage?> CasesAsync(DateOnly month, string group, int? version, string measure, string? key, int page, int pageSize) =>
        await PickAsync(month, group, version) is ({ } pub, { } period, var street)
            ? await repo.CasesAsync(pub, period, street, measure, string.IsNullOrEmpty(key) ? null : key, page, pageSize)
            : null;

    private async Task<(Publication, FigureQuery, string?)?> PickAsync(DateOnly month, string group, int? version)
    {
        var access = await figures.AccessAsync();
        if (!access.Allowed) return null;
        var pub = (await repo.ListAsync()).FirstOrDefault(p => p.Month == month && (version is null ? p.IsCurrent : p.Version == version));
        if (pub is null) return null;
        var errors = new Errors();
        var period = FigureParams.Parse(month.ToString("yyyy-MM-dd"), month.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd"), group, pub.PublishedAt, errors);
        return period is null ? null : (pub, period, access.Street);
    }
}
