using System.Text.Json;
using Grid.Server.Data;
using Grid.Server.Stats;
using Grid.Web.Pages;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Evaluation;

public sealed record Publication(long Id, DateOnly Month, int Version, DateTimeOffset PublishedAt, Guid? PublishedBy, string? PublishedByName,
    string? Reason, bool IsCurrent);

/// <summary>
/// Published (frozen) monthly evaluations. A publication snapshots the facts of the cases its month
/// reads; the frozen indicators and case lists run the live figures' SQL (Stats/StatsRepository)
/// over that snapshot instead of over cases, so frozen and live numbers share one definition.
/// </summary>
public sealed class EvaluationRepository(NpgsqlDataSource db)
{
    // The live figures' statements read "from cases c"; over a publication they read its snapshot.
    // Built once from constants, never from input.
    private const string FromCases = "from cases c";
    private const string FromSnapshot = "from (select * from evaluation_snapshot s where s.publication_id = @Publication) c";
    private static readonly string FrozenIndicatorsSql = StatsRepository.IndicatorsSql.Replace(FromCases, FromSnapshot);
    private static readonly string FrozenPeriodCasesSql = (StatsRepository.CaseColumnsSql + StatsRepository.PeriodCasesWhereSql).Replace(FromCases, FromSnapshot)
        + " order by c.created_at, c.id limit @Limit offset @Offset";
    private static readonly string FrozenPeriodCountSql = ("select count(*) from cases c" + StatsRepository.PeriodCasesWhereSql).Replace(FromCases, FromSnapshot);
    private static readonly string FrozenOverdueCasesSql = (StatsRepository.CaseColumnsSql + StatsRepository.OverdueCasesWhereSql).Replace(FromCases, FromSnapshot)
        + " order by c.deadline, c.id limit @Limit offset @Offset";
    private static readonly string FrozenOverdueCountSql = ("select count(*) from cases c" + StatsRepository.OverdueCasesWhereSql).Replace(FromCases, FromSnapshot);

    // Two publications of one month at once (the job on two nodes, a supervisor): the month's row
    // lock-free guard is the advisory lock below plus the unique (month, version).
    private const string LockMonthSql = "select pg_advisory_xact_lock(4719, (extract(year from @Month::date) * 12 + extract(month from @Month::date))::int)";

    private const string LatestVersionSql = "select coalesce(max(version), 0) from evaluation_publications where month = @Month";

    private const string RetireSql = "update evaluation_publications set is_current = false where month = @Month and is_current";

    private const string InsertPublicationSql = """
        insert into evaluation_publications (month, version, published_at, published_by, reason, is_current)
        values (@Month, @Version, @Now, @By, @Reason, true)
        returning id
        """;

    // Cases reported in the month, and cases open past their deadline at publication (the overdue count).
    private const string SnapshotSql = """
        insert into evaluation_snapshot (publication_id, id, case_no, state, category_code, cell_code, assigned_unit_id, assignee_id,
                                         created_at, registered_at, dispatched_at, closed_at, deadline, extension_count, rework_count)
        select @Publication, c.id, c.case_no, c.state, c.category_code, c.cell_code, c.assigned_unit_id, c.assignee_id,
               c.created_at, c.registered_at, c.dispatched_at, c.closed_at, c.deadline, c.extension_count, c.rework_count
        from cases c
        where (c.created_at >= @From and c.created_at < @To)
           or (c.state in ('dispatched','in_progress') and c.deadline < @Now)
        """;

    private const string SelectPublicationsSql = """
        select e.id, e.month, e.version, e.published_at, e.published_by, p.display_name, e.reason, e.is_current
        from evaluation_publications e left join people p on p.id = e.published_by
        order by e.month desc, e.version desc
        """;

