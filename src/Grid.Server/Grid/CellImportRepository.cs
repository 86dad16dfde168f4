using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grid.Web.Pages.Admin;
using NetTopologySuite.IO;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Grid;

/// <summary>
/// The console's cell import in SQL (issue 11). The features are staged in a temporary table with a GiST
/// index; every check and the difference against today are set-based statements over it, so overlaps are
/// found by index joins (bounding boxes first), never by comparing every feature with every other.
/// A preview stages, checks and rolls back: nothing is written. The apply step does the same in one
/// transaction and then writes, so a failure leaves the cells as they were.
/// </summary>
public sealed class CellImportRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Features staged per statement: the apply step reports its progress per batch.</summary>
    public const int Batch = 2000;

    // One import at a time, the old all-or-nothing route included (GridRepository takes the same lock).
    private const string LockSql = "select pg_advisory_xact_lock(7001)";

    private const string CreateStagingSql = """
        create temporary table import_cells (idx int primary key, code text, name text, geom geometry, community_code text,
            ok boolean not null default false) on commit drop
        """;

    // The GeoJSON was read in C# (NetTopologySuite); PostGIS gets WKB, one statement per batch.
    private const string InsertStagingSql = """
        insert into import_cells (idx, code, name, geom, community_code)
        select f.idx, f.code, f.name, ST_SetSRID(ST_GeomFromWKB(f.wkb), 4326), left(f.code, 12)
        from unnest(@Indexes, @Codes, @Names, @Wkbs) as f(idx, code, name, wkb)
        """;

    // ok: a polygon PostGIS accepts, in longitude/latitude. Only those take part in overlaps and the difference.
    // The GiST index and fresh statistics make the overlap joins below index joins.
    private const string IndexStagingSql = """
        update import_cells set ok = geom is not null and GeometryType(geom) in ('POLYGON', 'MULTIPOLYGON') and ST_IsValid(geom)
            and ST_XMin(geom) >= -180 and ST_XMax(geom) <= 180 and ST_YMin(geom) >= -90 and ST_YMax(geom) <= 90;
        create index on import_cells using gist (geom);
        create index on import_cells (code);
        analyze import_cells;
        create temporary table import_scope on commit drop as
            select distinct i.community_code from import_cells i join communities c on c.code = i.community_code;
        """;

    // Every problem PostGIS can tell, in one statement. A cell of the file's communities that the file leaves out
    // would be retired; with open cases it cannot be (feature 0: it is not in the file). Overlaps are with the
    // other features and with the cells that stay as they are: those outside the file's communities.
    private const string ProblemsSql = """
        select idx as "Feature", code as "Code", 'geometry' as "Field",
               'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): the polygon is not valid: ' || ST_IsValidReason(geom) || '.' as "Message"
        from import_cells where geom is not null and GeometryType(geom) in ('POLYGON', 'MULTIPOLYGON') and not ST_IsValid(geom)
        union all
        select idx, code, 'geometry', 'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): geometry must be a Polygon or MultiPolygon, not ' || GeometryType(geom) || '.'
        from import_cells where geom is not null and GeometryType(geom) not in ('POLYGON', 'MULTIPOLYGON')
        union all
        select idx, code, 'geometry', 'Feature ' || idx || ' (' || coalesce(code, 'no code') || '): coordinates reach ' ||
               round(ST_XMin(geom)::numeric, 1) || ', ' || round(ST_YMin(geom)::numeric, 1) ||
               ', outside longitude/latitude (WGS 84, SRID 4326); is the file in a projected system? Export it in EPSG:4326.'
        from import_cells where geom is not null and GeometryType(geom) in ('POLYGON', 'MULTIPOLYGON') and ST_IsValid(geom)
          and not (ST_XMin(geom) >= -180 and ST_XMax(geom) <= 180 and ST_YMin(geom) >= -90 and ST_YMax(geom) <= 90)
        union all
        select i.idx, i.code, 'code', 'Feature ' || i.idx || ': community ' || i.community_code || ' of cell ' || i.code || ' does not exist; create the community first.'
        from import_cells i where i.code is not null and not exists (select 1 from communities c where c.code = i.community_code)
        union all
        select i.idx, i.code, 'code', 'Feature ' || i.idx || ': cell ' || i.code || ' is outside ' || @Street || ', the area (street or community) your account administers.'
        from import_cells i where @Street::text is not null and i.code is not null and i.code not like @Street::text || '%'
        union all
        select b.idx, b.code, 'code', 'Feature ' || b.idx || ': code ' || b.code || ' is used twice in this file (also feature ' || a.idx || ').'
        from import_cells a join import_cells b on a.code = b.code and a.idx < b.idx
        union all
        select i.idx, i.code, 'geometry', 'Feature ' || i.idx || ' (' || coalesce(i.code, 'no code') || ') overlaps cell ' || g.code || ' (' || g.name || '), which stays, by ' ||
               round(ST_Area(ST_Intersection(i.geom, g.geom)::geography)::numeric, 1) || ' m².'
        from import_cells i join grid_cells g on i.geom && g.geom
        where i.ok and g.retired_at is null and g.community_code not in (select community_code from import_scope)
          and ST_Relate(i.geom, g.geom, '2********')
        union all
        select b.idx, b.code, 'geometry', 'Feature ' || b.idx || ' (' || coalesce(b.code, 'no code') || ') overlaps feature ' || a.idx || ' (' || coalesce(a.code, 'no code') || ') of this file by ' ||
               round(ST_Area(ST_Intersection(a.geom, b.geom)::geography)::numeric, 1) || ' m².'
        from import_cells a join import_cells b on a.geom && b.geom and a.idx < b.idx
        where a.ok and b.ok and ST_Relate(a.geom, b.geom, '2********')
        union all
        select 0, g.code, 'code', 'Cell ' || g.code || ' (' || g.name || ') is not in the file, so the import would retire it, but it has ' || n.open ||
               ' open case(s). Keep the cell in the file, or close or cancel its cases first.'
        from grid_cells g
        cross join lateral (select count(*) as open from cases c where c.cell_code = g.code and c.state not in ('closed', 'cancelled')) n
        where g.retired_at is null and g.community_code in (select community_code from import_scope) and n.open > 0
          and not exists (select 1 from import_cells i where i.code = g.code)
        order by 1, 4
        """;

    // The difference against today (cells not retired): each feature added or changed or unchanged, and each
    // cell of the file's communities left out (removed).
    private const string DiffSql = """
        select i.code as "Code", i.name as "Name", coalesce(g.name, '') as "OldName",
               case when g.code is null then 'added'
                    when g.name <> i.name or not ST_Equals(i.geom, g.geom) then 'changed' else 'unchanged' end as "Diff",
               g.code is not null and g.name <> i.name as "NameChanged",
               g.code is not null and not ST_Equals(i.geom, g.geom) as "GeometryChanged"
        from import_cells i
        left join grid_cells g on g.code = i.code and g.retired_at is null
        where i.ok and i.code is not null
        union all
        select g.code, g.name, g.name, 'removed', false, false
        from grid_cells g
        where g.retired_at is null and g.community_code in (select community_code from import_scope)
          and not exists (select 1 from import_cells i where i.code = g.code)
        order by 1
        """;

    // The cells the import depends on, as they are now: any change to them between preview and apply
    // changes the fingerprint.
    private const string TodayHashSql = """
        select md5(coalesce(string_agg(g.code || ':' || g.name || ':' || md5(ST_AsBinary(g.geom)) || ':' || coalesce(g.retired_at::text, ''), ',' order by g.code), ''))
        from grid_cells g
        where g.community_code in (select community_code from import_scope) or g.code in (select code from import_cells where code is not null)
        """;

    private const string MapSql = """
        select json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(f), '[]'::json))::text
        from (
            select json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(i.geom, 6)::json,
                   'properties', json_build_object('code', i.code, 'name', i.name, 'diff',
                       case when g.code is null then 'added' when g.name <> i.name or not ST_Equals(i.geom, g.geom) then 'changed' else 'unchanged' end)) as f
            from import_cells i left join grid_cells g on g.code = i.code and g.retired_at is null
            where i.ok and i.code is not null
            union all
            select json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(g.geom, 6)::json,
                   'properties', json_build_object('code', g.code, 'name', g.name, 'diff', 'removed'))
            from grid_cells g
            where g.retired_at is null and g.community_code in (select community_code from import_scope)
              and not exists (select 1 from import_cells i where i.code = g.code)
        ) x
        """;

    private sealed record DiffRow(string Code, string Name, string OldName, string Diff, bool NameChanged, bool GeometryChanged);

    /// <summary>The preview: stages the features, asks PostGIS, rolls back. <paramref name="fileHash"/> goes into the fingerprint.</summary>
    public async Task<CellImportPreview> PreviewAsync(IReadOnlyList<ImportCell> cells, IReadOnlyList<FeatureProblem> readProblems, string fileHash,
        string? street, bool withMap, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // No import lock: a preview only reads, and one made while an import is written sees the cells as they
        // were (its fingerprint then no longer matches, and the apply refuses it).
        await StageAsync(conn, tx, cells, null, ct);
        var preview = await AnalyseAsync(conn, tx, cells.Count, readProblems, fileHash, street, withMap, ct);
        await tx.RollbackAsync(ct);
        return preview;
    }

    private static async Task StageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<ImportCell> cells, Func<int, Task>? progress, CancellationToken ct)
    {
        await Exec(conn, tx, CreateStagingSql, ct);
        var wkb = new WKBWriter();
        for (var start = 0; start < cells.Count; start += Batch)
        {
            var part = cells.Skip(start).Take(Batch).ToList();
            await using var cmd = new NpgsqlCommand(InsertStagingSql, conn, tx);
            cmd.Parameters.Add(new NpgsqlParameter("Indexes", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = part.Select(c => c.Index).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("Codes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = part.Select(c => c.Code).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("Names", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = part.Select(c => c.Name).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("Wkbs", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = part.Select(c => c.Geometry is null ? null : wkb.Write(c.Geometry)).ToArray() });
            await cmd.ExecuteNonQueryAsync(ct);
            if (progress is not null) await progress(start + part.Count);
        }
        await Exec(conn, tx, IndexStagingSql, ct);
    }

    private static async Task<CellImportPreview> AnalyseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int features, IReadOnlyList<FeatureProblem> readProblems,
        string fileHash, string? street, bool withMap, CancellationToken ct)
    {
        var problems = readProblems.Select(p => new CellImportProblem(p.Index, p.Code, p.Field, p.Message)).ToList();
        await using (var cmd = new NpgsqlCommand(ProblemsSql, conn, tx))
        {
            cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value });
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct)) problems.Add(new CellImportProblem(r.GetInt32(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3)));
        }
        var diff = new List<DiffRow>();
        await using (var cmd = new NpgsqlCommand(DiffSql, conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct)) diff.Add(new DiffRow(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4), r.GetBoolean(5)));
        }
        string todayHash;
        await using (var cmd = new NpgsqlCommand(TodayHashSql, conn, tx)) todayHash = (string)(await cmd.ExecuteScalarAsync(ct))!;
        var communities = new List<string>();
        await using (var cmd = new NpgsqlCommand("select community_code from import_scope order by 1", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct)) communities.Add(r.GetString(0));
        }
        string? map = null;
        if (withMap)
        {
            await using var cmd = new NpgsqlCommand(MapSql, conn, tx);
            map = (string)(await cmd.ExecuteScalarAsync(ct))!;
        }
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(fileHash + "/" + todayHash + "/" + street)))[..32];
        return new CellImportPreview(features, problems.OrderBy(p => p.Feature).ToList(),
            diff.Where(d => d.Diff == "added").Select(d => d.Code).ToList(),
            diff.Where(d => d.Diff == "changed").Select(d => new CellImportChange(d.Code, d.Name, d.OldName, d.NameChanged, d.GeometryChanged)).ToList(),
            diff.Where(d => d.Diff == "removed").Select(d => d.Code).ToList(),
            diff.Count(d => d.Diff == "unchanged"), communities, fingerprint, map);
    }

    private const string ClaimSql = """
        update cell_imports set status = 'running', phase = 'reading', done = 0
        where id = @Id and status in ('queued', 'running')
        returning file, fingerprint, street_code, actor_id
        """;

    private const string ProgressSql = "update cell_imports set phase = @Phase, done = @Done where id = @Id and status = 'running'";

    private const string FailSql = """
        update cell_imports set status = 'failed', phase = 'failed', message = @Message, finished_at = @Now where id = @Id and status = 'running'
        """;

    // Before and after of each changed cell, written before the cells change. A retired cell keeps its row and
    // its history; a code that comes back is the same cell again.
    private const string WriteSql = """
        insert into audit_log (at, actor_id, action, subject, details)
        select @Now, @Actor, 'cell_changed', 'grid_cell:' || i.code, jsonb_build_object('import', @Import::text,
               'before', jsonb_build_object('name', g.name, 'areaM2', round(g.area_m2::numeric, 1), 'geometry', ST_AsGeoJSON(g.geom, 7)::jsonb),
               'after', jsonb_build_object('name', i.name, 'areaM2', round(ST_Area(i.geom::geography)::numeric, 1), 'geometry', ST_AsGeoJSON(ST_Multi(i.geom), 7)::jsonb))
        from import_cells i join grid_cells g on g.code = i.code and g.retired_at is null
        where i.idx between @From and @To and (g.name <> i.name or not ST_Equals(i.geom, g.geom))
        order by i.idx;

        update grid_cells g set name = i.name, geom = ST_Multi(i.geom), area_m2 = ST_Area(i.geom::geography)
        from import_cells i
        where g.code = i.code and g.retired_at is null and i.idx between @From and @To and (g.name <> i.name or not ST_Equals(i.geom, g.geom));

        insert into grid_cells (code, community_code, name, geom, area_m2)
        select i.code, i.community_code, i.name, ST_Multi(i.geom), ST_Area(i.geom::geography)
        from import_cells i
        where i.idx between @From and @To and not exists (select 1 from grid_cells g where g.code = i.code and g.retired_at is null)
        order by i.idx
        on conflict (code) do update set name = excluded.name, geom = excluded.geom, area_m2 = excluded.area_m2, retired_at = null;
        """;

    private const string RetireSql = """
        insert into audit_log (at, actor_id, action, subject, details)
        select @Now, @Actor, 'cell_retired', 'grid_cell:' || g.code, jsonb_build_object('import', @Import::text,
               'before', jsonb_build_object('name', g.name, 'areaM2', round(g.area_m2::numeric, 1), 'geometry', ST_AsGeoJSON(g.geom, 7)::jsonb), 'after', null)
        from grid_cells g
        where g.retired_at is null and g.community_code in (select community_code from import_scope)
          and not exists (select 1 from import_cells i where i.code = g.code)
        order by g.code;

        update grid_cells g set retired_at = @Now
        where g.retired_at is null and g.community_code in (select community_code from import_scope)
          and not exists (select 1 from import_cells i where i.code = g.code);
        """;

    private const string SummarySql = """
        insert into audit_log (at, actor_id, action, subject, details)
        values (@Now, @Actor, 'cells_imported', 'cell_import:' || @Import::text, @Details::jsonb);
        update cell_imports set status = 'applied', phase = 'applied', done = total, added = @Added, changed = @Changed, removed = @Removed,
               finished_at = @Now
        where id = @Import;
        """;

    /// <summary>
    /// Applies a confirmed import in one transaction: stages and checks again (the cells may have changed since the
    /// preview: then the fingerprint differs and nothing is written), writes, audits, and marks the import applied in
    /// the same transaction. Progress goes out on a second connection, visible while the transaction runs.
    /// Safe to run twice: an import already applied or failed is not claimed again.
    /// </summary>
    public async Task ApplyAsync(Guid importId, int maxFeatures, DateTimeOffset now, CancellationToken ct)
    {
        string file, fingerprint;
        string? street;
        Guid actor;
        await using (var claim = dataSource.CreateCommand(ClaimSql))
        {
            claim.Parameters.AddWithValue("Id", importId);
            await using var r = await claim.ExecuteReaderAsync(ct);
            if (!await r.ReadAsync(ct)) return;
            (file, fingerprint, street, actor) = (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetGuid(3));
        }
        try
        {
            var fileHash = FileHash(file);
            var (cells, readProblems, fileError) = CellFeatures.ReadFile(file, maxFeatures);
            if (fileError is not null)
            {
                await FailAsync(importId, $"Nothing was written: {fileError}", now, ct);
                return;
            }
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            await Exec(conn, tx, LockSql, ct);
            await StageAsync(conn, tx, cells, done => Progress(importId, "reading", done, ct), ct);
            await Progress(importId, "checking", cells.Count, ct);
            var preview = await AnalyseAsync(conn, tx, cells.Count, readProblems, fileHash, street, false, ct);
            if (preview.Problems.Count > 0)
            {
                await tx.RollbackAsync(ct);
                await FailAsync(importId, $"Nothing was written: the file has {preview.Problems.Count} problem(s) now, e.g. {preview.Problems[0].Message} Preview it again.", now, ct);
                return;
            }
            if (preview.Fingerprint != fingerprint)
            {
                await tx.RollbackAsync(ct);
                await FailAsync(importId, "Nothing was written: the cells changed after your preview (someone renamed, imported or retired cells of these communities). Preview the file again.", now, ct);
                return;
            }
            var maxIndex = cells.Count == 0 ? 0 : cells.Max(c => c.Index);
            for (var from = 1; from <= maxIndex; from += Batch)
            {
                await using var write = new NpgsqlCommand(WriteSql, conn, tx);
                write.Parameters.AddWithValue("Now", now);
                write.Parameters.AddWithValue("Actor", actor);
                write.Parameters.AddWithValue("Import", importId);
                write.Parameters.AddWithValue("From", from);
                write.Parameters.AddWithValue("To", from + Batch - 1);
                await write.ExecuteNonQueryAsync(ct);
                await Progress(importId, "writing", Math.Min(maxIndex, from + Batch - 1), ct);
            }
            await using (var retire = new NpgsqlCommand(RetireSql, conn, tx))
            {
                retire.Parameters.AddWithValue("Now", now);
                retire.Parameters.AddWithValue("Actor", actor);
                retire.Parameters.AddWithValue("Import", importId);
                await retire.ExecuteNonQueryAsync(ct);
            }
            await using (var summary = new NpgsqlCommand(SummarySql, conn, tx))
            {
                summary.Parameters.AddWithValue("Now", now);
                summary.Parameters.AddWithValue("Actor", actor);
                summary.Parameters.AddWithValue("Import", importId);
                summary.Parameters.AddWithValue("Added", preview.Added.Count);
                summary.Parameters.AddWithValue("Changed", preview.Changed.Count);
                summary.Parameters.AddWithValue("Removed", preview.Removed.Count);
                summary.Parameters.AddWithValue("Details", JsonSerializer.Serialize(new
                {
                    features = preview.Features, added = preview.Added.Count, changed = preview.Changed.Count, removed = preview.Removed.Count,
                    unchanged = preview.Unchanged, communities = preview.Communities, addedCells = preview.Added, retiredCells = preview.Removed,
                    changedCells = preview.Changed.Select(c => c.Code),
                }));
                await summary.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A stopped node (cancellation) leaves the import running: Hangfire runs the job again and it is claimed again.
            // The transaction rolled back with the connection: the cells are as they were.
            await FailAsync(importId, $"Nothing was written: the import stopped with an error ({e.Message}). Preview the file again.", now, CancellationToken.None);
            throw;
        }
    }

    private async Task Progress(Guid id, string phase, int done, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(ProgressSql);
        cmd.Parameters.AddWithValue("Id", id);
        cmd.Parameters.AddWithValue("Phase", phase);
        cmd.Parameters.AddWithValue("Done", done);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    private async Task FailAsync(Guid id, string message, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(FailSql);
        cmd.Parameters.AddWithValue("Id", id);
        cmd.Parameters.AddWithValue("Message", message);
        cmd.Parameters.AddWithValue("Now", now);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public static string FileHash(string file) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(file)));

    private const string InsertImportSql = """
        insert into cell_imports (id, actor_id, street_code, created_at, status, total, fingerprint, file)
        values (@Id, @Actor, @Street, @Now, 'queued', @Total, @Fingerprint, @File)
        """;

    /// <summary>Queues an import; false when another one is queued or running (the unique index decides, so two at once cannot both pass).</summary>
    public async Task<bool> QueueAsync(Guid id, Guid actor, string? street, DateTimeOffset now, int total, string fingerprint, string file, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(InsertImportSql);
        cmd.Parameters.AddWithValue("Id", id);
        cmd.Parameters.AddWithValue("Actor", actor);
        cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value });
        cmd.Parameters.AddWithValue("Now", now);
        cmd.Parameters.AddWithValue("Total", total);
        cmd.Parameters.AddWithValue("Fingerprint", fingerprint);
        cmd.Parameters.AddWithValue("File", file);
        try
        {
            await cmd.ExecuteNonQueryAsync(ct);
            return true;
        }
        catch (PostgresException e) when (e is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "cell_imports_one_at_a_time" })
        {
            return false;
        }
    }

    private const string SelectStatusSql = """
        select i.id, i.status, i.phase, i.done, i.total, i.message, i.added, i.changed, i.removed, i.created_at, i.finished_at, i.street_code,
               p.display_name
        from cell_imports i join people p on p.id = i.actor_id
        """;

    public sealed record StatusRow(CellImportStatus Status, string? Street, string ActorName);

    public async Task<StatusRow?> FindAsync(Guid? id, CancellationToken ct = default)
    {
        var sql = SelectStatusSql + (id is null ? "\nwhere i.status in ('queued', 'running') limit 1" : "\nwhere i.id = @Id");
        await using var cmd = dataSource.CreateCommand(sql);
        if (id is not null) cmd.Parameters.AddWithValue("Id", id.Value);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return new StatusRow(new CellImportStatus(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetInt32(3), r.GetInt32(4), r.IsDBNull(5) ? null : r.GetString(5),
            r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetFieldValue<DateTimeOffset>(9), r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10)),
            r.IsDBNull(11) ? null : r.GetString(11), r.GetString(12));
    }

    private const string FindCellsSql = """
        select g.code, g.name, c.name
        from grid_cells g join communities c on c.code = g.community_code
        where g.retired_at is null and (@Street::text is null or g.code like @Street::text || '%')
          and (@Like::text is null or g.code ilike @Like or g.name ilike @Like)
        order by g.code
        limit 50
        """;

    public async Task<IReadOnlyList<CellListItem>> FindCellsAsync(string? street, string? text, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(FindCellsSql);
        cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value });
        var like = string.IsNullOrWhiteSpace(text) ? null : "%" + text.Trim().Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%";
        cmd.Parameters.Add(new NpgsqlParameter("Like", NpgsqlDbType.Text) { Value = (object?)like ?? DBNull.Value });
        var list = new List<CellListItem>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct)) list.Add(new CellListItem(r.GetString(0), r.GetString(1), r.GetString(2)));
        return list;
    }

    private const string TodayMapSql = """
        select json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(json_build_object(
                   'type', 'Feature', 'geometry', ST_AsGeoJSON(g.geom, 6)::json,
                   'properties', json_build_object('code', g.code, 'name', g.name, 'diff', 'unchanged')) order by g.code), '[]'::json))::text
        from grid_cells g
        where g.retired_at is null and (@Street::text is null or g.code like @Street::text || '%')
        """;

    public async Task<string> TodayMapAsync(string? street, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand(TodayMapSql);
        cmd.Parameters.Add(new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value });
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
