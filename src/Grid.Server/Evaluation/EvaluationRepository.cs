using System.Text.Json;
using Grid.Server.Data;
using Grid.Server.Stats;
using Grid.Web.Pages;
using Microsoft.EntityFrameworkCore;
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
public sealed class EvaluationRepository(IDbContextFactory<GridDbContext> contexts, Microsoft.Extensions.Options.IOptions<Citizens.CitizenOptions> citizens)
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
    private static readonly string FrozenPeriodCountSql = Frozen("select count(*) as \"Value\" from cases c" + StatsRepository.PeriodCasesWhereSql);
    private static readonly string FrozenOverdueCasesSql = Frozen(StatsRepository.CaseColumnsSql + StatsRepository.OverdueCasesWhereSql)
        + " order by c.deadline, c.id limit @Limit offset @Offset";
    private static readonly string FrozenOverdueCountSql = Frozen("select count(*) as \"Value\" from cases c" + StatsRepository.OverdueCasesWhereSql);

    // Two publications of one month at once (the job on two nodes, a supervisor): the month's row
    // lock-free guard is the advisory lock below plus the unique (month, version).
    private const string LockMonthSql = "select pg_advisory_xact_lock(4719, (extract(year from @Month::date) * 12 + extract(month from @Month::date))::int)";

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

    /// <summary>
    /// Publishes <paramref name="month"/> (its first day): version 1, or with a reason a new version
    /// replacing the current one. <paramref name="onlyIfUnpublished"/> (the monthly job) makes it a
    /// no-op when the month is published already, so the job may run any number of times.
    /// </summary>
    public async Task<Publication?> PublishAsync(DateOnly month, FigureQuery period, Guid? by, string? reason, DateTimeOffset now, bool onlyIfUnpublished)
    {
        long id;
        await using (var db = await contexts.CreateDbContextAsync())
        {
            await using var tx = await db.Database.BeginTransactionAsync();
            await db.Database.ExecuteSqlRawAsync(LockMonthSql, new NpgsqlParameter("Month", NpgsqlDbType.Date) { Value = month });
            var publications = db.Set<EvaluationPublicationRecord>();
            var latest = await publications.Where(p => p.Month == month).MaxAsync(p => (int?)p.Version) ?? 0;
            if (latest > 0 && onlyIfUnpublished)
            {
                await tx.RollbackAsync();
                return null;
            }
            await publications.Where(p => p.Month == month && p.IsCurrent).ExecuteUpdateAsync(u => u.SetProperty(p => p.IsCurrent, false));
            var pub = new EvaluationPublicationRecord
            {
                Month = month, Version = latest + 1, PublishedAt = now, PublishedBy = by, Reason = reason, IsCurrent = true,
                NoAnswerBefore = now.AddDays(-citizens.Value.FollowUpDays),
            };
            db.Add(pub);
            await db.SaveChangesAsync();
            id = pub.Id;
            await db.Database.ExecuteSqlRawAsync(SnapshotSql, new NpgsqlParameter("Publication", id), new NpgsqlParameter("From", period.From),
                new NpgsqlParameter("To", period.To), new NpgsqlParameter("Now", now));
            await db.Database.ExecuteSqlRawAsync(FollowUpSnapshotSql, new NpgsqlParameter("Publication", id), new NpgsqlParameter("Now", now));
            db.Add(new AuditLogRecord
            {
                At = now, ActorId = by, Action = latest == 0 ? "evaluation_published" : "evaluation_republished", Subject = $"evaluation:{month:yyyy-MM}",
                Details = JsonSerializer.Serialize(new { version = latest + 1, reason, publicationId = id }),
            });
            await db.SaveChangesAsync();
            await tx.CommitAsync();
        }
        return (await ListAsync()).Single(p => p.Id == id);
    }

    public async Task<IReadOnlyList<Publication>> ListAsync()
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await (from e in db.Set<EvaluationPublicationRecord>()
                      join p in db.Set<Staff.PersonRecord>() on e.PublishedBy equals p.Id into publishers
                      from p in publishers.DefaultIfEmpty()
                      orderby e.Month descending, e.Version descending
                      select new Publication(e.Id, e.Month, e.Version, e.PublishedAt, e.PublishedBy, p.DisplayName, e.Reason, e.IsCurrent,
                          e.NoAnswerBefore))
            .ToListAsync();
    }

    /// <summary>The frozen indicators of a publication, for its month and the chosen grouping.</summary>
    public async Task<IndicatorTable> IndicatorsAsync(Publication pub, FigureQuery q, string? street)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Database.SqlQueryRaw<IndicatorRow>(FrozenIndicatorsSql, Args(pub, q, street)).ToListAsync();
        return new IndicatorTable(q, rows, IndicatorRow.Sum(rows), pub.PublishedAt);
    }

    /// <summary>The cases behind one frozen number (membership as published; names as they are now).</summary>
    public async Task<FigureCasePage> CasesAsync(Publication pub, FigureQuery q, string? street, string measure, string? key, int page, int pageSize)
    {
        var overdue = measure == Measures.Overdue;
        await using var db = await contexts.CreateDbContextAsync();
        // A parameter list belongs to one command, so each statement gets its own.
        var items = await db.Database.SqlQueryRaw<FigureCase>(overdue ? FrozenOverdueCasesSql : FrozenPeriodCasesSql,
            CaseArgs(pub, q, street, measure, key, pageSize, (page - 1) * pageSize)).ToListAsync();
        var total = (await db.Database.SqlQueryRaw<long>(overdue ? FrozenOverdueCountSql : FrozenPeriodCountSql,
            CaseArgs(pub, q, street, measure, key, pageSize, (page - 1) * pageSize)).ToListAsync()).Single();
        return new FigureCasePage(items, total, page, pageSize);
    }

    /// <summary>Every case behind one frozen number, streamed (the export).</summary>
    public async IAsyncEnumerable<FigureCase> StreamCasesAsync(Publication pub, FigureQuery q, string? street, string measure, string? key)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = db.Database.SqlQueryRaw<FigureCase>(measure == Measures.Overdue ? FrozenOverdueCasesSql : FrozenPeriodCasesSql,
            CaseArgs(pub, q, street, measure, key, null, 0)).AsAsyncEnumerable();
        await foreach (var row in rows) yield return row;
    }

    // The cases' parameters: the figures' own, the measure and group key, and the window (limit null = all).
    private static object[] CaseArgs(Publication pub, FigureQuery q, string? street, string measure, string? key, int? limit, int offset) =>
    [
        .. Args(pub, q, street), new NpgsqlParameter("Measure", measure), Text("Key", key),
        new NpgsqlParameter("Limit", NpgsqlDbType.Integer) { Value = (object?)limit ?? DBNull.Value },
        new NpgsqlParameter("Offset", NpgsqlDbType.Integer) { Value = offset },
    ];

    // The live figures' parameters, with "now" = the moment of publication and the follow-up cut-off
    // as it was then.
    private static object[] Args(Publication pub, FigureQuery q, string? street) =>
    [
        new NpgsqlParameter("Publication", pub.Id), new NpgsqlParameter("From", q.From), new NpgsqlParameter("To", q.To),
        new NpgsqlParameter("Group", q.Group), Text("Street", street), new NpgsqlParameter("Now", pub.PublishedAt),
        new NpgsqlParameter("DueBy", q.To < pub.PublishedAt ? q.To : pub.PublishedAt), new NpgsqlParameter("NoAnswerBefore", pub.NoAnswerBefore),
    ];

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