    /// <summary>
    /// Publishes <paramref name="month"/> (its first day): version 1, or with a reason a new version
    /// replacing the current one. <paramref name="onlyIfUnpublished"/> (the monthly job) makes it a
    /// no-op when the month is published already, so the job may run any number of times.
    /// </summary>
    public async Task<Publication?> PublishAsync(DateOnly month, FigureQuery period, Guid? by, string? reason, DateTimeOffset now, bool onlyIfUnpublished)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await Exec(conn, tx, LockMonthSql, ("Month", month));
        var latest = Convert.ToInt32(await Scalar(conn, tx, LatestVersionSql, ("Month", month)));
        if (latest > 0 && onlyIfUnpublished)
        {
            await tx.RollbackAsync();
            return null;
        }
        await Exec(conn, tx, RetireSql, ("Month", month));
        var id = (long)(await Scalar(conn, tx, InsertPublicationSql, ("Month", month), ("Version", latest + 1), ("Now", now),
            ("By", (object?)by ?? DBNull.Value), ("Reason", (object?)reason ?? DBNull.Value)))!;
        await Exec(conn, tx, SnapshotSql, ("Publication", id), ("From", period.From), ("To", period.To), ("Now", now));
        await using (var audit = new NpgsqlCommand(AuditLog.InsertSql, conn, tx))
        {
            audit.Parameters.AddWithValue("Now", now);
            audit.Parameters.Add(new NpgsqlParameter("Actor", NpgsqlDbType.Uuid) { Value = (object?)by ?? DBNull.Value });
            audit.Parameters.AddWithValue("Action", latest == 0 ? "evaluation_published" : "evaluation_republished");
            audit.Parameters.AddWithValue("Subject", $"evaluation:{month:yyyy-MM}");
            audit.Parameters.AddWithValue("Details", JsonSerializer.Serialize(new { version = latest + 1, reason, publicationId = id }));
            await audit.ExecuteNonQueryAsync();
        }
        await tx.CommitAsync();
        return (await ListAsync()).Single(p => p.Id == id);
    }

    public async Task<IReadOnlyList<Publication>> ListAsync()
    {
        var list = new List<Publication>();
        await using var cmd = db.CreateCommand(SelectPublicationsSql);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            list.Add(new Publication(r.GetInt64(0), r.GetFieldValue<DateOnly>(1), r.GetInt32(2), r.GetFieldValue<DateTimeOffset>(3),
                r.IsDBNull(4) ? null : r.GetGuid(4), r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetBoolean(7)));
        }
        return list;
    }

    /// <summary>The frozen indicators of a publication, for its month and the chosen grouping.</summary>
    public async Task<IndicatorTable> IndicatorsAsync(Publication pub, FigureQuery q, string? street)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand(FrozenIndicatorsSql, conn);
        AddArgs(cmd.Parameters, pub, q, street);
        var rows = new List<IndicatorRow>();
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
            {
                rows.Add(new IndicatorRow
                {
                    Key = r.GetString(0), Name = r.GetString(1), Reports = r.GetInt64(2), Registered = r.GetInt64(3), Dispatched = r.GetInt64(4),
                    Due = r.GetInt64(5), Closed = r.GetInt64(6), ClosedOnTime = r.GetInt64(7), Reworks = r.GetInt64(8), Reworked = r.GetInt64(9),
                    Extended = r.GetInt64(10), Overdue = r.GetInt64(11),
                });
            }
        }
        var total = new IndicatorRow
        {
            Key = "", Name = "", Reports = rows.Sum(x => x.Reports), Registered = rows.Sum(x => x.Registered), Dispatched = rows.Sum(x => x.Dispatched),
            Due = rows.Sum(x => x.Due), Closed = rows.Sum(x => x.Closed), ClosedOnTime = rows.Sum(x => x.ClosedOnTime), Reworks = rows.Sum(x => x.Reworks),
            Reworked = rows.Sum(x => x.Reworked), Extended = rows.Sum(x => x.Extended), Overdue = rows.Sum(x => x.Overdue),
        };
        return new IndicatorTable(q, rows, total, pub.PublishedAt);
    }

    /// <summary>The cases behind one frozen number (membership as published; names as they are now).</summary>
    public async Task<FigureCasePage> CasesAsync(Publication pub, FigureQuery q, string? street, string measure, string? key, int page, int pageSize)
    {
        var overdue = measure == Measures.Overdue;
        await using var conn = await db.OpenConnectionAsync();
        var items = new List<FigureCase>();
        await using (var cmd = new NpgsqlCommand(overdue ? FrozenOverdueCasesSql : FrozenPeriodCasesSql, conn))
        {
            AddArgs(cmd.Parameters, pub, q, street);
            AddCaseArgs(cmd.Parameters, measure, key);
            cmd.Parameters.AddWithValue("Limit", pageSize);
            cmd.Parameters.AddWithValue("Offset", (page - 1) * pageSize);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                items.Add(new FigureCase
                {
                    Id = r.GetInt64(0), CaseNo = r.GetString(1), State = r.GetString(2), CategoryCode = r.GetString(3), CellCode = r.GetString(4),
                    UnitName = r.IsDBNull(5) ? null : r.GetString(5), AssigneeName = r.IsDBNull(6) ? null : r.GetString(6),
                    CreatedAt = r.GetFieldValue<DateTimeOffset>(7), Deadline = r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8),
                    ClosedAt = r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9), ExtensionCount = r.GetInt32(10), ReworkCount = r.GetInt32(11),
                });
            }
        }
        await using var count = new NpgsqlCommand(overdue ? FrozenOverdueCountSql : FrozenPeriodCountSql, conn);
        AddArgs(count.Parameters, pub, q, street);
        AddCaseArgs(count.Parameters, measure, key);
        var total = (long)(await count.ExecuteScalarAsync())!;
        return new FigureCasePage(items, total, page, pageSize);
    }

    // The live figures' parameters, with "now" = the moment of publication.
    private static void AddArgs(NpgsqlParameterCollection p, Publication pub, FigureQuery q, string? street)
    {
        p.AddWithValue("Publication", pub.Id);
        p.AddWithValue("From", q.From);
        p.AddWithValue("To", q.To);
        p.AddWithValue("Group", q.Group);
        p.Add(new NpgsqlParameter("Street", NpgsqlDbType.Text) { Value = (object?)street ?? DBNull.Value });
        p.AddWithValue("Now", pub.PublishedAt);
        p.AddWithValue("DueBy", q.To < pub.PublishedAt ? q.To : pub.PublishedAt);
    }

    private static void AddCaseArgs(NpgsqlParameterCollection p, string measure, string? key)
    {
        p.AddWithValue("Measure", measure);
        p.Add(new NpgsqlParameter("Key", NpgsqlDbType.Text) { Value = (object?)key ?? DBNull.Value });
    }

    private static async Task Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection conn, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        return await cmd.ExecuteScalarAsync();
    }
}
