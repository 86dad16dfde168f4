using System.Globalization;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Intake;
using Grid.Server.Open311;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Grid.Server.Hotline;

public sealed record HotlineTicket(string? TicketId, string? CallerName, string? CallerPhone, double? Lat, double? Lon, string? Address,
    string? CategoryCode, string? Description, string? Priority);

public sealed record TicketReceipt(string TicketId, long CaseId, string CaseNo, bool Replayed, IReadOnlyList<long> LikelyDuplicates);

/// <param name="Note">The staff's note or reason (internal to the city and its hotline).</param>
/// <param name="PublicNote">What the caller is told (12345 回复).</param>
public sealed record FeedItem(long Seq, DateTimeOffset At, string TicketId, long CaseId, string CaseNo, string Action, string State,
    string Status, string? Note, string? PublicNote = null);

public sealed record FeedPage(IReadOnlyList<FeedItem> Items, long Cursor);

/// <summary>
/// The 12345 hotline: tickets pushed by the hotline system (an integration API key in X-Api-Key,
/// issued by an administrator like the Open311 keys) and a feed of status changes after a cursor;
/// and the call taker's intake form in the command center (/hotline, a plain form post).
/// </summary>
public static class HotlineEndpoints
{
    public static IServiceCollection AddHotline(this IServiceCollection services) =>
        services.AddSingleton<HotlineRepository>().AddScoped<global::Grid.Web.Pages.Hotline.IHotlineSource, HotlineDesk>();

