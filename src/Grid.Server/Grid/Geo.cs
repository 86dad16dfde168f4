using System.Text.Json;
using System.Text.Json.Nodes;
using NetTopologySuite;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO.Converters;

namespace Grid.Server.Grid;

/// <summary>Geometry in C# is NetTopologySuite's, in WGS 84 (SRID 4326) like every geometry column;
/// GeoJSON in and out goes through NetTopologySuite.IO.GeoJSON4STJ.</summary>
public static class Geo
{
    public const int Srid = 4326;

    public static readonly GeometryFactory Factory = NtsGeometryServices.Instance.CreateGeometryFactory(Srid);

    private static readonly JsonSerializerOptions GeoJson = new() { Converters = { new GeoJsonConverterFactory(Factory) } };

    /// <summary>A point from longitude (x) and latitude (y), in that order as GeoJSON and PostGIS take them.</summary>
    public static Point Point(double lon, double lat) => Factory.CreatePoint(new Coordinate(lon, lat));

    public static JsonNode ToGeoJson(Geometry geometry) => JsonSerializer.SerializeToNode(geometry, GeoJson)!;

    /// <summary>Reads a GeoJSON geometry object; throws <see cref="JsonException"/> (or NTS's
    /// <see cref="ArgumentException"/> for a ring that does not close) with the reason.</summary>
    public static Geometry FromGeoJson(JsonElement geometry) => geometry.Deserialize<Geometry>(GeoJson)
        ?? throw new JsonException("the geometry is null");
}
