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

public static class GridEndpoints
{
    public const int MaxCellsPerRequest = 5000;

    public static void MapGridCells(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Grid");
        group.MapGet("/cells", ListCells);
        group.MapGet("/cells/{code}", GetCell);
        group.MapGet("/locate", Locate);
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
