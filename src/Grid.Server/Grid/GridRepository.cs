using Dapper;
using Grid.Server.Data;
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
    string StreetName, double AreaM2, int OpenCases, int OverdueCases, string GeoJson);

public sealed record ImportCell(int Index, string? Code, string? Name, string? GeometryJson);

public sealed class GridRepository(NpgsqlDataSource db)
{
    // ST_Covers counts boundary points, so a point on a shared border matches every cell along it;
    // ordering by code makes the choice the same every time.
    private const string LocateInsideSql = """
        with p as (select ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326) as pt)
        select g.code, g.name, g.community_code as CommunityCode, count(*) over () as Matches
        from grid_cells g, p
        where ST_Covers(g.geom, p.pt)
        order by g.code
        limit 1
        """;

    // The && prefilter keeps the GiST index in play; the exact distance is on the spheroid.
    private const string LocateNearestSql = """
        with p as (select ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326) as pt)
        select g.code, g.name, g.community_code as CommunityCode, ST_Distance(g.geom::geography, p.pt::geography) as Distance
        from grid_cells g, p
        where g.geom && ST_Expand(p.pt, @DegLon, @DegLat)
          and ST_DWithin(g.geom::geography, p.pt::geography, @MaxMeters)
        order by Distance, g.code
        limit 1
        """;

    public async Task<LocatedCell?> LocateAsync(double lat, double lon, double maxMeters)
    {
        await using var conn = await db.OpenConnectionAsync();
        var inside = await conn.QueryFirstOrNullAsync<(string Code, string Name, string CommunityCode, long Matches)>(
            LocateInsideSql, new { Lat = lat, Lon = lon });
        if (inside is { } hit)
        {
            return new LocatedCell(hit.Code, hit.Name, hit.CommunityCode, hit.Matches > 1 ? LocateMatch.Border : LocateMatch.Inside, 0);
        }
        var box = SearchBox.Around(lat, maxMeters);
        var near = await conn.QueryFirstOrNullAsync<(string Code, string Name, string CommunityCode, double Distance)>(
            LocateNearestSql, new { Lat = lat, Lon = lon, MaxMeters = maxMeters, DegLat = box.DegLat, DegLon = box.DegLon });
        return near is { } n ? new LocatedCell(n.Code, n.Name, n.CommunityCode, LocateMatch.Nearest, Math.Round(n.Distance, 1)) : null;
    }

    // A cell with its community, street and current load (open and overdue cases).
    private const string SelectCellSummary = """
        select g.code, g.name, g.community_code as CommunityCode, cm.name as CommunityName, s.code as StreetCode, s.name as StreetName,
               g.area_m2 as AreaM2,
               (select count(*)::int from cases c where c.cell_code = g.code and c.state not in ('closed','cancelled')) as OpenCases,
               (select count(*)::int from cases c where c.cell_code = g.code and c.state in ('dispatched','in_progress') and c.deadline < @Now) as OverdueCases,
               ST_AsGeoJSON(g.geom, 7) as GeoJson
        from grid_cells g
        join communities cm on cm.code = g.community_code
        join streets s on s.code = cm.street_code
        """;

    private const string SelectCellsSql = SelectCellSummary + "\n" + """
        where (@HasBox = false or g.geom && ST_MakeEnvelope(@MinLon, @MinLat, @MaxLon, @MaxLat, 4326))
          and (@Street::text is null or g.code like @Street || '%')
          and (@OnlyCells::text[] is null or g.code = any(@OnlyCells))
        order by g.code
        limit @Limit
        """;

