using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Domain.Grid;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grid.Server.Grid;

public sealed record CellDetail(string Code, string Name, string CommunityCode, string CommunityName, string StreetCode, string StreetName,
    double AreaM2, int OpenCases, int OverdueCases, JsonNode? Geometry, IReadOnlyList<TeamMember> Team);

public sealed record LocateResponse(string Code, string Name, string CommunityCode, string Match, double DistanceMeters, IReadOnlyList<TeamMember> Team);

public sealed record ImportResult(int Imported, IReadOnlyList<string> Codes);

public static class GridEndpoints
{
    public const int MaxCellsPerRequest = 5000;

    /// <summary>Features per import: a whole district's cells (a few thousand) in one go, more in several.</summary>
    public const int MaxImportFeatures = 5000;

    /// <summary>Positions per feature: a 100 m cell needs a handful; a traced boundary a few hundred.</summary>
    public const int MaxFeaturePositions = 2000;

    public static void MapGridCells(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Grid");
        group.MapGet("/cells", ListCells);
        group.MapGet("/cells/{code}", GetCell);
        group.MapGet("/locate", Locate);
        group.MapPost("/cells/import", Import).RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
    }

    /// <summary>Cells as a GeoJSON FeatureCollection; bbox=minLon,minLat,maxLon,maxLat narrows to the map view.</summary>
    private static async Task<Results<ContentHttpResult, ValidationProblem>> ListCells(string? bbox, string? street,
        GridRepository grid, TimeProvider clock)
    {
        double[]? box = null;
        if (bbox is not null && !TryParseBbox(bbox, out box))
        {
            var errors = new Errors();
            errors.Add("bbox", $"bbox '{bbox}' must be four numbers minLon,minLat,maxLon,maxLat with min < max, e.g. 120.26,31.89,120.30,31.92.");
            return errors.ToProblem();
        }
        var cells = await grid.ListCellsAsync(box, street, null, clock.GetUtcNow(), MaxCellsPerRequest);
        return TypedResults.Text(FeatureCollection(cells), "application/geo+json");
    }

    /// <summary>Cells as GeoJSON text (the API's answer and the desk map's cell layer).</summary>
    internal static string FeatureCollection(IEnumerable<CellSummary> cells)
    {
        var features = new JsonArray();
        foreach (var c in cells)
        {
            features.Add(new JsonObject
            {
                ["type"] = "Feature",
                ["id"] = c.Code,
                ["geometry"] = Geo.ToGeoJson(c.Geom),
                ["properties"] = new JsonObject
                {
                    ["code"] = c.Code, ["name"] = c.Name, ["communityCode"] = c.CommunityCode, ["communityName"] = c.CommunityName,
                    ["streetCode"] = c.StreetCode, ["streetName"] = c.StreetName, ["areaM2"] = Math.Round(c.AreaM2, 1),
                    ["openCases"] = c.OpenCases, ["overdueCases"] = c.OverdueCases,
                },
            });
        }
        var collection = new JsonObject { ["type"] = "FeatureCollection", ["features"] = features };
        return collection.ToJsonString();
    }

    private static async Task<Results<Ok<CellDetail>, ProblemHttpResult>> GetCell(string code, GridRepository grid, StaffRepository staff, TimeProvider clock)
    {
        var cell = await grid.FindCellAsync(code, clock.GetUtcNow());
        if (cell is null)
        {
            return Problems.NotFound($"There is no grid cell with code '{code}'.");
        }
        return TypedResults.Ok(new CellDetail(cell.Code, cell.Name, cell.CommunityCode, cell.CommunityName, cell.StreetCode, cell.StreetName,
            Math.Round(cell.AreaM2, 1), cell.OpenCases, cell.OverdueCases, Geo.ToGeoJson(cell.Geom), await staff.TeamOfCellAsync(cell.Code)));
    }

    private static async Task<Results<Ok<LocateResponse>, ValidationProblem, ProblemHttpResult>> Locate(double? lat, double? lon,
        GridRepository grid, StaffRepository staff, IOptions<GridOptions> options)
    {
        var errors = new Errors();
        Coordinates.Check(lat, lon, options.Value, errors);
        if (errors.Any) return errors.ToProblem();
        var located = await grid.LocateAsync(lat!.Value, lon!.Value, options.Value.NearestCellMaxMeters);
        if (located is null)
        {
            return Problems.Unprocessable(Coordinates.NoCellMessage(lat.Value, lon.Value, options.Value.NearestCellMaxMeters));
        }
        return TypedResults.Ok(new LocateResponse(located.Code, located.Name, located.CommunityCode,
            located.Match.ToString().ToLowerInvariant(), located.DistanceMeters, await staff.TeamOfCellAsync(located.Code)));
    }

