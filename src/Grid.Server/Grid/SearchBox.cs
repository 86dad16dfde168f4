namespace Grid.Server.Grid;

/// <summary>
/// A box in degrees that surely contains every point within some metres of a latitude, so a query
/// can prefilter with the GiST index (<c>&amp;&amp; ST_Expand(pt, DegLon, DegLat)</c>) before the exact
/// distance on the spheroid. 110 km per degree is a little short of the true figure, so the box errs
/// on the large side; the cosine floor keeps it finite near the poles.
/// </summary>
public readonly record struct SearchBox(double DegLat, double DegLon)
{
    public static SearchBox Around(double lat, double meters) =>
        new(meters / 110_000.0, meters / (110_000.0 * Math.Max(0.05, Math.Cos(lat * Math.PI / 180))));
}
