using System.Net.Http.Json;
using System.Text.Json;

namespace Grid.Server.Tests.Http;

/// <summary>A parameter of a route as the OpenAPI document describes it.</summary>
public sealed record RouteParameter(string Name, string In, string Type, string? Format);

/// <summary>One operation of the OpenAPI document: method, path template, parameters and JSON body schema.</summary>
public sealed record RouteOperation(string Method, string Path, IReadOnlyList<RouteParameter> Parameters, JsonElement? BodySchema, bool FormBody)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// The routes of the served OpenAPI document (/openapi/v1.json), so the hostile-input and the
/// authorization suites cover a route as soon as it is mapped, without a list to keep up to date.
/// </summary>
public sealed class RouteCatalog
{
    public required IReadOnlyList<RouteOperation> Operations { get; init; }
    public required JsonElement Components { get; init; }

    public static async Task<RouteCatalog> LoadAsync(HttpClient signedIn)
    {
        var text = await signedIn.GetStringAsync("/openapi/v1.json");
        var doc = JsonDocument.Parse(text).RootElement.Clone();
        var ops = new List<RouteOperation>();
        foreach (var path in doc.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                if (op.Name is "parameters" or "summary" or "description") continue;
                var parameters = new List<RouteParameter>();
                if (op.Value.TryGetProperty("parameters", out var ps))
                {
                    foreach (var p in ps.EnumerateArray())
                    {
                        var schema = p.TryGetProperty("schema", out var s) ? s : default;
                        parameters.Add(new RouteParameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                            TypeOf(schema), schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var f) ? f.GetString() : null));
                    }
                }
                JsonElement? body = null;
                var form = false;
                if (op.Value.TryGetProperty("requestBody", out var rb) && rb.TryGetProperty("content", out var content))
                {
                    foreach (var c in content.EnumerateObject())
                    {
                        if (c.Name.Contains("json") && c.Value.TryGetProperty("schema", out var js)) body = js;
                        if (c.Name.Contains("form")) form = true;
                    }
                }
                ops.Add(new RouteOperation(op.Name.ToUpperInvariant(), path.Name, parameters, body, form));
            }
        }
        return new RouteCatalog
        {
            Operations = ops,
            Components = doc.TryGetProperty("components", out var comp) ? comp : default,
        };
    }

    public static string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object) return "string";
        if (schema.TryGetProperty("type", out var t))
        {
            if (t.ValueKind == JsonValueKind.String) return t.GetString()!;
            if (t.ValueKind == JsonValueKind.Array)
                return t.EnumerateArray().Select(x => x.GetString()).FirstOrDefault(x => x is not "null") ?? "string";
        }
        if (schema.TryGetProperty("$ref", out _)) return "object";
        if (schema.TryGetProperty("oneOf", out var one) || schema.TryGetProperty("anyOf", out one))
            return one.EnumerateArray().Select(TypeOf).FirstOrDefault(x => x != "null") ?? "string";
        return "string";
    }

    public JsonElement Resolve(JsonElement schema)
    {
        for (var depth = 0; depth < 10 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var r); depth++)
        {
            var name = r.GetString()!.Split('/').Last();
            schema = Components.GetProperty("schemas").GetProperty(name);
        }
        if (schema.ValueKind == JsonValueKind.Object && (schema.TryGetProperty("oneOf", out var one) || schema.TryGetProperty("anyOf", out one)))
        {
            var first = one.EnumerateArray().FirstOrDefault(x => TypeOf(x) != "null");
            if (first.ValueKind == JsonValueKind.Object) return Resolve(first);
        }
        return schema;
    }

    /// <summary>A JSON body following <paramref name="schema"/>, each leaf filled by <paramref name="leaf"/> (type, format) → JSON text.</summary>
    public string BuildJson(JsonElement schema, Func<string, string?, string> leaf, int depth = 0)
    {
        schema = Resolve(schema);
        var type = TypeOf(schema);
        if (depth > 6) return "null";
        switch (type)
        {
            case "object" when schema.TryGetProperty("properties", out var props):
                return "{" + string.Join(",", props.EnumerateObject().Select(p => JsonSerializer.Serialize(p.Name) + ":" + BuildJson(p.Value, leaf, depth + 1))) + "}";
            case "object":
                return "{}";
            case "array":
                return "[" + (schema.TryGetProperty("items", out var items) ? BuildJson(items, leaf, depth + 1) : leaf("string", null)) + "]";
            default:
                return leaf(type, schema.TryGetProperty("format", out var f) ? f.GetString() : null);
        }
    }
}
