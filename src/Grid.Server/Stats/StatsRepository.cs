using Grid.Server.Data;
using Grid.Web.Pages;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Stats;

/// <summary>
/// The indicators of GB/T 30428 evaluation (综合评价) over cases reported in a period, grouped by
/// street, community, cell, responsible unit or assignee. Definitions (docs/escalation-and-figures.md):
/// reports = cases created in the period; registered, dispatched = of those, registered / dispatched;
/// due-to-close (应结案) = dispatched and either closed, or with a running clock whose deadline passed
/// before the period's end (or now); closed / closed on time / reworks / extended are counted among
/// the due; overdue = open now past the deadline, whatever the period.
/// </summary>
public sealed class StatsRepository(IDbContextFactory<GridDbContext> contexts, Microsoft.Extensions.Options.IOptions<Citizens.CitizenOptions> citizens)
{
    // The grouping key; @Group is one of FigureGroups (checked by the endpoint). One expression,
    // so the planner sees a single group-by column.
    private const string KeySql = """
        (case @Group when 'street' then left(c.cell_code, 9) when 'community' then left(c.cell_code, 12)
                     when 'cell' then c.cell_code when 'unit' then coalesce(c.assigned_unit_id, '')
                     else coalesce(c.assignee_id::text, '') end)
        """;

    private const string StreetScopeSql = " (@Street::text is null or c.cell_code like @Street || '%') ";

    private const string DueSql = """
        (c.dispatched_at is not null and (c.closed_at is not null
          or (c.state in ('dispatched','in_progress','resolved') and c.deadline < @DueBy)))
        """;

    // 回访 (follow-up), over the cases reported in the period: "to follow up" are those with a citizen
    // reporter that were closed (or answered about an earlier closing before a reopen); the latest
    // answer decides satisfaction; "no answer" is unanswered with the closing older than the period.
    private const string FollowUpDueSql = "(" + Citizens.CitizenRepository.CitizenReporterSql + """
         and (c.closed_at is not null or exists (select 1 from followups f where f.case_id = c.id)))
        """;

    private const string FollowedUpSql = "exists (select 1 from followups f where f.case_id = c.id)";

    private const string SatisfiedSql = """
        (select f.satisfaction from followups f where f.case_id = c.id order by f.answered_at desc, f.id desc limit 1) in ('satisfied','basic')
        """;

    private const string NoAnswerSql = """
        (c.state = 'closed' and c.closed_at < @NoAnswerBefore and not exists (select 1 from followups f where f.case_id = c.id and f.closed_at = c.closed_at))
        """;

    private const string NamesSql = """
        names as (
            select code as key, name from streets where @Group = 'street'
            union all select code, name from communities where @Group = 'community'
            union all select code, name from grid_cells where @Group = 'cell'
            union all select id, name_zh from units where @Group = 'unit'
            union all select id::text, display_name from people where @Group = 'person')
        """;

