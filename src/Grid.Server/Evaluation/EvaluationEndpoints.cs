using System.Globalization;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Stats;
using Grid.Web.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Evaluation;

public sealed record PublishRequest(string? Reason);

public sealed record PublishedIndicators(Publication Publication, IndicatorTable Table);

/// <summary>Published monthly evaluations: list, frozen indicators and their cases, (re-)publication.</summary>
public static class EvaluationEndpoints
{
    /// <summary>Who may (re-)publish a month by hand.</summary>
    public static readonly IReadOnlySet<Role> Publishers = new HashSet<Role> { Role.Supervisor };

    public static void MapEvaluation(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/evaluation").WithTags("Figures");
        group.MapGet("/months", Months);
        group.MapGet("/{month}/indicators", Indicators);
        group.MapGet("/{month}/indicators.csv", IndicatorsFile);
        group.MapGet("/{month}/indicators.xlsx", IndicatorsFile);
        group.MapGet("/{month}/cases", Cases);
        group.MapGet("/{month}/cases.csv", CasesFile);
        group.MapGet("/{month}/cases.xlsx", CasesFile);
        group.MapPost("/{month}/publish", Publish);
    }

    private static ProblemHttpResult? Deny(HttpContext http, out string? street)
    {
        var access = FigureParams.AccessOf(Viewer.From(http.User));
        street = access.Street;
        return access.Allowed ? null : Problems.Forbidden(access.Message);
    }

    private static async Task<Results<Ok<IReadOnlyList<Publication>>, ProblemHttpResult>> Months(HttpContext http, EvaluationRepository repo) =>
        Deny(http, out _) is { } denied ? denied : TypedResults.Ok(await repo.ListAsync());

    /// <summary>"2026-10" → its first day and the period of the whole natural month.</summary>
    private static (DateOnly Month, FigureQuery? Period) ParseMonth(string month, string? group, Errors errors)
    {
        if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
        {
            errors.Add("month", $"'{month}' is not a month; write it like 2026-10.");
            return (default, null);
        }
        var last = first.AddMonths(1).AddDays(-1);
        // The parser checks the group; "now" only matters for its defaults, which are not used here.
        var period = FigureParams.Parse(first.ToString("yyyy-MM-dd"), last.ToString("yyyy-MM-dd"), group, DateTimeOffset.UtcNow, errors);
        return (first, period);
    }

    /// <summary>The publication asked for (the month's current version, or the one named) with its period and the reader's
    /// street, or why not: the reader may not read figures, the parameters are wrong, or the month is not published.</summary>
    private static async Task<(IResult? Refused, Publication Pub, FigureQuery Period, string? Street)> FindAsync(HttpContext http,
        EvaluationRepository repo, string month, string? group, int? version, Action<Errors>? more = null)
    {
        if (Deny(http, out var street) is { } denied) return (denied, null!, null!, null);
        var errors = new Errors();
        var (first, period) = ParseMonth(month, group, errors);
        more?.Invoke(errors);
        if (errors.Any) return (errors.ToProblem(), null!, null!, null);
        var pub = Pick(await repo.ListAsync(), first, version);
        if (pub is null) return (Problems.NotFound($"{month} is not published{(version is null ? "" : $" in version {version}")}; see GET /api/evaluation/months."), null!, null!, null);
        return (null, pub, period!, street);
    }

    private static Results<Ok<T>, ValidationProblem, ProblemHttpResult> Refusal<T>(IResult refused) =>
        refused is ValidationProblem invalid ? invalid : (ProblemHttpResult)refused;

    private static void CheckMeasure(string? measure, Errors errors)
    {
        if (measure is null || !Measures.All.Contains(measure)) errors.Add("measure", $"'measure' is one of {string.Join(", ", Measures.All)}.");
    }

    private static async Task<Results<Ok<PublishedIndicators>, ValidationProblem, ProblemHttpResult>> Indicators(string month, string? group, int? version,
        HttpContext http, EvaluationRepository repo)
    {
        var (refused, pub, period, street) = await FindAsync(http, repo, month, group, version);
        if (refused is not null) return Refusal<PublishedIndicators>(refused);
        return TypedResults.Ok(new PublishedIndicators(pub, await repo.IndicatorsAsync(pub, period, street)));
    }

