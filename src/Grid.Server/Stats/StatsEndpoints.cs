using Grid.Domain.Escalation;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Web.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Stats;

public static class StatsEndpoints
{
    public static IServiceCollection AddStats(this IServiceCollection services)
    {
        services.AddSingleton<StatsRepository>();
        services.AddScoped<IFiguresSource, FiguresSource>();
        return services;
    }

    /// <summary>The figures as JSON, as streamed CSV and as xlsx: each table the figures pages show.</summary>
    public static void MapStats(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/stats").WithTags("Figures");
        group.MapGet("/indicators", Indicators);
        group.MapGet("/indicators.csv", IndicatorsCsv);
        group.MapGet("/indicators.xlsx", IndicatorsCsv);
        group.MapGet("/cases", Cases);
        group.MapGet("/cases.csv", CasesCsv);
        group.MapGet("/cases.xlsx", CasesCsv);
        group.MapGet("/stage-times", StageTimes);
        group.MapGet("/stage-times.csv", StageTimesCsv);
        group.MapGet("/stage-times.xlsx", StageTimesCsv);
        group.MapGet("/escalations", Escalations);
        group.MapGet("/escalations.csv", EscalationsCsv);
        group.MapGet("/escalations.xlsx", EscalationsCsv);
    }

    /// <summary>Checks the reader and the parameters; null result = go ahead.</summary>
    private static IResult? Check(HttpContext http, string? from, string? to, string? group, TimeProvider clock, out FigureQuery query,
        out string? street, Action<Errors>? more = null)
    {
        query = null!;
        street = null;
        var access = FigureParams.AccessOf(Viewer.From(http.User));
        if (!access.Allowed) return Problems.Forbidden(access.Message);
        var errors = new Errors();
        var q = FigureParams.Parse(from, to, group, clock.GetUtcNow(), errors);
        more?.Invoke(errors);
        if (errors.Any) return errors.ToProblem();
        query = q!;
        street = access.Street;
        return null;
    }

    private static async Task<IResult> Indicators(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group)
    {
        if (Check(http, from, to, group, clock, out var q, out var street) is { } refused) return refused;
        return TypedResults.Ok(await stats.IndicatorsAsync(q, street, clock.GetUtcNow()));
    }

    private static async Task IndicatorsCsv(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group)
    {
        if (Check(http, from, to, group, clock, out var q, out var street) is { } refused) { await refused.ExecuteAsync(http); return; }
        await WriteIndicatorsAsync(http, $"indicators-{q.Group}.csv", await stats.IndicatorsAsync(q, street, clock.GetUtcNow()));
    }

    /// <summary>An indicator table as CSV or xlsx (by the route's extension): a row per group and the total, each rate beside
    /// its numerator and denominator. Live and published months write the same columns.</summary>
    internal static Task WriteIndicatorsAsync(HttpContext http, string fileName, IndicatorTable table) =>
        Csv.WriteAsync(http, fileName,
            ["group", "key", "name", "reports", "registered", "registration_rate", "dispatched", "dispatch_rate", "due_to_close", "closed", "closing_rate",
             "closed_on_time", "on_time_rate", "rework_events", "rework_rate", "extended", "extension_rate", "overdue_now",
             "followup_due", "followed_up", "followup_rate", "satisfied", "satisfaction_rate", "no_answer"],
            Csv.Of(table.Rows.Append(table.Total)), r => [table.Query.Group, r.Key, r.Key == "" && r == table.Total ? "total" : r.Name, r.Reports, r.Registered,
                IndicatorRow.Rate(r.Registered, r.Reports), r.Dispatched, IndicatorRow.Rate(r.Dispatched, r.Registered), r.Due, r.Closed,
                IndicatorRow.Rate(r.Closed, r.Due), r.ClosedOnTime, IndicatorRow.Rate(r.ClosedOnTime, r.Due), r.Reworks,
                IndicatorRow.Rate(r.Reworks, r.Due), r.Extended, IndicatorRow.Rate(r.Extended, r.Due), r.Overdue,
                r.FollowUpDue, r.FollowedUp, IndicatorRow.Rate(r.FollowedUp, r.FollowUpDue), r.Satisfied, IndicatorRow.Rate(r.Satisfied, r.FollowedUp),
                r.NoAnswer]);

    private static void CheckMeasure(string? measure, int? page, int? pageSize, Errors errors)
    {
        if (string.IsNullOrWhiteSpace(measure)) errors.Add("measure", $"'measure' names the number to list: {string.Join(", ", Measures.All)}.");
        else if (!Measures.All.Contains(measure)) errors.Add("measure", $"Measure '{measure}' is unknown; use {string.Join(", ", Measures.All)}.");
        Paging.Check(page, pageSize, 500, errors);
    }

    private static async Task<IResult> Cases(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group,
        string? measure, string? key, int? page, int? pageSize)
    {
        if (Check(http, from, to, group, clock, out var q, out var street, e => CheckMeasure(measure, page, pageSize, e)) is { } refused) return refused;
        return TypedResults.Ok(await stats.CasesAsync(q, street, clock.GetUtcNow(), measure!, key, page ?? 1, pageSize ?? 100));
    }