    internal const string IndicatorsSql = "with counts as (select " + KeySql + """
         as key,
               count(*) as reports,
               count(*) filter (where c.registered_at is not null) as registered,
               count(*) filter (where c.dispatched_at is not null) as dispatched,
               count(*) filter (where
        """ + DueSql + """
        ) as due,
               count(*) filter (where c.closed_at is not null and c.dispatched_at is not null) as closed,
               count(*) filter (where c.closed_at is not null and c.dispatched_at is not null and c.closed_at <= c.deadline) as closed_on_time,
               coalesce(sum(c.rework_count) filter (where
        """ + DueSql + """
        ), 0)::bigint as reworks,
               count(*) filter (where c.rework_count > 0 and
        """ + DueSql + """
        ) as reworked,
               count(*) filter (where c.extension_count > 0 and
        """ + DueSql + """
        ) as extended,
               count(*) filter (where
        """ + FollowUpDueSql + """
        ) as followup_due,
               count(*) filter (where
        """ + FollowUpDueSql + " and " + FollowedUpSql + """
        ) as followed_up,
               count(*) filter (where
        """ + FollowUpDueSql + " and " + FollowedUpSql + " and " + SatisfiedSql + """
        ) as satisfied,
               count(*) filter (where
        """ + FollowUpDueSql + " and " + NoAnswerSql + """
        ) as no_answer
            from cases c
            where c.created_at >= @From and c.created_at < @To and
        """ + StreetScopeSql + """
            group by 1
        ), overdue as (
            select
        """ + KeySql + """
         as key, count(*) as overdue
            from cases c
            where c.state in ('dispatched','in_progress') and c.deadline < @Now and
        """ + StreetScopeSql + """
            group by 1
        ),
        """ + NamesSql + """
        select coalesce(k.key, o.key) as "Key", coalesce(n.name, '') as "Name",
               coalesce(k.reports, 0) as "Reports", coalesce(k.registered, 0) as "Registered", coalesce(k.dispatched, 0) as "Dispatched",
               coalesce(k.due, 0) as "Due", coalesce(k.closed, 0) as "Closed", coalesce(k.closed_on_time, 0) as "ClosedOnTime",
               coalesce(k.reworks, 0) as "Reworks", coalesce(k.reworked, 0) as "Reworked", coalesce(k.extended, 0) as "Extended",
               coalesce(o.overdue, 0) as "Overdue", coalesce(k.followup_due, 0) as "FollowUpDue", coalesce(k.followed_up, 0) as "FollowedUp",
               coalesce(k.satisfied, 0) as "Satisfied", coalesce(k.no_answer, 0) as "NoAnswer"
        from counts k
        full join overdue o on o.key = k.key
        left join names n on n.key = coalesce(k.key, o.key)
        order by 1
        """;

    public async Task<IndicatorTable> IndicatorsAsync(FigureQuery q, string? street, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Database.SqlQueryRaw<IndicatorRow>(IndicatorsSql, Args(q, street, now)).ToListAsync();
        var total = new IndicatorRow
        {
            Key = "", Name = "", Reports = rows.Sum(r => r.Reports), Registered = rows.Sum(r => r.Registered), Dispatched = rows.Sum(r => r.Dispatched),
            Due = rows.Sum(r => r.Due), Closed = rows.Sum(r => r.Closed), ClosedOnTime = rows.Sum(r => r.ClosedOnTime), Reworks = rows.Sum(r => r.Reworks),
            Reworked = rows.Sum(r => r.Reworked), Extended = rows.Sum(r => r.Extended), Overdue = rows.Sum(r => r.Overdue),
            FollowUpDue = rows.Sum(r => r.FollowUpDue), FollowedUp = rows.Sum(r => r.FollowedUp), Satisfied = rows.Sum(r => r.Satisfied),
            NoAnswer = rows.Sum(r => r.NoAnswer),
        };
        return new IndicatorTable(q, rows, total, now);
    }

    private object[] Args(FigureQuery q, string? street, DateTimeOffset now) =>
    [
        new NpgsqlParameter("From", q.From), new NpgsqlParameter("To", q.To), new NpgsqlParameter("Group", q.Group), Text("Street", street),
        new NpgsqlParameter("Now", now), new NpgsqlParameter("DueBy", q.To < now ? q.To : now),
        new NpgsqlParameter("NoAnswerBefore", now.AddDays(-citizens.Value.FollowUpDays)),
    ];

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    // The cases behind one number. Closed, on time, reworked and extended are counted among the due,
    // so their lists add the due condition; a closed case is always due.
    internal const string CaseColumnsSql = """
        select c.id as "Id", c.case_no as "CaseNo", c.state as "State", c.category_code as "CategoryCode", c.cell_code as "CellCode",
               u.name_zh as "UnitName", a.display_name as "AssigneeName", c.created_at as "CreatedAt", c.deadline as "Deadline",
               c.closed_at as "ClosedAt", c.extension_count as "ExtensionCount", c.rework_count as "ReworkCount"
        from cases c
        left join units u on u.id = c.assigned_unit_id
        left join people a on a.id = c.assignee_id
        """;

