using System.Globalization;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Intake;
using Grid.Server.Open311;
using Grid.Web;
using Grid.Web.Pages.Hotline;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Hotline;

/// <summary>
/// The hotline page's data and steps for the circuit's person: calls go through the one intake path (the same checks,
/// cell lookup, duplicate flags and events as every channel); address-only Open311 requests are placed through the
/// API's own handler. Each call reads the database anew.
/// </summary>
public sealed class HotlineDesk(AuthenticationStateProvider auth, IServiceProvider services, IntakeService intake, CaseRepository cases,
    CatalogueRepository catalogue, Open311Repository open311, IOptions<GridOptions> options, TimeProvider clock,
    ILogger<HotlineDesk> log, IStringLocalizer<Strings> texts) : IHotlineSource
{
    private static readonly IntakeFields Fields = new("lat", "lon", "category", "description", "address", "caller name", "caller phone",
        "e-mail", "Pick one from the list.");

    /// <summary>How often a call is sent again when the database could not be reached (the same key each time).</summary>
    internal const int Attempts = 5;

    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);
    private static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";
    private static bool TakesCalls(Viewer v) => v.Roles.Any(r => r is Role.Operator or Role.ShiftLead or Role.Dispatcher);

    public async Task<IReadOnlyList<CategoryOption>> CategoriesAsync() =>
        (await catalogue.ListCategoriesAsync()).Select(c => new CategoryOption(c.Code, English ? c.NameEn : c.NameZh,
            English ? c.MajorNameEn : c.MajorNameZh)).ToList();

    public async Task<IReadOnlyList<SimilarCase>> SimilarAsync(double lat, double lon, string categoryCode)
    {
        var errors = new Errors();
        Coordinates.Check(lat, lon, options.Value, errors);
        if (errors.Any || string.IsNullOrWhiteSpace(categoryCode)) return [];
        var viewer = await ViewerAsync();
        var rows = await cases.NearbyOpenAsync(lat, lon, categoryCode.Trim(), options.Value.DuplicateRadiusMeters,
            clock.GetUtcNow().AddDays(-options.Value.DuplicateWindowDays), CaseEndpoints.ScopeOf(viewer));
        return rows.Select(r => new SimilarCase(r.Id, r.CaseNo, r.State, r.Address, r.Description, r.Lat, r.Lon)).ToList();
    }

    public async Task<HotlineOutcome> SaveAsync(HotlineCall call, string key)
    {
        var viewer = await ViewerAsync();
        if (!TakesCalls(viewer)) return new HotlineOutcome(null, null, 0, "Only the command center takes hotline calls.");
        var report = new IntakeReport(call.Lat, call.Lon, Blank(call.Address), Blank(call.CategoryCode), Blank(call.Description),
            call.Urgent ? "urgent" : "normal", "hotline", Blank(call.CallerName), Blank(call.CallerPhone), null, viewer.PersonId);
        var errors = new Errors();
        await intake.CheckAsync(report, errors, Fields);
        if (errors.Any) return new HotlineOutcome(null, null, 0, string.Join(" ", errors.ToProblem().ProblemDetails.Errors.Values.SelectMany(v => v)));
        if (key is not { Length: > 0 and <= 200 }) return new HotlineOutcome(null, null, 0, "A call needs a key of 1 to 200 characters.");
        var filed = await SendAsync(() => intake.FileAsync(report, key, RequestHash.Of(report)), TimeSpan.FromSeconds(1), log);
        if (filed is null) return new HotlineOutcome(null, null, 0, "The database cannot be reached right now; the call was not saved. Try again in a moment.");
        return filed.Status switch
        {
            IntakeStatus.NoCell => new HotlineOutcome(null, null, 0, filed.Message),
            IntakeStatus.KeyReusedForOtherRequest => new HotlineOutcome(null, null, 0, $"This call's key was already used for a different call (case {filed.CaseId}); reload the page for a new call."),
            _ => new HotlineOutcome(filed.CaseId, (await cases.FindAsync(filed.CaseId))!.CaseNo, filed.LikelyDuplicates.Count, null),
        };
    }

    /// <summary>
    /// Runs <paramref name="send"/> until it answers, at most <see cref="Attempts"/> times while the database cannot be reached.
    /// The sender repeats the same idempotency key, so a call saved just before the answer was lost comes back as the same case.
    /// Null when the database stayed away.
    /// </summary>
    internal static async Task<T?> SendAsync<T>(Func<Task<T>> send, TimeSpan firstWait, ILogger log) where T : class
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send();
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException && attempt < Attempts)
            {
                log.LogWarning(ex, "Hotline call not saved on attempt {Attempt}; sending it again with the same key", attempt);
                await Task.Delay(firstWait * attempt);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
            {
                log.LogError(ex, "Hotline call not saved after {Attempts} attempts", Attempts);
                return null;
            }
        }
    }

    public async Task<IReadOnlyList<PendingRequest>> PendingAsync()
    {
        var viewer = await ViewerAsync();
        if (!viewer.Roles.Any(r => r is Role.Operator or Role.ShiftLead)) return [];
        return (await open311.PendingAsync()).Select(p => new PendingRequest(p.Token, p.ServiceCode, p.AddressString, p.Description) { CaseNo = p.CaseNo }).ToList();
    }

    public async Task<(long? CaseId, string? Error)> PlaceAsync(Guid token, double lat, double lon)
    {
        var request = new DefaultHttpContext { User = (await auth.GetAuthenticationStateAsync()).User, RequestServices = services };
        var result = (await Open311Endpoints.Place(token, new PlaceRequest(lat, lon), request, open311, intake, clock)).Result;
        if (Problems.ErrorOf(result, texts) is { } error) return (null, error);
        return (((Microsoft.AspNetCore.Http.HttpResults.Ok<PlacedView>)result).Value!.CaseId, null);
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