    /// <summary>The frozen table as CSV or xlsx, the same columns as the live one's.</summary>
    private static async Task IndicatorsFile(string month, string? group, int? version, HttpContext http, EvaluationRepository repo)
    {
        var (refused, pub, period, street) = await FindAsync(http, repo, month, group, version);
        if (refused is not null) { await refused.ExecuteAsync(http); return; }
        await StatsEndpoints.WriteIndicatorsAsync(http, $"indicators-{month}-v{pub.Version}-{period.Group}.csv", await repo.IndicatorsAsync(pub, period, street));
    }

    private static async Task<Results<Ok<FigureCasePage>, ValidationProblem, ProblemHttpResult>> Cases(string month, string? group, int? version,
        string? measure, string? key, int? page, int? pageSize, HttpContext http, EvaluationRepository repo)
    {
        var (refused, pub, period, street) = await FindAsync(http, repo, month, group, version, errors =>
        {
            CheckMeasure(measure, errors);
            if (page is < 1) errors.Add("page", "'page' starts at 1.");
            if (pageSize is < 1 or > 500) errors.Add("pageSize", "'pageSize' must be between 1 and 500.");
        });
        if (refused is not null) return Refusal<FigureCasePage>(refused);
        return TypedResults.Ok(await repo.CasesAsync(pub, period, street, measure!, string.IsNullOrEmpty(key) ? null : key, page ?? 1, pageSize ?? 50));
    }

    /// <summary>Every case behind a frozen number as CSV or xlsx (membership as published).</summary>
    private static async Task CasesFile(string month, string? group, int? version, string? measure, string? key, HttpContext http,
        EvaluationRepository repo)
    {
        var (refused, pub, period, street) = await FindAsync(http, repo, month, group, version, errors => CheckMeasure(measure, errors));
        if (refused is not null) { await refused.ExecuteAsync(http); return; }
        await StatsEndpoints.WriteCasesAsync(http, $"cases-{month}-v{pub.Version}-{measure}.csv",
            repo.StreamCasesAsync(pub, period, street, measure!, string.IsNullOrEmpty(key) ? null : key));
    }

    /// <summary>POST /api/evaluation/{month}/publish: a supervisor publishes a past month, or re-publishes it with a reason.</summary>
    private static async Task<Results<Ok<Publication>, ValidationProblem, ProblemHttpResult>> Publish(string month, PublishRequest? body,
        HttpContext http, EvaluationRepository repo, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Publishers.Contains) || viewer.StreetCode is not null)
        {
            return Problems.Forbidden("Only district-wide supervisors publish the monthly evaluation.");
        }
        var errors = new Errors();
        var (first, period) = ParseMonth(month, null, errors);
        var now = clock.GetUtcNow();
        var reason = body?.Reason?.Trim();
        errors.MaxLength(reason, 500, "reason");
        if (errors.Any) return errors.ToProblem();
        if (first.AddMonths(1) > FigureParams.LocalDate(now))
        {
            return Problems.Conflict($"{month} is not over yet; a month is published once it has ended.");
        }
        var published = (await repo.ListAsync()).Any(p => p.Month == first);
        if (published && string.IsNullOrEmpty(reason))
        {
            errors.Add("reason", $"{month} is published already; say in 'reason' why it is published again (it is audited).");
            return errors.ToProblem();
        }
        var pub = await repo.PublishAsync(first, period!, viewer.PersonId, string.IsNullOrEmpty(reason) ? null : reason, now, onlyIfUnpublished: false);
        return TypedResults.Ok(pub!);
    }

    private static Publication? Pick(IReadOnlyList<Publication> all, DateOnly month, int? version) =>
        all.FirstOrDefault(p => p.Month == month && (version is null ? p.IsCurrent : p.Version == version));
}

public static class EvaluationSetup
{
    public static IServiceCollection AddEvaluation(this IServiceCollection services)
    {
        services.AddSingleton<EvaluationRepository>();
        services.AddTransient<MonthlyEvaluationJob>();
        services.AddScoped<IPublishedFigures, PublishedFigures>();
        return services;
    }
}
