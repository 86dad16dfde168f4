using Grid.Domain.Incidents;
using Grid.Web;
using Microsoft.AspNetCore.Http.HttpResults;

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

    /// <summary>
    /// A conflict whose sentence the desk and the phone app say in their reader's language: the key and its arguments
    /// ride beside the detail (<see cref="HistoryTexts.KeyField"/>, <see cref="HistoryTexts.ArgsField"/>,
    /// as a history row's details carry them); API clients read the detail as always.
    /// </summary>
    public static ProblemHttpResult Conflict(string detail, string key, params string[] args) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: new Dictionary<string, object?> { [HistoryTexts.KeyField] = key, [HistoryTexts.ArgsField] = args });

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Not allowed");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    public static ProblemHttpResult Unprocessable(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Cannot be processed");

    public static ValidationProblem Validation(Dictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: string.Join(" ", errors.Values.SelectMany(v => v)), title: "Some fields are not valid.");

    public static ProblemHttpResult FromRefusal(Refusal refusal) => refusal.Kind switch
    {
        RefusalKind.WrongState => Conflict(refusal.Message),
        RefusalKind.Forbidden => Forbidden(refusal.Message),
        _ => BadRequest(refusal.Message),
    };
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
