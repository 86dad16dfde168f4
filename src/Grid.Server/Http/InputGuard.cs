using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Grid.Server.Http;

/// <summary>
/// One gate for text a client sends, on every route (anonymous ones included), before any endpoint
/// reads it: the query, the path, JSON bodies (every string, property names included), form fields
/// and XML bodies. PostgreSQL cannot store U+0000 and Npgsql cannot encode a lone surrogate, so
/// either used to reach the database as a 500; other C0 controls are never meaningful in our text.
/// A body in a charset other than UTF-8 is refused here rather than half-decoded by a reader.
/// </summary>
public sealed class InputGuard(RequestDelegate next)
{
    /// <summary>JSON bodies larger than this are not scanned here; the endpoint's own body limit refuses them.</summary>
    private const long MaxScannedJson = 64 * 1024 * 1024;

    /// <summary>Multipart forms up to this size are checked here (Open311 posts); larger ones are photo uploads.</summary>
    private const long MaxScannedMultipart = 256 * 1024;

    public async Task InvokeAsync(HttpContext http)
    {
        var problem = CheckPath(http.Request) ?? CheckQuery(http.Request) ?? CheckCharset(http.Request);
        // SignalR frames (the city hub, Blazor's circuit) end with U+001E by protocol; hub arguments are checked by the hub.
        if (problem is null && HasBody(http.Request) && !http.Request.Path.StartsWithSegments("/hubs") && !http.Request.Path.StartsWithSegments("/_blazor"))
        {
            problem = await CheckBodyAsync(http);
        }
        if (problem is { } p)
        {
            await ErrorAnswer.WriteAsync(http, p.Status, p.Title, p.Detail);
            return;
        }
        await next(http);
    }

    private sealed record Refusal(int Status, string Title, string Detail);

    private static Refusal Bad(string detail) => new(StatusCodes.Status400BadRequest, "The request contains characters that are not allowed.", detail);