    private static async Task CasesCsv(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group,
        string? measure, string? key)
    {
        if (Check(http, from, to, group, clock, out var q, out var street, e => CheckMeasure(measure, null, null, e)) is { } refused) { await refused.ExecuteAsync(http); return; }
        await WriteCasesAsync(http, $"cases-{measure}.csv", stats.StreamCasesAsync(q, street, clock.GetUtcNow(), measure!, key));
    }

    /// <summary>The cases behind a number as CSV or xlsx (by the route's extension), streamed as they are read.</summary>
    internal static Task WriteCasesAsync(HttpContext http, string fileName, IAsyncEnumerable<FigureCase> cases) =>
        Csv.WriteAsync(http, fileName,
            ["id", "case_no", "state", "category", "cell", "unit", "assignee", "created_at", "deadline", "closed_at", "extensions", "reworks"],
            cases,
            c => [c.Id, c.CaseNo, c.State, c.CategoryCode, c.CellCode, c.UnitName, c.AssigneeName, c.CreatedAt, c.Deadline, c.ClosedAt, c.ExtensionCount, c.ReworkCount]);

    private static async Task<IResult> StageTimes(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group)
    {
        if (Check(http, from, to, group ?? FigureGroups.Unit, clock, out var q, out var street) is { } refused) return refused;
        return TypedResults.Ok(await stats.StageTimesAsync(q, street, clock.GetUtcNow()));
    }

    private static async Task StageTimesCsv(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? group)
    {
        if (Check(http, from, to, group ?? FigureGroups.Unit, clock, out var q, out var street) is { } refused) { await refused.ExecuteAsync(http); return; }
        await Csv.WriteAsync(http, $"stage-times-{q.Group}.csv", ["group", "key", "name", "stage", "cases", "median_seconds", "p90_seconds"],
            Csv.Of(await stats.StageTimesAsync(q, street, clock.GetUtcNow())), r => [q.Group, r.Key, r.Name, r.Stage, r.Cases, r.MedianSeconds, r.P90Seconds]);
    }

    private static void CheckLevel(string? level, Errors errors)
    {
        if (level is not null && !EscalationLevels.TryParse(level, out _))
            errors.Add("level", $"Level '{level}' is unknown; use warning, assignee, grid_head, street_leader, district or supervise.");
    }

    private static async Task<IResult> Escalations(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? level, int? limit)
    {
        if (Check(http, from, to, null, clock, out var q, out var street, e =>
            {
                CheckLevel(level, e);
                if (limit is < 1 or > 1000) e.Add("limit", "'limit' must be between 1 and 1000; the CSV has every row.");
            }) is { } refused) return refused;
        return TypedResults.Ok(await stats.EscalationsAsync(q, street, level, limit ?? 200));
    }

    private static async Task EscalationsCsv(HttpContext http, StatsRepository stats, TimeProvider clock, string? from, string? to, string? level)
    {
        if (Check(http, from, to, null, clock, out var q, out var street, e => CheckLevel(level, e)) is { } refused) { await refused.ExecuteAsync(http); return; }
        await Csv.WriteAsync(http, "escalations.csv",
            ["id", "case_id", "case_no", "level", "at", "due_at", "cell", "unit", "assignee", "case_state", "current", "note"],
            stats.StreamEscalationsAsync(q, street, level),
            e => [e.Id, e.CaseId, e.CaseNo, e.Level, e.At, e.DueAt, e.CellCode, e.UnitName, e.AssigneeName, e.CaseState, e.Current ? "yes" : "no", e.Note]);
    }
}

/// <summary>The figures pages' data, for the signed-in person, limited to their street when they have one.</summary>
/// The person comes from the authentication state, which interactive pages have (they have no HttpContext).
public sealed class FiguresSource(Microsoft.AspNetCore.Components.Authorization.AuthenticationStateProvider auth, StatsRepository stats,
    TimeProvider clock) : IFiguresSource
{
    private FiguresAccess? _access;

    public async Task<FiguresAccess> AccessAsync() =>
        _access ??= FigureParams.AccessOf(Viewer.From((await auth.GetAuthenticationStateAsync()).User));

    private FiguresAccess Access() => _access ?? throw new InvalidOperationException("Ask AccessAsync first.");

    public FigureQuery? Parse(string? from, string? to, string? group, out string? error)
    {
        var errors = new Errors();
        var q = FigureParams.Parse(from, to, group, clock.GetUtcNow(), errors);
        error = errors.Any ? string.Join(" ", errors.ToProblem().ProblemDetails.Errors.SelectMany(e => e.Value)) : null;
        return q;
    }

    private string? Street => Access().Allowed ? Access().Street : throw new InvalidOperationException(Access().Message);

    public Task<IndicatorTable> IndicatorsAsync(FigureQuery query) => stats.IndicatorsAsync(query, Street, clock.GetUtcNow());
    public Task<IReadOnlyList<StageRow>> StageTimesAsync(FigureQuery query) => stats.StageTimesAsync(query, Street, clock.GetUtcNow());
    public Task<EscalationFigures> EscalationsAsync(FigureQuery query, string? level, int limit) => stats.EscalationsAsync(query, Street, level, limit);
    public Task<FigureCasePage> CasesAsync(FigureQuery query, string measure, string? key, int page, int pageSize) =>
        stats.CasesAsync(query, Street, clock.GetUtcNow(), measure, key, page, pageSize);
}