    public async Task<IReadOnlyList<CellSummary>> ListCellsAsync(double[]? bbox, string? street, string[]? onlyCells, DateTimeOffset now, int limit)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<CellSummary>(SelectCellsSql, new
        {
            HasBox = bbox is not null,
            MinLon = bbox?[0] ?? 0, MinLat = bbox?[1] ?? 0, MaxLon = bbox?[2] ?? 0, MaxLat = bbox?[3] ?? 0,
            Street = street, OnlyCells = onlyCells, Now = now, Limit = limit,
        })).ToList();
    }

    private const string SelectCellSql = SelectCellSummary + "\n" + """
        where g.code = @Code
        """;

    public async Task<CellSummary?> FindCellAsync(string code, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<CellSummary>(SelectCellSql, new { Code = code, Now = now });
    }

    private const string CreateStagingSql = """
        create temporary table import_cells (idx int primary key, code text, name text, geom geometry, geom_error text, community_code text) on commit drop
        """;

    // All features in one statement; GeoJSON that PostGIS cannot read comes back in geom_error.
    // The GiST index and fresh statistics let the overlap checks below join by index (bounding boxes
    // first) instead of comparing every feature with every other.
    private const string InsertStagingSql = """
        insert into import_cells (idx, code, name, geom, geom_error, community_code)
        select f.idx, f.code, f.name, g.geom, g.error, left(f.code, 12)
        from unnest(@Indexes, @Codes, @Names, @Geometries) as f(idx, code, name, geojson)
        cross join lateral try_geom_from_geojson(f.geojson) g;
        create index on import_cells using gist (geom);
        analyze import_cells;
        """;

    // Every problem of the whole import in one pass; the caller stores nothing if any row comes back.
    private const string CheckStagingSql = """
        select idx as Index, 'geometry' as Field,
               'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): the geometry cannot be read: ' || geom_error || '.' as Message
        from import_cells where geom_error is not null
        union all
        select idx, 'geometry',
               'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): the polygon is not valid: ' || ST_IsValidReason(geom) || '.' as Message
        from import_cells where geom is not null and not ST_IsValid(geom)
        union all
        select idx, 'geometry', 'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): geometry must be a Polygon or MultiPolygon, not ' || GeometryType(geom) || '.'
        from import_cells where geom is not null and GeometryType(geom) not in ('POLYGON', 'MULTIPOLYGON')
        union all
        select i.idx, 'code', 'Feature ' || i.idx || ': community ' || i.community_code || ' of cell ' || i.code || ' does not exist; create the community first.'
        from import_cells i where i.code is not null and not exists (select 1 from communities c where c.code = i.community_code)
        union all
        select i.idx, 'code', 'Feature ' || i.idx || ': cell ' || i.code || ' already exists.'
        from import_cells i join grid_cells g on g.code = i.code
        union all
        select b.idx, 'code', 'Feature ' || b.idx || ': code ' || b.code || ' is used twice in this import (also feature ' || a.idx || ').'
        from import_cells a join import_cells b on a.code = b.code and a.idx < b.idx
        union all
        select i.idx, 'geometry', 'Feature ' || i.idx || ' (' || i.code || ') overlaps existing cell ' || g.code || ' by ' ||
               round(ST_Area(ST_Intersection(i.geom, g.geom)::geography)::numeric, 1) || ' m².'
        from import_cells i join grid_cells g on i.geom && g.geom
        where ST_IsValid(i.geom) and GeometryType(i.geom) in ('POLYGON', 'MULTIPOLYGON')
          and ST_Relate(i.geom, g.geom, '2********')
        union all
        select b.idx, 'geometry', 'Feature ' || b.idx || ' (' || b.code || ') overlaps feature ' || a.idx || ' (' || a.code || ') of this import by ' ||
               round(ST_Area(ST_Intersection(a.geom, b.geom)::geography)::numeric, 1) || ' m².'
        from import_cells a join import_cells b on a.idx < b.idx and a.geom && b.geom
        where ST_IsValid(a.geom) and ST_IsValid(b.geom)
          and GeometryType(a.geom) in ('POLYGON', 'MULTIPOLYGON') and GeometryType(b.geom) in ('POLYGON', 'MULTIPOLYGON')
          and ST_Relate(a.geom, b.geom, '2********')
        order by 1
        """;

    private const string InsertCellsSql = """
        insert into grid_cells (code, community_code, name, geom, area_m2)
        select code, community_code, name, ST_Multi(geom), ST_Area(geom::geography) from import_cells order by idx
        """;

    public sealed record ImportProblem(int Index, string Field, string Message);

    /// <summary>Stores all cells, or none: every problem found is returned and the transaction rolls back.</summary>
    public async Task<IReadOnlyList<ImportProblem>> ImportCellsAsync(IReadOnlyList<ImportCell> cells, Guid actor, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        // One import at a time, so two imports cannot each pass the overlap check against the other.
        await conn.ExecuteAsync("select pg_advisory_xact_lock(7001)", transaction: tx);
        await conn.ExecuteAsync(CreateStagingSql, transaction: tx);
        await conn.ExecuteAsync(InsertStagingSql, new
        {
            Indexes = cells.Select(c => c.Index).ToArray(), Codes = cells.Select(c => c.Code).ToArray(),
            Names = cells.Select(c => c.Name).ToArray(), Geometries = cells.Select(c => c.GeometryJson).ToArray(),
        }, tx);
        var problems = new List<ImportProblem>();
        problems.AddRange(await conn.QueryAsync<ImportProblem>(CheckStagingSql, transaction: tx));
        if (problems.Count > 0)
        {
            await tx.RollbackAsync();
            return problems.OrderBy(p => p.Index).ToList();
        }
        await conn.ExecuteAsync(InsertCellsSql, transaction: tx);
        await conn.ExecuteAsync(AuditLog.InsertSql, new
        {
            Now = now, Actor = actor, Action = "import_cells", Subject = "grid_cells",
            Details = System.Text.Json.JsonSerializer.Serialize(new { cells = cells.Select(c => c.Code) }),
        }, tx);
        await tx.CommitAsync();
        return [];
    }
}
