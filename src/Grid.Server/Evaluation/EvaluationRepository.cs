using System.Text.Json;
using Dapper;
using Grid.Server.Data;
using Grid.Server.Stats;
using Grid.Web.Pages;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Evaluation;

public sealed record Publication(long Id, DateOnly Month, int Version, DateTimeOffset PublishedAt, Guid? PublishedBy, string? PublishedByName,
    string? Reason, bool IsCurrent, DateTimeOffset NoAnswerBefore);

/// <summary>
/// Published (frozen) monthly evaluations. A publication snapshots the facts of the cases its month
/// reads and their follow-up answers; the frozen indicators and case lists run the live figures' SQL
/// (Stats/StatsRepository) over that snapshot instead of over cases and followups, so frozen and live
/// numbers share one definition.
/// </summary>
public sealed class EvaluationRepository(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<Citizens.CitizenOptions> citizens)
{
    // The live figures' statements read "from cases c" and "from followups f" and decide who has a
    // citizen reporter from live tables; over a publication each reads its snapshot. Built once from
    // constants, never from input.
    private static string Frozen(string live)
    {
        var sql = Swap(live, "from cases c", "from (select * from evaluation_snapshot s where s.publication_id = @Publication) c");
        if (sql.Contains("followups f", StringComparison.Ordinal))
        {
            sql = Swap(sql, "from followups f", "from (select * from evaluation_followup_snapshot x where x.publication_id = @Publication) f");
        }
        if (sql.Contains(Citizens.CitizenRepository.CitizenReporterSql, StringComparison.Ordinal))
        {
            sql = Swap(sql, Citizens.CitizenRepository.CitizenReporterSql, "c.citizen_reporter");
        }
        // A live table left in a frozen statement would let later edits move a published month:
        // refuse to start rather than publish numbers that are not frozen.
        foreach (var table in new[] { "from cases", "join cases", "followups f", "citizen_tracking" })
        {
            if (sql.Contains(table, StringComparison.Ordinal))
                throw new InvalidOperationException($"A frozen figures statement still reads the live '{table}': extend EvaluationRepository.Frozen.");
        }
        return sql;
    }

    private static string Swap(string sql, string from, string to) =>
        sql.Contains(from, StringComparison.Ordinal) ? sql.Replace(from, to, StringComparison.Ordinal)
            : throw new InvalidOperationException($"The live figures' SQL no longer contains '{from}'; EvaluationRepository.Frozen must follow it.");

    private static readonly string FrozenIndicatorsSql = Frozen(StatsRepository.IndicatorsSql);
    private static readonly string FrozenPeriodCasesSql = Frozen(StatsRepository.CaseColumnsSql + StatsRepository.PeriodCasesWhereSql)
        + " order by c.created_at, c.id limit @Limit offset @Offset";
    private static readonly string FrozenPeriodCountSql = Frozen("select count(*) from cases c" + StatsRepository.PeriodCasesWhereSql);
    private static readonly string FrozenOverdueCasesSql = Frozen(StatsRepository.CaseColumnsSql + StatsRepository.OverdueCasesWhereSql)
        + " order by c.deadline, c.id limit @Limit offset @Offset";
    private static readonly string FrozenOverdueCountSql = Frozen("select count(*) from cases c" + StatsRepository.OverdueCasesWhereSql);

    // Two publications of one month at once (the job on two nodes, a supervisor): the month's row
    // lock-free guard is the advisory lock below plus the unique (month, version).
    private const string LockMonthSql = "select pg_advisory_xact_lock(4719, (extract(year from @Month::date) * 12 + extract(month from @Month::date))::int)";

    private const string LatestVersionSql = "select coalesce(max(version), 0) from evaluation_publications where month = @Month";

    private const string RetireSql = "update evaluation_publications set is_current = false where month = @Month and is_current";

    private const string InsertPublicationSql = """
        insert into evaluation_publications (month, version, published_at, published_by, reason, is_current, no_answer_before)
        values (@Month, @Version, @Now, @By, @Reason, true, @NoAnswerBefore)
        returning id
        """;