    /// <summary>Status push to integrated 12345 systems (Grid:Hotline:Push); its jobs run on Hangfire.</summary>
    public static IServiceCollection AddHotlinePush(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Grid:Hotline:Push");
        services.Configure<HotlinePushOptions>(section);
        var options = section.Get<HotlinePushOptions>() ?? new HotlinePushOptions();
        services.AddSingleton<HotlinePushRepository>();
        services.AddTransient<HotlineQueueJob>();
        services.AddTransient<HotlineSendJob>();
        // A redirect is not followed: the signed body goes only to the registered address.
        services.AddHttpClient(HotlineSendJob.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds))
            .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });
        return services;
    }

    public static void MapHotline(this IEndpointRouteBuilder app)
    {
        // Machine-to-machine: no cookie, an API key checked in each handler.
        var api = app.MapGroup("/api/hotline").WithTags("Hotline").AllowAnonymous().DisableAntiforgery();
        api.MapPost("/tickets", PushTicket);
        api.MapGet("/feed", Feed);
        api.MapPost("/callback", RegisterCallback);
        api.MapGet("/callback", ShowCallback);
        api.MapDelete("/callback", RemoveCallback);
        // The call taker's form; its antiforgery token is checked because it binds [FromForm].
        app.MapPost("/hotline/intake", FormIntake).ExcludeFromDescription();
    }

    internal static async Task<IResult?> CheckKeyAsync(HttpContext http, Open311Repository keys, TimeProvider clock) =>
        (await AuthenticateAsync(http, keys, clock)).Refused;

    /// <summary>The hotline system's key (X-Api-Key), or the answer refusing it.</summary>
    internal static async Task<(IResult? Refused, ApiKeyRow? Key, string Plain)> AuthenticateAsync(HttpContext http, Open311Repository keys, TimeProvider clock)
    {
        var key = http.Request.Headers["X-Api-Key"].ToString();
        if (string.IsNullOrEmpty(key)) return (Problems.Unauthorized("Send the hotline system's integration key in the X-Api-Key header."), null, "");
        var row = await keys.FindKeyAsync(key);
        return (await RefusalAsync(http, keys, clock, row), row, key);
    }

    private static async Task<IResult?> RefusalAsync(HttpContext http, Open311Repository keys, TimeProvider clock, ApiKeyRow? row)
    {
        if (row is null || row.RevokedAt is not null) return Problems.Forbidden("The X-Api-Key is not valid or was revoked; ask the administrator for a key.");
        // A key issued for an Open311 citizen app may not push tickets or read the feed.
        if (!row.Allows("hotline"))
            return Problems.Forbidden($"The X-Api-Key '{row.KeyPrefix}…' is an Open311 key; the hotline system needs a key issued with scope hotline (or both) on /api-keys.");
        var now = clock.GetUtcNow();
        if (await keys.CountUseAsync(row.Id, now) > row.RatePerMinute)
        {
            http.Response.Headers.RetryAfter = (60 - now.Second).ToString(CultureInfo.InvariantCulture);
            return TypedResults.Problem($"This key may make {row.RatePerMinute} requests per minute.", statusCode: 429, title: "Too many requests");
        }
        return null;
    }

    /// <summary>POST /api/hotline/tickets: one ticket; a resend of the same ticketId changes nothing and answers the same case.</summary>
    private static async Task<IResult> PushTicket(HotlineTicket body, HttpContext http, Open311Repository keys, HotlineRepository tickets,
        IntakeService intake, Incidents.CaseRepository cases, TimeProvider clock)
    {
        var (refused, apiKey, _) = await AuthenticateAsync(http, keys, clock);
        if (refused is not null) return refused;
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.TicketId) || body.TicketId.Length > 100) errors.Add("ticketId", "'ticketId' (the hotline's own ticket number, 1 to 100 characters) is required.");
        var report = new IntakeReport(body.Lat, body.Lon, body.Address, body.CategoryCode, body.Description, body.Priority ?? "normal", "hotline",
            body.CallerName, body.CallerPhone, null, null);
        await intake.CheckAsync(report, errors, Fields);
        if (errors.Any) return errors.ToProblem();
        var ticketId = body.TicketId!.Trim();
        var hash = RequestHash.Of(body with { TicketId = ticketId });

        async Task<IResult> Replay(long caseId, string priorHash)
        {
            var row = (await cases.FindAsync(caseId))!;
            if (priorHash != hash)
                return Problems.Conflict($"Ticket {ticketId} was already received as case {row.CaseNo} with different content; a resend changes nothing. Add information through the command center.");
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return TypedResults.Ok(new TicketReceipt(ticketId, caseId, row.CaseNo, true, []));
        }

        if (await tickets.FindTicketAsync(ticketId) is { } prior) return await Replay(prior.CaseId, prior.RequestHash);
        IntakeResult filed;
        try
        {
            filed = await intake.FileAsync(report, channelRows: (db, caseId) =>
                HotlineRepository.InsertTicketAsync(db, ticketId, caseId, hash, clock.GetUtcNow(), apiKey!.Id));
        }
        catch (Exception e) when (Data.UniqueViolation.On(e, "hotline_tickets_pkey"))
        {
            // The same ticket sent twice at the same moment: the first one made the case.
            var first = (await tickets.FindTicketAsync(ticketId))!.Value;
            return await Replay(first.CaseId, first.RequestHash);
        }
        if (filed.Status == IntakeStatus.NoCell) return Problems.Unprocessable(filed.Message!);
        var created = (await cases.FindAsync(filed.CaseId))!;
        return TypedResults.Created($"/api/cases/{filed.CaseId}", new TicketReceipt(ticketId, filed.CaseId, created.CaseNo, false, filed.LikelyDuplicates));
    }

    private static readonly IntakeFields Fields = new("lat", "lon", "categoryCode", "description", "address", "callerName", "callerPhone",
        "callerEmail", "GET /api/categories lists them.");

    /// <summary>GET /api/hotline/feed?after=CURSOR: status changes of hotline cases after the cursor, oldest first.</summary>
    private static async Task<IResult> Feed(long? after, int? limit, HttpContext http, Open311Repository keys, HotlineRepository tickets, TimeProvider clock)
    {
        if (await CheckKeyAsync(http, keys, clock) is { } refused) return refused;
        if (after is < 0) return Problems.BadRequest("'after' is the cursor of the previous page (0 for the beginning).");
        if (limit is < 1 or > 1000) return Problems.BadRequest("'limit' (changes per page; a change of a merged case gives one item per ticket) must be between 1 and 1000.");
        var rows = await tickets.FeedAsync(after ?? 0, limit ?? 200);
        var items = rows.Select(r => new FeedItem(r.Seq, r.At, r.TicketId, r.CaseId, r.CaseNo, r.Action, r.State,
            r.State is "closed" or "cancelled" ? "closed" : "open", r.Note, r.PublicNote)).ToList();
        return TypedResults.Ok(new FeedPage(items, items.Count == 0 ? after ?? 0 : items[^1].Seq));
    }

    public sealed record CallbackRequest(string? Url);

    public sealed record DeliveryView(long Seq, string TicketId, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? FailedAt, string? LastError);

    public sealed record CallbackView(string Url, DateTimeOffset RegisteredAt, string SignatureHeader, IReadOnlyList<DeliveryView> RecentDeliveries);

    /// <summary>
    /// POST /api/hotline/callback {url}: the 12345 system (its X-Api-Key) registers where every change of
    /// its tickets is POSTed, signed with that key; registering again replaces the address.
    /// </summary>
    private static async Task<IResult> RegisterCallback(CallbackRequest? body, HttpContext http, Open311Repository keys, HotlinePushRepository push,
        IDataProtectionProvider protection, TimeProvider clock)
    {
        var (refused, key, plain) = await AuthenticateAsync(http, keys, clock);
        if (refused is not null) return refused;
        var url = body?.Url?.Trim();
        var errors = new Errors();
        if (string.IsNullOrEmpty(url)) errors.Add("url", "'url' is required: the address where the changes of your tickets are POSTed.");
        else if (url.Length > 500 || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                 || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
            errors.Add("url", "'url' must be an absolute http:// or https:// address of at most 500 characters, without user name or #fragment.");
        if (errors.Any) return errors.ToProblem();
        var cb = await push.RegisterAsync(key!.Id, url!, HotlineSendJob.Protector(protection).Protect(plain), clock.GetUtcNow(), key.KeyPrefix);
        return TypedResults.Ok(new CallbackView(cb.Url, cb.RegisteredAt, HotlineSendJob.SignatureHeader, []));
    }

    /// <summary>GET /api/hotline/callback: the registered address and the latest deliveries (attempts, failures).</summary>
    private static async Task<IResult> ShowCallback(HttpContext http, Open311Repository keys, HotlinePushRepository push, TimeProvider clock)
    {
        var (refused, key, _) = await AuthenticateAsync(http, keys, clock);
        if (refused is not null) return refused;
        var cb = await push.FindAsync(key!.Id);
        if (cb is null) return Problems.NotFound("No callback is registered for this key; POST /api/hotline/callback with { \"url\": ... } registers one.");
        var recent = (await push.RecentAsync(key.Id, 50))
            .Select(d => new DeliveryView(d.Seq, d.TicketId, d.Attempts, d.DeliveredAt, d.FailedAt, d.LastError)).ToList();
        return TypedResults.Ok(new CallbackView(cb.Url, cb.RegisteredAt, HotlineSendJob.SignatureHeader, recent));
    }

    /// <summary>DELETE /api/hotline/callback: stop the push (deliveries not yet sent are dropped); the pull feed stays.</summary>
    private static async Task<IResult> RemoveCallback(HttpContext http, Open311Repository keys, HotlinePushRepository push, TimeProvider clock)
    {
        var (refused, key, _) = await AuthenticateAsync(http, keys, clock);
        if (refused is not null) return refused;
        return await push.UnregisterAsync(key!.Id, clock.GetUtcNow(), key.KeyPrefix)
            ? TypedResults.NoContent()
            : Problems.NotFound("No callback is registered for this key.");
    }

    /// <summary>The call taker's form: files the call, then shows the page again with the new case number.</summary>
    private static async Task<IResult> FormIntake([FromForm] string? callerName, [FromForm] string? callerPhone, [FromForm] string? lat,
        [FromForm] string? lon, [FromForm] string? address, [FromForm] string? categoryCode, [FromForm] string? description,
        [FromForm] string? priority, HttpContext http, IntakeService intake, Incidents.CaseRepository cases)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(r => r is Role.Operator or Role.ShiftLead or Role.Dispatcher))
            return Problems.Forbidden("Only the command center takes hotline calls.");
        static double? Num(string? s) => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;
        var report = new IntakeReport(Num(lat), Num(lon), address, categoryCode, description, priority ?? "normal", "hotline",
            callerName, callerPhone, null, viewer.PersonId);
        var errors = new Errors();
        await intake.CheckAsync(report, errors, Fields);
        string Back(string query) => "/hotline?" + query;
        // The page's script posts the same form asking for JSON, so a refused call keeps what was typed.
        var wantsJson = http.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);
        if (errors.Any && wantsJson) return errors.ToProblem();
        if (errors.Any)
        {
            var message = string.Join(" ", errors.ToProblem().ProblemDetails.Errors.Values.SelectMany(v => v));
            return Results.LocalRedirect(Back("error=" + Uri.EscapeDataString(message)));
        }
        // The page sends one Idempotency-Key per call it saves and resends it after a 503, so a call
        // that was saved before the database went away is found again, not filed twice.
        string? key = http.Request.Headers["Idempotency-Key"];
        if (key is { Length: 0 or > 200 }) return Problems.BadRequest("The Idempotency-Key header must be 1 to 200 characters.");
        var filed = await intake.FileAsync(report, key, key is null ? null : RequestHash.Of(report));
        if (filed.Status == IntakeStatus.KeyReusedForOtherRequest)
            return Problems.Unprocessable($"Idempotency-Key '{key}' was already used for a different call (case {filed.CaseId}); reload the page for a new call.");
        if (filed.Status == IntakeStatus.Replayed) http.Response.Headers["Idempotent-Replayed"] = "true";
        if (filed.Status == IntakeStatus.NoCell)
            return wantsJson ? Problems.Unprocessable(filed.Message!) : Results.LocalRedirect(Back("error=" + Uri.EscapeDataString(filed.Message!)));
        var row = (await cases.FindAsync(filed.CaseId))!;
        if (wantsJson) return TypedResults.Ok(new { caseId = row.Id, caseNo = row.CaseNo, likelyDuplicates = filed.LikelyDuplicates });
        return Results.LocalRedirect(Back($"created={Uri.EscapeDataString(row.CaseNo)}&id={row.Id}&duplicates={filed.LikelyDuplicates.Count}"));
    }
}