    /// <summary>Imports a GeoJSON FeatureCollection of cells (properties: code, name). All or nothing.</summary>
    private static async Task<Results<Created<ImportResult>, ValidationProblem, ProblemHttpResult>> Import(JsonElement body, HttpContext http,
        GridRepository grid, TimeProvider clock)
    {
        var errors = new Errors();
        var cells = new List<ImportCell>();
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("type", out var type) || type.GetString() != "FeatureCollection"
            || !body.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
        {
            errors.Add("body", "Send a GeoJSON FeatureCollection: {\"type\":\"FeatureCollection\",\"features\":[...]} with properties code and name on each feature.");
            return errors.ToProblem();
        }
        if (features.GetArrayLength() > MaxImportFeatures)
        {
            return TypedResults.Problem($"The collection has {features.GetArrayLength()} features; at most {MaxImportFeatures} are imported at once. Split it (by community, for example) and import the parts one after the other.",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Too many features");
        }
        var index = 0;
        foreach (var feature in features.EnumerateArray())
        {
            index++;
            var props = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
            var code = props.ValueKind == JsonValueKind.Object && props.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var name = props.ValueKind == JsonValueKind.Object && props.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            var geometryJson = feature.TryGetProperty("geometry", out var g) && g.ValueKind == JsonValueKind.Object ? g : (JsonElement?)null;
            NetTopologySuite.Geometries.Geometry? geometry = null;
            string? geometryError = null;
            if (geometryJson is { } gj)
            {
                // Unreadable GeoJSON is one more problem of the import, listed with the others.
                try { geometry = Geo.FromGeoJson(gj); }
                catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException or NotSupportedException)
                {
                    geometryError = e.Message.TrimEnd('.');
                }
            }
            if (!GridCode.TryParse(code, out var parsed, out var codeError))
            {
                errors.Add($"features[{index}].code", $"Feature {index}: {codeError}");
            }
            if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
            {
                errors.Add($"features[{index}].name", $"Feature {index}: a name of 1 to 100 characters is required.");
            }
            if (geometryJson is null)
            {
                errors.Add($"features[{index}].geometry", $"Feature {index}: a Polygon or MultiPolygon geometry is required.");
            }
            else if (CheckPolygonCoordinates(g) is { } shapeError)
            {
                errors.Add($"features[{index}].geometry", $"Feature {index} ({code ?? "no code"}): {shapeError}");
            }
            cells.Add(new ImportCell(index, code is null ? null : parsed.Value ?? code, name, geometry, geometryError));
        }
        if (index == 0)
        {
            errors.Add("features", "The collection has no features; nothing to import.");
        }
        if (errors.Any) return errors.ToProblem();

        var problems = await grid.ImportCellsAsync(cells, Viewer.From(http.User).PersonId, clock.GetUtcNow());
        if (problems.Count > 0)
        {
            foreach (var problem in problems) errors.Add($"features[{problem.Index}].{problem.Field}", problem.Message);
            return errors.ToProblem();
        }
        var codes = cells.Select(c => c.Code!).ToList();
        return TypedResults.Created($"/api/cells/{codes[0]}", new ImportResult(codes.Count, codes));
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

    /// <summary>minLon,minLat,maxLon,maxLat with min &lt; max, as every bbox filter takes it.</summary>
    public static bool TryParseBbox(string text, out double[]? box)
    {
        var parts = text.Split(',');
        box = null;
        if (parts.Length != 4) return false;
        var values = new double[4];
        for (var i = 0; i < 4; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i])) return false;
        }
        if (values[0] >= values[2] || values[1] >= values[3]) return false;
        box = values;
        return true;
    }
}

/// <summary>Coordinate checks shared by every endpoint that takes a point.</summary>
public static class Coordinates
{
    public static void Check(double? lat, double? lon, GridOptions city, Errors errors, string latField = "lat", string lonField = "lon")
    {
        if (lat is null) errors.Add(latField, $"'{latField}' (latitude, e.g. 31.905) is required.");
        if (lon is null) errors.Add(lonField, $"'{lonField}' (longitude, e.g. 120.285) is required.");
        if (lat is null || lon is null) return;
        if (!double.IsFinite(lat.Value) || lat is < -90 or > 90) errors.Add(latField, $"Latitude {lat} is not between -90 and 90.");
        else if (!double.IsFinite(lon.Value) || lon is < -180 or > 180) errors.Add(lonField, $"Longitude {lon} is not between -180 and 180.");
        else if (lat < city.MinLat || lat > city.MaxLat || lon < city.MinLon || lon > city.MaxLon)
        {
            errors.Add(latField, $"The point ({lat}, {lon}) is outside the city (latitude {city.MinLat}..{city.MaxLat}, longitude {city.MinLon}..{city.MaxLon}). " +
                "Check that latitude and longitude are not swapped.");
        }
    }

    public static string NoCellMessage(double lat, double lon, double maxMeters) =>
        $"The point ({lat}, {lon}) is not in any grid cell and no cell is within {maxMeters} m. Move the pin onto the grid area or correct the coordinates.";
}