    internal const string PeriodCasesWhereSql = """
         where c.created_at >= @From and c.created_at < @To and
        """ + StreetScopeSql + " and (@Key::text is null or " + KeySql + """
         = @Key)
          and (case @Measure
                 when 'reports' then true
                 when 'registered' then c.registered_at is not null
                 when 'dispatched' then c.dispatched_at is not null
                 when 'due' then
        """ + DueSql + """

                 when 'closed' then c.closed_at is not null and c.dispatched_at is not null
                 when 'closed_on_time' then c.closed_at is not null and c.dispatched_at is not null and c.closed_at <= c.deadline
                 when 'reworked' then c.rework_count > 0 and
        """ + DueSql + """

                 when 'extended' then c.extension_count > 0 and
        """ + DueSql + """

                 when 'followup_due' then
        """ + FollowUpDueSql + """

                 when 'followed_up' then
        """ + FollowUpDueSql + " and " + FollowedUpSql + """

                 when 'satisfied' then
        """ + FollowUpDueSql + " and " + FollowedUpSql + " and " + SatisfiedSql + """

                 when 'no_answer' then
        """ + FollowUpDueSql + " and " + NoAnswerSql + """

                 else false end)
        """;

    internal const string OverdueCasesWhereSql = """
         where c.state in ('dispatched','in_progress') and c.deadline < @Now and
        """ + StreetScopeSql + " and (@Key::text is null or " + KeySql + " = @Key)";

    private const string PeriodCasesSql = CaseColumnsSql + PeriodCasesWhereSql + " order by c.created_at, c.id limit @Limit offset @Offset";
    private const string PeriodCountSql = "select count(*) as \"Value\" from cases c" + PeriodCasesWhereSql;
    private const string OverdueCasesSql = CaseColumnsSql + OverdueCasesWhereSql + " order by c.deadline, c.id limit @Limit offset @Offset";
    private const string OverdueCountSql = "select count(*) as \"Value\" from cases c" + OverdueCasesWhereSql;

    // A parameter list is used by one command only, so each statement gets its own.
    private object[] CaseArgs(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key, int? limit, int offset) =>
    [
        .. Args(q, street, now), new NpgsqlParameter("Measure", measure), Text("Key", key),
        new NpgsqlParameter("Limit", NpgsqlDbType.Integer) { Value = (object?)limit ?? DBNull.Value }, new NpgsqlParameter("Offset", offset),
    ];

