using Grid.Domain.Incidents;
using Grid.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;

namespace Grid.Server.Http;

/// <summary>ProblemDetails with messages a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Not signed in");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    /// <summary>A conflict whose sentence pages say in their reader's language (<see cref="Keyed"/>).</summary>
    public static ProblemHttpResult Conflict(string detail, string key, params string[] args) => Keyed(Conflict(detail), key, args);

    /// <summary>
    /// The problem with its sentence's key and arguments beside the detail (<see cref="HistoryTexts.KeyField"/>,
    /// <see cref="HistoryTexts.ArgsField"/>, as a history row's details carry them), so that the desk and the phone app
    /// say it in their reader's language; API clients read the detail as always.
    /// </summary>
    public static ProblemHttpResult Keyed(ProblemHttpResult problem, string? key, IReadOnlyList<string>? args)
    {
        if (key is null) return problem;
        problem.ProblemDetails.Extensions[HistoryTexts.KeyField] = key;
        problem.ProblemDetails.Extensions[HistoryTexts.ArgsField] = (args ?? []).ToArray();
        return problem;
    }

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    public static ProblemHttpResult Unprocessable(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Cannot be processed");

    public static ValidationProblem Validation(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.Values.SelectMany(v => v)), title: "Some fields are not valid.");

    /// <summary>
    /// What a desk page shows for a route's answer run in its circuit: null for a success, else the person-readable
    /// reason, a keyed refusal in the reader's language
    /// (<paramref name="l"/>, the page's texts), else the server's detail as the API gives it.
    /// </summary>
    public static string? ErrorOf(IResult result, IStringLocalizer<Strings> l) => result switch
    {
        ProblemHttpResult p when p.ProblemDetails.Extensions.TryGetValue(HistoryTexts.KeyField, out var key) && key is string k =>
            HistoryTexts.Problem(l, k, p.ProblemDetails.Extensions.TryGetValue(HistoryTexts.ArgsField, out var a) ? a as string[] : null,
                p.ProblemDetails.Detail ?? p.ProblemDetails.Title),
        ProblemHttpResult p => p.ProblemDetails.Detail ?? p.ProblemDetails.Title,
        ValidationProblem v => string.Join(" ", v.ProblemDetails.Errors.SelectMany(e => e.Value)),
        INestedHttpResult n => ErrorOf(n.Result, l),
        IStatusCodeHttpResult { StatusCode: >= 400 } s => $"HTTP {s.StatusCode}",
        _ => null,
    };

    public static ProblemHttpResult FromRefusal(Refusal refusal) => Keyed(refusal.Kind switch
    {
        RefusalKind.WrongState => Conflict(refusal.Message),
        RefusalKind.Forbidden => Forbidden(refusal.Message),
        _ => BadRequest(refusal.Message),
    }, refusal.Key, refusal.Args);
}

/// <summary>Collects field errors for a ValidationProblem.</summary>
public sealed class Errors
{
    private readonly Dictionary<string, List<string>> _errors = new();

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    public void Require(bool ok, string field, string message)
    {
        if (!ok) Add(field, message);
    }

    public void MaxLength(string? value, int max, string field)
    {
        if (value is not null && value.Length > max) Add(field, $"'{field}' is {value.Length} characters long; at most {max} are allowed.");
    }

    public ValidationProblem ToProblem() => Problems.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
