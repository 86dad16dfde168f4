using Grid.Server.Incidents;
using Grid.Server.Staff;
using Grid.Web;
using Grid.Web.Pages;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Grid.Server.Citizens;

/// <summary>
/// The follow-up page's data for the circuit's person, through the same handlers as GET /api/followups and
/// POST /api/followups/{id}: the same role and scope checks, validation and reopening. Each call reads anew.
/// </summary>
public sealed class FollowUpDesk(AuthenticationStateProvider auth, IServiceProvider services, CitizenRepository repo, CaseRepository cases,
    StaffRepository staff, IOptions<CitizenOptions> options, TimeProvider clock, IStringLocalizer<Strings> texts) : IFollowUpSource
{
    private async Task<DefaultHttpContext> RequestAsync() =>
        new() { User = (await auth.GetAuthenticationStateAsync()).User, RequestServices = services };

    public async Task<FollowUpPage> DueAsync(int page)
    {
        var request = await RequestAsync();
        var pageSize = CitizenEndpoints.MaxFollowUpPageSize;
        var result = await CitizenEndpoints.DueFollowUps(request, repo, options, clock, page, pageSize);
        if (result is not Ok<List<DueFollowUp>> ok) return FollowUpPage.None;
        var total = long.Parse(request.Response.Headers[CitizenEndpoints.TotalCountHeader]!, System.Globalization.CultureInfo.InvariantCulture);
        return new FollowUpPage(ok.Value!.Select(f => new FollowUpDue(f.CaseId, f.CaseNo, f.Category, f.Address, f.ReporterName, f.ReporterPhone,
            f.TicketId, f.ClosedAt, f.NoAnswer, f.ReporterEmail)).ToList(), total, page, pageSize);
    }

    public async Task<FollowUpOutcome> RecordAsync(long caseId, bool? solved, string? satisfaction, string? comment)
    {
        var result = await CitizenEndpoints.RecordByPhone(caseId, new FollowUpAnswer(solved, satisfaction, comment), await RequestAsync(),
            repo, cases, staff, clock);
        if (Http.Problems.ErrorOf(result, texts) is { } error) return new FollowUpOutcome(false, false, error);
        return new FollowUpOutcome(true, ((Ok<RecordedFollowUp>)result).Value!.Reopened, null);
    }
}
