using System.Data.Common;
using Dapper;
using Grid.Web.Pages;
using Npgsql;

namespace Grid.Server.Stats;

/// <summary>
/// The indicators of GB/T 30428 evaluation (综合评价) over cases reported in a period, grouped by
/// street, community, cell, responsible unit or assignee. Definitions (docs/escalation-and-figures.md):
/// reports = cases created in the period; registered, dispatched = of those, registered / dispatched;
/// due-to-close (应结案) = dispatched and either closed, or with a running clock whose deadline passed
/// before the period's end (or now); closed / closed on time / reworks / extended are counted among
/// the due; overdue = open now past the deadline, whatever the period.
/// </summary>
public sealed class StatsRepository(NpgsqlDataSource db, Microsoft.Extensions.Options.IOptions<Citizens.CitizenOptions> citizens)
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
        select coalesce(k.key, o.key) as key, coalesce(n.name, '') as name,
               coalesce(k.reports, 0) as reports, coalesce(k.registered, 0) as registered, coalesce(k.dispatched, 0) as dispatched,
               coalesce(k.due, 0) as due, coalesce(k.closed, 0) as closed, coalesce(k.closed_on_time, 0) as closed_on_time,
               coalesce(k.reworks, 0) as reworks, coalesce(k.reworked, 0) as reworked, coalesce(k.extended, 0) as extended,
               coalesce(o.overdue, 0) as overdue, coalesce(k.followup_due, 0) as follow_up_due, coalesce(k.followed_up, 0) as followed_up,
               coalesce(k.satisfied, 0) as satisfied, coalesce(k.no_answer, 0) as no_answer
        from counts k
        full join overdue o on o.key = k.key
        left join names n on n.key = coalesce(k.key, o.key)
        order by 1
        """;

    public async Task<IndicatorTable> IndicatorsAsync(FigureQuery q, string? street, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<IndicatorRow>(IndicatorsSql, Args(q, street, now))).ToList();
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

    private DynamicParameters Args(FigureQuery q, string? street, DateTimeOffset now) => new(new
    {
        q.From, q.To, q.Group, Street = street, Now = now, DueBy = q.To < now ? q.To : now,
        NoAnswerBefore = now.AddDays(-citizens.Value.FollowUpDays),
    });

    // The cases behind one number. Closed, on time, reworked and extended are counted among the due,
    // so their lists add the due condition; a closed case is always due.
    internal const string CaseColumnsSql = """
        select c.id, c.case_no, c.state, c.category_code, c.cell_code, u.name_zh as unit_name, a.display_name as assignee_name,
               c.created_at, c.deadline, c.closed_at, c.extension_count, c.rework_count
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
    private const string PeriodCountSql = "select count(*) from cases c" + PeriodCasesWhereSql;
    private const string OverdueCasesSql = CaseColumnsSql + OverdueCasesWhereSql + " order by c.deadline, c.id limit @Limit offset @Offset";
    private const string OverdueCountSql = "select count(*) from cases c" + OverdueCasesWhereSql;

    private DynamicParameters CaseArgs(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key, int? limit, int offset)
    {
        var args = Args(q, street, now);
        args.AddDynamicParams(new { Measure = measure, Key = key, Limit = limit, Offset = offset });
        return args;
    }

    public async Task<FigureCasePage> CasesAsync(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key, int page, int pageSize)
    {
        var args = CaseArgs(q, street, now, measure, key, pageSize, (page - 1) * pageSize);
        await using var conn = await db.OpenConnectionAsync();
        var overdue = measure == Measures.Overdue;
        var items = (await conn.QueryAsync<FigureCase>(overdue ? OverdueCasesSql : PeriodCasesSql, args)).ToList();
        var total = await conn.ExecuteScalarAsync<long>(overdue ? OverdueCountSql : PeriodCountSql, args);
        return new FigureCasePage(items, total, page, pageSize);
    }

    /// <summary>Every case behind one number, read row by row from the database (for CSV).</summary>
    public async IAsyncEnumerable<FigureCase> StreamCasesAsync(FigureQuery q, string? street, DateTimeOffset now, string measure, string? key)
    {
        await using var conn = await db.OpenConnectionAsync();
        var args = CaseArgs(q, street, now, measure, key, null, 0);
        await foreach (var row in conn.QueryUnbufferedAsync<FigureCase>(measure == Measures.Overdue ? OverdueCasesSql : PeriodCasesSql, args))
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
        select s.key, coalesce(n.name, '') as name, s.stage, count(*) as cases,
               percentile_cont(0.5) within group (order by s.secs) as median_seconds,
               percentile_cont(0.9) within group (order by s.secs) as p90_seconds
        from s left join names n on n.key = s.key
        group by s.key, n.name, s.stage
        order by s.key, array_position(array['register','dispatch','accept','handle','verify'], s.stage)
        """;

    public async Task<IReadOnlyList<StageRow>> StageTimesAsync(FigureQuery q, string? street, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<StageRow>(StageTimesSql, Args(q, street, now))).ToList();
    }

    private const string EscalationsWhereSql = """

        from escalations e
        join cases c on c.id = e.case_id
        left join units u on u.id = e.unit_id
        left join people a on a.id = e.assignee_id
        where e.at >= @From and e.at < @To and (@Level::text is null or e.level = @Level) and
        """ + StreetScopeSql;

    private const string EscalationListSql = """
        select e.id, e.case_id, c.case_no, e.level, e.at, e.due_at, e.cell_code, u.name_zh as unit_name, a.display_name as assignee_name,
               c.state as case_state,
               (c.state in ('dispatched','in_progress','resolved','returned','on_hold','registered')
                and (e.deadline is null or e.deadline = c.deadline)) as current,
               e.note
        """ + EscalationsWhereSql + """

        order by e.at desc, e.id desc
        limit @Limit
        """;

    private const string EscalationCountSql = "select count(*) " + EscalationsWhereSql;

    private const string EscalationTrendSql = """
        select (e.at at time zone 'Asia/Shanghai')::date::timestamp as day, e.level, count(*) as count
        """ + EscalationsWhereSql + """

        group by 1, 2
        order by 1, 2
        """;

    public async Task<EscalationFigures> EscalationsAsync(FigureQuery q, string? street, string? level, int limit)
    {
        var args = new { q.From, q.To, Street = street, Level = level, Limit = limit };
        await using var conn = await db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<EscalationListRow>(EscalationListSql, args)).ToList();
        var total = await conn.ExecuteScalarAsync<long>(EscalationCountSql, args);
        var trend = (await conn.QueryAsync<EscalationDay>(EscalationTrendSql, args)).ToList();
        return new EscalationFigures(rows, total, trend);
    }

    public async IAsyncEnumerable<EscalationListRow> StreamEscalationsAsync(FigureQuery q, string? street, string? level)
    {
        await using var conn = await db.OpenConnectionAsync();
        var args = new { q.From, q.To, Street = street, Level = level, Limit = (int?)null };
        await foreach (var row in conn.QueryUnbufferedAsync<EscalationListRow>(EscalationListSql, args))
        {
            yield return row;
        }
    }
}