    /// <summary>The offending character of <paramref name="text"/> as a person can read it, or null when the text is clean.</summary>
    public static string? BadCharacter(string? text)
    {
        if (text is null) return null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < 0x20 && c is not ('\t' or '\n' or '\r') || c == 0x7F)
                return $"the control character U+{(int)c:X4} at position {i + 1}";
            if (char.IsHighSurrogate(c) && (i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1])) || char.IsLowSurrogate(c) && (i == 0 || !char.IsHighSurrogate(text[i - 1])))
                return $"an unpaired surrogate U+{(int)c:X4} at position {i + 1} (not valid Unicode text)";
        }
        return null;
    }

    private static Refusal? CheckPath(HttpRequest request) =>
        BadCharacter(request.Path.Value) is { } bad ? Bad($"The address (path) contains {bad}; remove it.") : null;

    private static Refusal? CheckQuery(HttpRequest request)
    {
        foreach (var (key, values) in request.Query)
        {
            if (BadCharacter(key) is { } badKey) return Bad($"A query parameter name contains {badKey}; remove it.");
            foreach (var value in values)
            {
                if (BadCharacter(value) is { } bad) return Bad($"The query parameter '{Shown(key)}' contains {bad}; remove it.");
            }
        }
        return null;
    }

    private static Refusal? CheckCharset(HttpRequest request)
    {
        if (request.ContentType is null || !MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return null;
        var charset = type.Charset.HasValue ? type.Charset.Value!.Trim('"') : null;
        if (charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase))
            return null;
        // ASCII is a subset of UTF-8; anything else (utf-7, gbk, latin1, utf-16) would be read differently by each reader.
        if (charset.Equals("us-ascii", StringComparison.OrdinalIgnoreCase)) return null;
        return new Refusal(StatusCodes.Status415UnsupportedMediaType, "Unsupported character set.",
            $"The body is declared as charset={Shown(charset)}; send it as UTF-8 (Content-Type: {type.MediaType}; charset=utf-8).");
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;

    private static async Task<Refusal?> CheckBodyAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.ContentType is null || !MediaTypeHeaderValue.TryParse(request.ContentType, out var type)) return null;
        var media = type.MediaType.Value ?? "";
        if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            return await CheckJsonAsync(http);
        // Large multipart bodies are file uploads, read (with their own limits) by the endpoint that takes them.
        if (request.HasFormContentType && !(media.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase) && !(request.ContentLength < MaxScannedMultipart)))
            return await CheckFormAsync(http);
        if (media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+xml", StringComparison.OrdinalIgnoreCase) || media.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
            return await CheckTextAsync(http);
        return null;
    }

    private static async Task<byte[]?> BufferAsync(HttpContext http)
    {
        if (http.Request.ContentLength > MaxScannedJson) return null;
        http.Request.EnableBuffering();
        using var copy = new MemoryStream();
        try
        {
            await http.Request.Body.CopyToAsync(copy, http.RequestAborted);
        }
        catch (BadHttpRequestException)
        {
            // Over the route's body limit: the endpoint's reader answers 413 with its own message.
            http.Request.Body.Position = 0;
            return null;
        }
        http.Request.Body.Position = 0;
        return copy.ToArray();
    }

    private static async Task<Refusal?> CheckJsonAsync(HttpContext http)
    {
        var bytes = await BufferAsync(http);
        if (bytes is null) return null;
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped) continue;
                string text;
                try
                {
                    text = reader.GetString()!;
                }
                catch (InvalidOperationException)
                {
                    return Bad($"The JSON text at {Where(reader)} contains an unpaired surrogate escape (not valid Unicode text); remove it.");
                }
                if (BadCharacter(text) is { } bad) return Bad($"The JSON text at {Where(reader)} contains {bad}; remove it.");
            }
        }
        catch (JsonException)
        {
            // Not JSON at all: the endpoint's reader says what is wrong with it.
        }
        return null;
    }

    private static string Where(Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.PropertyName ? $"a property name (byte {reader.TokenStartIndex})" : $"byte {reader.TokenStartIndex.ToString(CultureInfo.InvariantCulture)}";

    private static async Task<Refusal?> CheckFormAsync(HttpContext http)
    {
        IFormCollection form;
        try
        {
            // The framework keeps the parsed form, so the endpoint reads the same one.
            form = await http.Request.ReadFormAsync(http.RequestAborted);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return new Refusal(StatusCodes.Status400BadRequest, "The form could not be read.", $"The form body could not be read: {e.Message}");
        }
        foreach (var (key, values) in form)
        {
            if (BadCharacter(key) is { } badKey) return Bad($"A form field name contains {badKey}; remove it.");
            foreach (var value in values)
            {
                if (BadCharacter(value) is { } bad) return Bad($"The form field '{Shown(key)}' contains {bad}; remove it.");
            }
        }
        foreach (var file in form.Files)
        {
            if (BadCharacter(file.FileName) is { } bad) return Bad($"The file name of form field '{Shown(file.Name)}' contains {bad}; rename the file.");
        }
        return null;
    }

    /// <summary>XML and plain text: decoded as UTF-8 and checked like any other text (XML 1.0 forbids these characters too).</summary>
    private static async Task<Refusal?> CheckTextAsync(HttpContext http)
    {
        var bytes = await BufferAsync(http);
        if (bytes is null) return null;
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Bad("The body is not valid UTF-8 text; send it encoded as UTF-8.");
        }
        if (BadCharacter(text) is { } bad) return Bad($"The body contains {bad}; remove it.");
        // Character references are decoded by the XML reader later; &#0; and friends are refused here as well.
        if (System.Text.RegularExpressions.Regex.IsMatch(text, @"&#(0*([0-8]|1[124-9]|2[0-9]|3[01]|127)|x0*([0-8bcef]|1[0-9a-f]|7f));", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            return Bad("The body contains a character reference to a control character (such as &#0;); remove it.");
        return null;
    }

    /// <summary>Echoes client text in a message without its control characters, and not too long.</summary>
    private static string Shown(string text)
    {
        var clean = new string(text.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).Take(60).ToArray());
        return clean;
    }
}
