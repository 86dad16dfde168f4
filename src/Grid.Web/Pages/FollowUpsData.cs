namespace Grid.Web.Pages;

/// <summary>A closed case with a citizen reporter whose follow-up answer (回访) is still missing.</summary>
public sealed record FollowUpDue(long CaseId, string CaseNo, string Category, string Address, string? ReporterName, string? ReporterPhone,
    string? TicketId, DateTimeOffset ClosedAt, bool NoAnswer, string? ReporterEmail = null);

/// <summary>One page of the follow-up list, most urgent first, and how many cases the whole list has.</summary>
public sealed record FollowUpPage(IReadOnlyList<FollowUpDue> Items, long Total, int Page, int PageSize)
{
    public static readonly FollowUpPage None = new([], 0, 1, 1);

    public int Pages => Total == 0 ? 1 : (int)((Total + PageSize - 1) / PageSize);
}

/// <summary>The answer recorded (and whether "not solved" reopened the case), or the server's reason it was not.</summary>
public sealed record FollowUpOutcome(bool Recorded, bool Reopened, string? Error);

/// <summary>The call takers' follow-up list for the circuit's person; implemented by the server over the API's own handlers.</summary>
public interface IFollowUpSource
{
    /// <summary>
    /// A page of the cases waiting for a follow-up call in the person's area (those still in the follow-up period first,
    /// the one whose period ends first at the top; then those past it, the latest first), or none when the person may
    /// not see them.
    /// </summary>
    Task<FollowUpPage> DueAsync(int page);

    /// <summary>Records what the reporter said on the phone (solved, satisfaction, a comment).</summary>
    Task<FollowUpOutcome> RecordAsync(long caseId, bool? solved, string? satisfaction, string? comment);
}
