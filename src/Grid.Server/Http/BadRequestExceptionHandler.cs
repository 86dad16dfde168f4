using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Grid.Server.Http;

/// <summary>
/// Turns a body the framework could not read (malformed JSON, a string where a number belongs)
/// into a ProblemDetails that names the field. Only bad requests; anything else stays a 500.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }
        var detail = bad.InnerException switch
        {
            OutOfRangeJsonException range => $"The field '{range.Path?.TrimStart('$', '.')}' is out of range. {range.Message}",
            JsonException { Path: { Length: > 0 } path } json when json.Message.Contains("could not be converted") =>
                $"The field '{path.TrimStart('$', '.')}' has the wrong type. {TypeHint(json.Message)}",
            JsonException json => $"The request body is not valid JSON: {json.Message.Split(" Path:")[0]} Check the syntax (quotes, commas, brackets).",
            _ when bad.StatusCode == StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
            _ => bad.Message,
        };
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = bad.StatusCode, Title = "The request could not be read.", Detail = detail },
            Exception = exception,
        });
    }

    private static string TypeHint(string message) =>
        message.Contains("System.Double") || message.Contains("System.Int") || message.Contains("System.Decimal") ? "Expected a number."
        : message.Contains("System.Boolean") ? "Expected true or false."
        : message.Contains("System.DateTime") ? "Expected a date-time such as 2026-11-22T09:30:00+08:00."
        : message.Contains("System.Guid") ? "Expected an id such as 3f2504e0-4f89-11d3-9a0c-0305e82c3301."
        : message.Contains("System.String") ? "Expected text."
        : "Check the value against the API description at /openapi/v1.json.";
}
