using Grid.Server.Http;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Admin;

/// <summary>The HTTP form of an <see cref="AdminResult{T}"/>: the console's pages and the /api/admin routes answer alike.</summary>
public static class AdminAnswers
{
    public static IResult ToHttp<T>(AdminResult<T> result, string? location = null) => result.Status switch
    {
        201 => TypedResults.Created(location, result.Value),
        >= 200 and < 300 => TypedResults.Ok(result.Value),
        400 => Problems.Validation(result.Errors!.ToDictionary(e => e.Key, e => e.Value)),
        409 => TypedResults.Problem(result.Message, statusCode: 409, title: "Changed meanwhile",
            extensions: new Dictionary<string, object?> { ["current"] = result.Current }),
        _ => TypedResults.Problem(result.Message, statusCode: result.Status, title: result.Status == 404 ? "Not found" : "Not allowed"),
    };
}