    public async Task<FigureCasePage> CasesAsync(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key, int page, int pageSize)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var overdue = measure == Measures.Overdue;
        var items = await db.Database.SqlQueryRaw<FigureCase>(overdue ? OverdueCasesSql : PeriodCasesSql,
            CaseArgs(q, street, now, measure, key, pageSize, (page - 1) * pageSize)).ToListAsync();
        var total = (await db.Database.SqlQueryRaw<long>(overdue ? OverdueCountSql : PeriodCountSql,
            CaseArgs(q, street, now, measure, key, pageSize, (page - 1) * pageSize)).ToListAsync()).Single();
        return new FigureCasePage(items, total, page, pageSize);
    }

    /// <summary>Every case behind one number, read row by row from the database (for CSV).</summary>
    public async IAsyncEnumerable<FigureCase> StreamCasesAsync(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = db.Database.SqlQueryRaw<FigureCase>(measure == Measures.Overdue ? OverdueCasesSql : PeriodCasesSql,
            CaseArgs(q, street, now, measure, key, null, 0)).AsAsyncEnumerable();
        await foreach (var row in rows)
        {
            yield return row;
        }
    }

    // Where the time goes: wall-clock seconds per stage of the cases reported in the period.
    private const string StageTimesSql = "with s as (select " + KeySql + """
         as key, v.stage, v.secs
            from cases c
            cross join lateral (values
                ('register', extract(epoch from c.registered_at - c.created_at)),
                ('dispatch', extract(epoch from c.dispatched_at - c.registered_at)),
                ('accept',   extract(epoch from c.accepted_at - c.dispatched_at)),
                ('handle',   extract(epoch from c.resolved_at - coalesce(c.accepted_at, c.dispatched_at))),
                ('verify',   extract(epoch from c.closed_at - c.resolved_at))) as v(stage, secs)
            where c.created_at >= @From and c.created_at < @To and v.secs is not null and
        """ + StreetScopeSql + """
        ),
        """ + NamesSql + """
        select s.key as "Key", coalesce(n.name, '') as "Name", s.stage as "Stage", count(*) as "Cases",
               percentile_cont(0.5) within group (order by s.secs) as "MedianSeconds",
               percentile_cont(0.9) within group (order by s.secs) as "P90Seconds"
        from s left join names n on n.key = s.key
        group by s.key, n.name, s.stage
        order by s.key, array_position(array['register','dispatch','accept','handle','verify'], s.stage)
        """;

    public async Task<IReadOnlyList<StageRow>> StageTimesAsync(FigureQuery q, string? street, DateTimeOffset now)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Database.SqlQueryRaw<StageRow>(StageTimesSql, Args(q, street, now)).ToListAsync();
    }

    private const string EscalationsWhereSql = """

        from escalations e
        join cases c on c.id = e.case_id
        left join units u on u.id = e.unit_id
        left join people a on a.id = e.assignee_id
        where e.at >= @From and e.at < @To and (@Level::text is null or e.level = @Level) and
        """ + StreetScopeSql;

    private const string EscalationListSql = """
        select e.id as "Id", e.case_id as "CaseId", c.case_no as "CaseNo", e.level as "Level", e.at as "At", e.due_at as "DueAt",
               e.cell_code as "CellCode", u.name_zh as "UnitName", a.display_name as "AssigneeName", c.state as "CaseState",
               (c.state in ('dispatched','in_progress','resolved','returned','on_hold','registered')
                and (e.deadline is null or e.deadline = c.deadline)) as "Current",
               e.note as "Note"
        """ + EscalationsWhereSql + """

        order by e.at desc, e.id desc
        limit @Limit
        """;

    private const string EscalationCountSql = "select count(*) as \"Value\" " + EscalationsWhereSql;

    private const string EscalationTrendSql = """
        select (e.at at time zone 'Asia/Shanghai')::date::timestamp as "Day", e.level as "Level", count(*) as "Count"
        """ + EscalationsWhereSql + """

        group by 1, 2
        order by 1, 2
        """;

    public async Task<EscalationFigures> EscalationsAsync(FigureQuery q, string? street, string? level, int limit)
    {
        await using var db = await contexts.CreateDbContextAsync();
        var rows = await db.Database.SqlQueryRaw<EscalationListRow>(EscalationListSql, EscalationArgs(q, street, level, limit)).ToListAsync();
        var total = (await db.Database.SqlQueryRaw<long>(EscalationCountSql, EscalationArgs(q, street, level, limit)).ToListAsync()).Single();
        var trend = await db.Database.SqlQueryRaw<EscalationDay>(EscalationTrendSql, EscalationArgs(q, street, level, limit)).ToListAsync();
        return new EscalationFigures(rows, total, trend);
    }

    public async IAsyncEnumerable<EscalationListRow> StreamEscalationsAsync(FigureQuery q, string? street, string? level)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await foreach (var row in db.Database.SqlQueryRaw<EscalationListRow>(EscalationListSql, EscalationArgs(q, street, level, null)).AsAsyncEnumerable())
        {
            yield return row;
        }
    }

    private static object[] EscalationArgs(FigureQuery q, string? street, string? level, int? limit) =>
    [
        new NpgsqlParameter("From", q.From), new NpgsqlParameter("To", q.To), Text("Street", street), Text("Level", level),
        new NpgsqlParameter("Limit", NpgsqlDbType.Integer) { Value = (object?)limit ?? DBNull.Value },
    ];
}
