using System.Text.Json;
using Grid.Domain.Grid;

namespace Grid.Server.Grid;

/// <summary>A problem of one feature found while reading the file (before PostGIS sees it).</summary>
public sealed record FeatureProblem(int Index, string? Code, string Field, string Message);

/// <summary>
/// Reads a GeoJSON FeatureCollection of cells (properties <c>code</c> and <c>name</c>, a Polygon or MultiPolygon)
/// through NetTopologySuite.IO.GeoJSON4STJ, for the import route and the console's import alike. Every
/// feature's problems are listed by its 1-based place in the file; a feature whose code is not a valid grid code
/// is kept with a null code so PostGIS still judges its geometry.
/// </summary>
public static class CellFeatures
{
    /// <summary>Positions per feature: a 100 m cell needs a handful; a traced boundary a few hundred.</summary>
    public const int MaxFeaturePositions = 2000;

    /// <summary>The file's refusal as a whole (null: it is a FeatureCollection), e.g. a single Feature or a projected CRS.</summary>
    public static string? CheckCollection(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || type.GetString() != "FeatureCollection" || !body.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            return "Send a GeoJSON FeatureCollection: {\"type\":\"FeatureCollection\",\"features\":[...]} with properties code and name on each feature.";
        }
        // RFC 7946 GeoJSON is WGS 84 longitude/latitude (SRID 4326); older files may name another system.
        if (body.TryGetProperty("crs", out var crs) && crs.ValueKind == JsonValueKind.Object
            && crs.TryGetProperty("properties", out var cp) && cp.ValueKind == JsonValueKind.Object
            && cp.TryGetProperty("name", out var cn) && cn.ValueKind == JsonValueKind.String
            && cn.GetString() is { } name && !(name.EndsWith("CRS84", StringComparison.OrdinalIgnoreCase) || name.EndsWith("4326", StringComparison.Ordinal)))
        {
            return $"The file's coordinate system is '{name}'; cells are stored in WGS 84 longitude/latitude (EPSG:4326). Export the file in EPSG:4326 and import it again.";
        }
        return null;
    }

    /// <summary>The file as text: its features and their problems, or why the file as a whole cannot be read.</summary>
    public static (List<ImportCell> Cells, List<FeatureProblem> Problems, string? FileError) ReadFile(string text, int maxFeatures)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException e)
        {
            return ([], [], $"The file is not valid JSON ({e.Message.TrimEnd('.')}). Save it as GeoJSON and try again.");
        }
        using (doc)
        {
            if (CheckCollection(doc.RootElement) is { } error) return ([], [], error);
            var features = doc.RootElement.GetProperty("features");
            var count = features.GetArrayLength();
            if (count == 0) return ([], [], "The collection has no features; nothing to import.");
            if (count > maxFeatures)
                return ([], [], $"The file has {count} features; at most {maxFeatures} are imported at once. Split it by street and import the parts one after the other.");
            var (cells, problems) = Read(features);
            return (cells, problems, null);
        }
    }

    public static (List<ImportCell> Cells, List<FeatureProblem> Problems) Read(JsonElement features)
    {
        var cells = new List<ImportCell>();
        var problems = new List<FeatureProblem>();
        var index = 0;
        foreach (var feature in features.EnumerateArray())
        {
            index++;
            var props = feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var code = props.ValueKind == JsonValueKind.Object && props.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var name = props.ValueKind == JsonValueKind.Object && props.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString()?.Trim() : null;
            var geometryJson = feature.ValueKind == JsonValueKind.Object && feature.TryGetProperty("geometry", out var g) && g.ValueKind == JsonValueKind.Object ? g : (JsonElement?)null;
            NetTopologySuite.Geometries.Geometry? geometry = null;
            string? geometryError = null;
            if (geometryJson is { } gj && CheckPolygonCoordinates(gj) is null)
            {
                // Unreadable GeoJSON is one more problem of the import, listed with the others.
                try { geometry = Geo.FromGeoJson(gj); }
                catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
                {
                    geometryError = e.Message.TrimEnd('.');
                }
            }
            var codeOk = GridCode.TryParse(code, out var parsed, out var codeError);
            if (!codeOk) problems.Add(new FeatureProblem(index, code, "code", $"Feature {index}: {codeError}"));
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
                problems.Add(new FeatureProblem(index, code, "name", $"Feature {index}: a name of 1 to 100 characters is required."));
            else if (name.Any(char.IsControl))
                problems.Add(new FeatureProblem(index, code, "name", $"Feature {index}: the name contains control characters; write it on one line."));
            if (geometryJson is null)
                problems.Add(new FeatureProblem(index, code, "geometry", $"Feature {index}: a Polygon or MultiPolygon geometry is required."));
            else if (CheckPolygonCoordinates(geometryJson.Value) is { } shapeError)
                problems.Add(new FeatureProblem(index, code, "geometry", $"Feature {index} ({code ?? "no code"}): {shapeError}"));
            else if (geometryError is not null)
                problems.Add(new FeatureProblem(index, code, "geometry", $"Feature {index} ({code ?? "no code"}): the geometry cannot be read: {geometryError}."));
            cells.Add(new ImportCell(index, codeOk ? parsed.Value : null, name, geometry, geometryError));
        }
        return (cells, problems);
    }

    /// <summary>
    /// The shape of a Polygon's or MultiPolygon's "coordinates" (rings of [lon, lat] positions; a
    /// MultiPolygon one level deeper) and its size, checked before PostGIS sees it: an array nested
    /// one level too deep was a 500, and a feature of a million positions ties up the database.
    /// Other geometry types are left to the import's type check. Null when fine.
    /// </summary>
    public static string? CheckPolygonCoordinates(JsonElement geometry)
    {
        var type = geometry.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        var depth = type switch { "Polygon" => 3, "MultiPolygon" => 4, _ => 0 };
        if (depth == 0) return null;
        var shape = depth == 3 ? "[[[lon, lat], ...], ...]" : "[[[[lon, lat], ...], ...], ...]";
        if (!geometry.TryGetProperty("coordinates", out var coordinates))
            return $"a {type} needs \"coordinates\" shaped {shape}.";
        var positions = 0;
        string? Walk(JsonElement e, int level)
        {
            if (level == depth)
            {
                // A position: 2 (or 3, with altitude) numbers.
                if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() is < 2 or > 3 || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
                    return $"the coordinates of a {type} must be shaped {shape}; found {Describe(e)} where a position [lon, lat] belongs (nested one level too deep or too shallow?).";
                positions++;
                return positions > MaxFeaturePositions ? $"more than {MaxFeaturePositions} positions; simplify the boundary." : null;
            }
            if (e.ValueKind != JsonValueKind.Array)
                return $"the coordinates of a {type} must be shaped {shape}; found {Describe(e)} where an array belongs (nested one level too shallow?).";
            foreach (var child in e.EnumerateArray())
            {
                if (Walk(child, level + 1) is { } error) return error;
            }
            return null;
        }
        return Walk(coordinates, 1);
    }

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Array => $"an array of {e.GetArrayLength()}",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        _ => e.ValueKind.ToString().ToLowerInvariant(),
    };
}