    // Cases reported in the month, and cases open past their deadline at publication (the overdue count).
    private const string SnapshotSql = """
        insert into evaluation_snapshot (publication_id, id, case_no, state, category_code, cell_code, assigned_unit_id, assignee_id,
                                         created_at, registered_at, dispatched_at, closed_at, deadline, extension_count, rework_count,
                                         citizen_reporter)
        select @Publication, c.id, c.case_no, c.state, c.category_code, c.cell_code, c.assigned_unit_id, c.assignee_id,
               c.created_at, c.registered_at, c.dispatched_at, c.closed_at, c.deadline, c.extension_count, c.rework_count,
        """ + Citizens.CitizenRepository.CitizenReporterSql + """

        from cases c
        where (c.created_at >= @From and c.created_at < @To)
           or (c.state in ('dispatched','in_progress') and c.deadline < @Now)
        """;

    // The answers given by the moment of publication (an answer recorded later belongs to no published month).
    private const string FollowUpSnapshotSql = """
        insert into evaluation_followup_snapshot (publication_id, id, case_id, closed_at, satisfaction, answered_at)
        select @Publication, f.id, f.case_id, f.closed_at, f.satisfaction, f.answered_at
        from followups f
        join evaluation_snapshot s on s.publication_id = @Publication and s.id = f.case_id
        where f.answered_at <= @Now
        """;

    private const string SelectPublicationsSql = """
        select e.id, e.month, e.version, e.published_at, e.published_by, p.display_name as published_by_name, e.reason, e.is_current,
               e.no_answer_before
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
            ("By", (object?)by ?? DBNull.Value), ("Reason", (object?)reason ?? DBNull.Value),
            ("NoAnswerBefore", now.AddDays(-citizens.Value.FollowUpDays))))!;
        await Exec(conn, tx, SnapshotSql, ("Publication", id), ("From", period.From), ("To", period.To), ("Now", now));
        await Exec(conn, tx, FollowUpSnapshotSql, ("Publication", id), ("Now", now));
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
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<PublicationRow>(SelectPublicationsSql)).Select(r => r.ToPublication()).ToList();
    }

    // Dapper fills settable members; the record is positional.
    private sealed class PublicationRow
    {
        public long Id { get; init; }
        public DateOnly Month { get; init; }
        public int Version { get; init; }
        public DateTimeOffset PublishedAt { get; init; }
        public Guid? PublishedBy { get; init; }
        public string? PublishedByName { get; init; }
        public string? Reason { get; init; }
        public bool IsCurrent { get; init; }
        public DateTimeOffset NoAnswerBefore { get; init; }

        public Publication ToPublication() =>
            new(Id, Month, Version, PublishedAt, PublishedBy, PublishedByName, Reason, IsCurrent, NoAnswerBefore);
    }

    /// <summary>The frozen indicators of a publication, for its month and the chosen grouping.</summary>
    public async Task<IndicatorTable> IndicatorsAsync(Publication pub, FigureQuery q, string? street)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<IndicatorRow>(FrozenIndicatorsSql, Args(pub, q, street))).ToList();
        return new IndicatorTable(q, rows, IndicatorRow.Sum(rows), pub.PublishedAt);
    }

    /// <summary>The cases behind one frozen number (membership as published; names as they are now).</summary>
    public async Task<FigureCasePage> CasesAsync(Publication pub, FigureQuery q, string? street, string measure, string? key, int page, int pageSize)
    {
        var overdue = measure == Measures.Overdue;
        var args = Args(pub, q, street);
        args.AddDynamicParams(new { Measure = measure, Key = key, Limit = pageSize, Offset = (page - 1) * pageSize });
        await using var conn = await db.OpenConnectionAsync();
        var items = (await conn.QueryAsync<FigureCase>(overdue ? FrozenOverdueCasesSql : FrozenPeriodCasesSql, args)).ToList();
        var total = await conn.ExecuteScalarAsync<long>(overdue ? FrozenOverdueCountSql : FrozenPeriodCountSql, args);
        return new FigureCasePage(items, total, page, pageSize);
    }

    // The live figures' parameters, with "now" = the moment of publication and the follow-up cut-off
    // as it was then.
    private static DynamicParameters Args(Publication pub, FigureQuery q, string? street) => new(new
    {
        Publication = pub.Id, q.From, q.To, q.Group, Street = street, Now = pub.PublishedAt,
        DueBy = q.To < pub.PublishedAt ? q.To : pub.PublishedAt, NoAnswerBefore = pub.NoAnswerBefore,
    });

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
