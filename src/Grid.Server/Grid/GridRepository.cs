using System.Text.Json;
using Grid.Server.Data;
using Microsoft.EntityFrameworkCore;
using NetTopologySuite.Geometries;
using Npgsql;

namespace Grid.Server.Grid;

/// <summary>How a point was resolved to its cell.</summary>
public enum LocateMatch
{
    /// <summary>Strictly inside one cell.</summary>
    Inside,
    /// <summary>On a border shared by several cells; the lowest code wins, so the choice is stable.</summary>
    Border,
    /// <summary>Outside every cell; the nearest cell within the configured distance takes it (属地兜底).</summary>
    Nearest,
}

public sealed record LocatedCell(string Code, string Name, string CommunityCode, LocateMatch Match, double DistanceMeters);

public sealed record CellSummary(string Code, string Name, string CommunityCode, string CommunityName, string StreetCode,
    string StreetName, double AreaM2, int OpenCases, int OverdueCases, MultiPolygon Geom);

/// <summary>A feature of an import: its geometry as read from GeoJSON, or why it could not be read.</summary>
public sealed record ImportCell(int Index, string? Code, string? Name, Geometry? Geometry, string? GeometryError = null);

public sealed class GridRepository(IDbContextFactory<GridDbContext> contexts)
{
    private sealed record NearestRow(string Code, string Name, string CommunityCode, double Distance);

    // The distance is on the spheroid (geometry::geography), which EF's NTS functions do not
    // translate for geometry columns; the && prefilter keeps the GiST index in play.
    private const string LocateNearestSql = """
        select g.code as "Code", g.name as "Name", g.community_code as "CommunityCode",
               ST_Distance(g.geom::geography, @Point::geography) as "Distance"
        from grid_cells g
        where g.geom && ST_Expand(@Point, @DegLon, @DegLat)
          and g.retired_at is null
          and ST_DWithin(g.geom::geography, @Point::geography, @MaxMeters)
        order by "Distance", g.code
        limit 1
        """;

    public async Task<LocatedCell?> LocateAsync(double lat, double lon, double maxMeters)
    {
        var point = Geo.Point(lon, lat);
        await using var db = await contexts.CreateDbContextAsync();
        // ST_Covers counts boundary points, so a point on a shared border matches every cell along it;
        // ordering by code makes the choice the same every time, and a second row tells a border.
        var inside = await db.Set<GridCellRecord>()
            .Where(g => g.RetiredAt == null && g.Geom.Covers(point))
            .OrderBy(g => g.Code)
            .Select(g => new { g.Code, g.Name, g.CommunityCode })
            .Take(2)
            .ToListAsync();
        if (inside.Count > 0)
        {
            return new LocatedCell(inside[0].Code, inside[0].Name, inside[0].CommunityCode, inside.Count > 1 ? LocateMatch.Border : LocateMatch.Inside, 0);
        }
        var box = SearchBox.Around(lat, maxMeters);
        var near = await db.Database.SqlQueryRaw<NearestRow>(LocateNearestSql,
            new NpgsqlParameter("Point", point), new NpgsqlParameter("DegLon", box.DegLon), new NpgsqlParameter("DegLat", box.DegLat),
            new NpgsqlParameter("MaxMeters", maxMeters)).ToListAsync();
        return near is [var n, ..] ? new LocatedCell(n.Code, n.Name, n.CommunityCode, LocateMatch.Nearest, Math.Round(n.Distance, 1)) : null;
    }

    // A cell with its community, street and current load: SQL run through EF rather than LINQ. Open
    // cases are kept per cell by the changes themselves (cell_case_counts, migration 0101), one row to
    // read instead of a count over the cell's cases. Overdue depends on the clock: the row keeps it
    // exact as of overdue_as_of (migration 0102, moved forward by Incidents.OverdueCounts), and only
    // the running cases whose deadline lies between then and @Now are counted, on the partial index of
    // running cases by (cell, deadline) (the state list must stay the index's predicate word for word).
    // A cell's overdue cases as of @Now: the count kept as of n.overdue_as_of (OverdueCounts), corrected by
    // the running cases whose deadline fell between that moment and @Now (either way round).
    private const string OverdueCasesSql = """
        (coalesce(n.overdue_cases, 0)
                + (select count(*) from cases c where c.cell_code = g.code and c.state in ('dispatched','in_progress')
                     and c.deadline >= coalesce(n.overdue_as_of, '-infinity') and c.deadline < @Now)
                - (select count(*) from cases c where c.cell_code = g.code and c.state in ('dispatched','in_progress')
                     and c.deadline >= @Now and c.deadline < n.overdue_as_of))::int
        """;

    private const string SelectCellSummary = """
        select g.code as "Code", g.name as "Name", g.community_code as "CommunityCode", cm.name as "CommunityName",
               s.code as "StreetCode", s.name as "StreetName", g.area_m2 as "AreaM2",
               coalesce(n.open_cases, 0) as "OpenCases",
        """ + OverdueCasesSql + """
         as "OverdueCases",
               g.geom as "Geom"
        from grid_cells g
        join communities cm on cm.code = g.community_code
        join streets s on s.code = cm.street_code
        left join cell_case_counts n on n.cell_code = g.code
        """;

    private const string SelectCellsSql = SelectCellSummary + "\n" + """
        where g.retired_at is null
          and (@Box::geometry is null or g.geom && @Box)
          and (@Street::text is null or g.code like @Street || '%')
          and (@OnlyCells::text[] is null or g.code = any(@OnlyCells))
        order by g.code
        limit @Limit
        """;

    public async Task<IReadOnlyList<CellSummary>> ListCellsAsync(double[]? bbox, string? street, string[]? onlyCells, DateTimeOffset now, int limit)
    {
        Geometry? box = bbox is null ? null : Geo.Factory.ToGeometry(new Envelope(bbox[0], bbox[2], bbox[1], bbox[3]));
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<CellSummary>(SelectCellsSql,
            new NpgsqlParameter("Box", NpgsqlTypes.NpgsqlDbType.Geometry) { Value = (object?)box ?? DBNull.Value },
            new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value },
            new NpgsqlParameter("OnlyCells", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)onlyCells ?? DBNull.Value },
            new NpgsqlParameter("Now", now), new NpgsqlParameter("Limit", limit)).ToListAsync();
    }

    // The command center's cell colours, reloaded after changes by every open page: counts only, without the
    // names and the geometry (the page drew the cells once) that /api/cells reads.
    private const string CellLoadsSql = """
        select g.code as "Code", coalesce(n.open_cases, 0) as "Open",
        """ + OverdueCasesSql + """
         as "Overdue"
        from grid_cells g
        left join cell_case_counts n on n.cell_code = g.code
        where g.retired_at is null and (@Street::text is null or g.code like @Street || '%')
        order by g.code
        limit @Limit
        """;

    public sealed record CellLoadRow(string Code, int Open, int Overdue);

    public async Task<IReadOnlyList<CellLoadRow>> CellLoadsAsync(string? street, DateTimeOffset now, int limit)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<CellLoadRow>(CellLoadsSql,
            new NpgsqlParameter("Street", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value },
            new NpgsqlParameter("Now", now), new NpgsqlParameter("Limit", limit)).ToListAsync();
    }

    private const string SelectCellSql = SelectCellSummary + "\n" + """
        where g.code = @Code
        """;

    public async Task<CellSummary?> FindCellAsync(string code, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Database.SqlQueryRaw<CellSummary>(SelectCellSql, new NpgsqlParameter("Code", code), new NpgsqlParameter("Now", now)).ToListAsync();
        return rows.SingleOrDefault();
    }
}
