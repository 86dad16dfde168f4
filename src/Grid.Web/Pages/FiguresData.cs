namespace Grid.Web.Pages;

/// <summary>How the figures are grouped.</summary>
public static class FigureGroups
{
    public const string Street = "street", Community = "community", Cell = "cell", Unit = "unit", Person = "person";
    public static readonly IReadOnlyList<string> All = [Street, Community, Cell, Unit, Person];
}

/// <summary>The measures behind the indicators; each names a set of cases the drill-down lists.</summary>
public static class Measures
{
    public const string Reports = "reports", Registered = "registered", Dispatched = "dispatched", Due = "due", Closed = "closed",
        ClosedOnTime = "closed_on_time", Reworked = "reworked", Extended = "extended", Overdue = "overdue";
    /// <summary>回访: closed cases with a citizen reporter; of those answered; of those satisfied or basically
    /// satisfied; and those left without an answer past the follow-up period.</summary>
    public const string FollowUpDue = "followup_due", FollowedUp = "followed_up", Satisfied = "satisfied", NoAnswer = "no_answer";
    public static readonly IReadOnlyList<string> All = [Reports, Registered, Dispatched, Due, Closed, ClosedOnTime, Reworked, Extended, Overdue,
        FollowUpDue, FollowedUp, Satisfied, NoAnswer];
}

/// <summary>A period [From, To) in UTC, a grouping, and the street the viewer is limited to (if any).</summary>
public sealed record FigureQuery(DateTimeOffset From, DateTimeOffset To, string Group);

/// <summary>One group's counts. Rates are numerator / denominator and are computed by the reader.</summary>
public sealed class IndicatorRow
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public long Reports { get; init; }
    public long Registered { get; init; }
    public long Dispatched { get; init; }
    public long Due { get; init; }
    public long Closed { get; init; }
    public long ClosedOnTime { get; init; }
    public long Reworks { get; init; }
    public long Reworked { get; init; }
    public long Extended { get; init; }
    public long Overdue { get; init; }
    public long FollowUpDue { get; init; }
    public long FollowedUp { get; init; }
    public long Satisfied { get; init; }
    public long NoAnswer { get; init; }

    public static double? Rate(long numerator, long denominator) => denominator == 0 ? null : (double)numerator / denominator;

    /// <summary>The total row of a table: every count summed over the groups.</summary>
    public static IndicatorRow Sum(IReadOnlyCollection<IndicatorRow> rows) => new()
    {
        Reports = rows.Sum(r => r.Reports), Registered = rows.Sum(r => r.Registered), Dispatched = rows.Sum(r => r.Dispatched),
        Due = rows.Sum(r => r.Due), Closed = rows.Sum(r => r.Closed), ClosedOnTime = rows.Sum(r => r.ClosedOnTime), Reworks = rows.Sum(r => r.Reworks),
        Reworked = rows.Sum(r => r.Reworked), Extended = rows.Sum(r => r.Extended), Overdue = rows.Sum(r => r.Overdue),
        FollowUpDue = rows.Sum(r => r.FollowUpDue), FollowedUp = rows.Sum(r => r.FollowedUp), Satisfied = rows.Sum(r => r.Satisfied),
        NoAnswer = rows.Sum(r => r.NoAnswer),
    };
}

public sealed record IndicatorTable(FigureQuery Query, IReadOnlyList<IndicatorRow> Rows, IndicatorRow Total, DateTimeOffset Now);

public sealed class StageRow
{
    public string Key { get; init; } = "";
    public string Name { get; init; } = "";
    public string Stage { get; init; } = "";
    public long Cases { get; init; }
    public double MedianSeconds { get; init; }
    public double P90Seconds { get; init; }
}

public static class Stages
{
    public static readonly IReadOnlyList<string> All = ["register", "dispatch", "accept", "handle", "verify"];
}

public sealed class EscalationListRow
{
    public long Id { get; init; }
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string Level { get; init; } = "";
    public DateTimeOffset At { get; init; }
    public DateTimeOffset DueAt { get; init; }
    public string CellCode { get; init; } = "";
    public string? UnitName { get; init; }
    public string? AssigneeName { get; init; }
    public string CaseState { get; init; } = "";
    public bool Current { get; init; }
    public string? Note { get; init; }
}

public sealed class EscalationDay
{
    public DateTime Day { get; init; }
    public string Level { get; init; } = "";
    public long Count { get; init; }
}

public sealed record EscalationFigures(IReadOnlyList<EscalationListRow> Rows, long Total, IReadOnlyList<EscalationDay> Trend);

public sealed class FigureCase
{
    public long Id { get; init; }
    public string CaseNo { get; init; } = "";
    public string State { get; init; } = "";
    public string CategoryCode { get; init; } = "";
    public string CellCode { get; init; } = "";
    public string? UnitName { get; init; }
    public string? AssigneeName { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? Deadline { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    public int ExtensionCount { get; init; }
    public int ReworkCount { get; init; }
}

public sealed record FigureCasePage(IReadOnlyList<FigureCase> Items, long Total, int Page, int PageSize);

/// <summary>Who is asking: may they see figures at all, and are they limited to one street.</summary>
public sealed record FiguresAccess(bool Allowed, string? Street, string Message);

/// <summary>The supervisors' figures, as the pages read them (implemented by the server over SQL).</summary>
public interface IFiguresSource
{
    Task<FiguresAccess> AccessAsync();
    /// <summary>Reads a period (local dates, "to" inclusive; default this month) and grouping; null with a message when invalid.</summary>
    FigureQuery? Parse(string? from, string? to, string? group, out string? error);
    Task<IndicatorTable> IndicatorsAsync(FigureQuery query);
    Task<IReadOnlyList<StageRow>> StageTimesAsync(FigureQuery query);
    Task<EscalationFigures> EscalationsAsync(FigureQuery query, string? level, int limit);
    Task<FigureCasePage> CasesAsync(FigureQuery query, string measure, string? key, int page, int pageSize);
}

/// <summary>An inbox item as the inbox page shows it.</summary>
public sealed class InboxEntry
{
    public long Id { get; init; }
    public long CaseId { get; init; }
    public string CaseNo { get; init; } = "";
    public string CaseState { get; init; } = "";
    public string Description { get; init; } = "";
    public string Level { get; init; } = "";
    public string? Note { get; init; }
    public string? OrderedByName { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? ReadAt { get; init; }
}

/// <summary>The signed-in person's inbox (implemented by the server).</summary>
public interface IInboxSource
{
    Task<long> UnreadCountAsync();
    Task<IReadOnlyList<InboxEntry>> ListAsync(int page, int pageSize);
    /// <summary>False when the item is not in the signed-in person's inbox.</summary>
    Task<bool> MarkReadAsync(long id);
}
