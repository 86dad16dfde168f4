using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Stats;
using Grid.Web.Pages;

namespace Grid.Server.Evaluation;

/// <summary>The published-months page reads the frozen figures through this (scoped to the viewer's street).</summary>
public sealed class PublishedFigures(IHttpContextAccessor http, EvaluationRepository repo) : IPublishedFigures
{
    public async Task<IReadOnlyList<PublishedMonth>> MonthsAsync() =>
        (await repo.ListAsync()).Select(p => new PublishedMonth(p.Month, p.Version, p.PublishedAt, p.PublishedByName, p.Reason, p.IsCurrent)).ToList();

    public async Task<IndicatorTable?> IndicatorsAsync(DateOnly month, string group)
    {
        var user = http.HttpContext?.User;
        if (user?.Identity?.IsAuthenticated != true) return null;
        var access = FigureParams.AccessOf(Viewer.From(user));
        if (!access.Allowed) return null;
        var pub = (await repo.ListAsync()).FirstOrDefault(p => p.Month == month && p.IsCurrent);
        if (pub is null) return null;
        var errors = new Errors();
        var period = FigureParams.Parse(month.ToString("yyyy-MM-dd"), month.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd"), group, pub.PublishedAt, errors);
        return period is null ? null : await repo.IndicatorsAsync(pub, period, access.Street);
    }
}
