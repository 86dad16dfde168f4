using System.Globalization;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Photos;
using Grid.Server.Staff;
using Grid.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Grid.Server.Citizens;

public sealed record CitizenPhotoUploaded(string Ref, string Sha256);
/// <param name="InCity">False when no cell of the city takes the point (a report there would be refused).</param>
public sealed record CitizenPlace(bool InCity, string? Street, string? Community);
public sealed record NearbyCase(string CaseNo, string State, string Description, string Address, double DistanceM, DateTimeOffset CreatedAt, int Supporters);
/// <param name="TrackingCode">Made by the page when the citizen pressed the button; a resend with the same code is answered, not repeated.</param>
public sealed record SupportRequest(string? DeviceId, string? Name, string? Phone, string? Note, string? TrackingCode = null);
public sealed record TrackingIssued(string CaseNo, string TrackingCode, string TrackingUrl);
/// <param name="NoteKey">A note the system wrote: the page says it in its own language ("History.PublicNote.{key}"), else shows Note.</param>
public sealed record PublicNote(DateTimeOffset At, string Action, string Note, string? NoteKey = null);
public sealed record PublishedPhoto(string Kind, string Url);
public sealed record FollowUpAnswer(bool? Solved, string? Satisfaction, string? Comment);
public sealed record FollowUpView(bool Asked, bool Answered, bool? Solved, string? Satisfaction, string? Comment, DateTimeOffset? AnsweredAt, bool NoAnswer);
public sealed record TrackView(string CaseNo, string State, bool Closed, string CategoryCode, string CategoryNameZh, string CategoryNameEn,
    string Address, string Description, DateTimeOffset ReportedAt, DateTimeOffset UpdatedAt, DateTimeOffset? Deadline, string? MergedInto,
    bool Supporter, IReadOnlyList<PublicNote> Notes, IReadOnlyList<PublishedPhoto> Photos, FollowUpView FollowUp);
public sealed record SpamRequest(string? Reason, int? Version);
public sealed record PublishPhotoRequest(string? Photo, string? Kind);
public sealed record DueFollowUp(long CaseId, string CaseNo, string Category, string Address, string Source, string? ReporterName,
    string? ReporterPhone, string? TicketId, DateTimeOffset ClosedAt, bool NoAnswer, string? ReporterEmail);
public sealed record RecordedFollowUp(long CaseId, string CaseNo, bool Reopened, string State);

/// <summary>
/// The citizen channel (随手拍): the public page's own routes (photo upload, nearby open cases, "+1",
/// tracking by code, follow-up answers), the command center's spam marks and published photos, and
/// the call takers' follow-up (回访) list. Reports themselves arrive through Open311 POST requests.
/// Public routes never show a reporter's name, phone or another citizen's tracking code.
/// </summary>
public static partial class CitizenEndpoints
{
    public static IServiceCollection AddCitizens(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<CitizenOptions>(config.GetSection("Grid:Citizens"));
        services.AddSingleton<CitizenRepository>();
        services.AddScoped<global::Grid.Web.Pages.IFollowUpSource, FollowUpDesk>();
        return services;
    }

    public static void MapCitizens(this IEndpointRouteBuilder app)
    {
        // Public by design: the citizen page has no account. Limits are per device and per address.
        var pub = app.MapGroup("/api/citizen").WithTags("Citizens").AllowAnonymous().DisableAntiforgery();
        pub.MapGet("/config", Config);
        pub.MapPost("/photos", UploadPhoto);
        pub.MapGet("/place", Place);
        pub.MapGet("/nearby", Nearby);
        pub.MapPost("/cases/{caseNo}/support", Support);
        pub.MapGet("/track/{code}", Track);
        pub.MapGet("/track/{code}/photos/{sha}", TrackPhoto);
        pub.MapPost("/track/{code}/followup", AnswerOnline);

        var staff = app.MapGroup("/api").WithTags("Citizens");
        staff.MapPost("/cases/{id:long}/spam", MarkSpam);
        staff.MapPost("/cases/{id:long}/publish-photo", PublishPhoto);
        staff.MapGet("/followups", DueFollowUps);
        staff.MapPost("/followups/{id:long}", RecordByPhone);

        // The integrated 12345 system reports the answers its own call takers collected (X-Api-Key, hotline scope).
        app.MapPost("/api/hotline/tickets/{ticketId}/followup", RecordFromHotline).WithTags("Hotline").AllowAnonymous().DisableAntiforgery();

        app.MapGet("/r/sw.js", ServiceWorker).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/r/manifest.webmanifest", Manifest).AllowAnonymous().ExcludeFromDescription();
    }

    // ---- limits shared with the Open311 route ----

    public static string? ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString();

    /// <summary>Counts one request of this device and address; a message for the 429 when either is over its hourly limit.</summary>
    public static async Task<string?> OverLimitAsync(HttpContext http, string? device, CitizenRepository repo, CitizenOptions o, DateTimeOffset now)
    {
        var retry = (int)Math.Ceiling((60 - now.Minute) - now.Second / 60.0);
        if (device is not null && await repo.CountUseAsync("device:" + device, now) > o.ReportsPerDevicePerHour)
        {
            http.Response.Headers.RetryAfter = (retry * 60).ToString(CultureInfo.InvariantCulture);
            return $"This phone has sent {o.ReportsPerDevicePerHour} reports in this hour, the limit. Try again in {retry} minutes, or call 12345.";
        }
        if (ClientAddress(http) is { } address && await repo.CountUseAsync("address:" + address, now) > o.ReportsPerAddressPerHour)
        {
            http.Response.Headers.RetryAfter = (retry * 60).ToString(CultureInfo.InvariantCulture);
            return $"{o.ReportsPerAddressPerHour} reports came from your network in this hour, the limit. Try again in {retry} minutes, or call 12345.";
        }
        return null;
    }

    public static string? CheckDevice(string? device) =>
        device is null ? "device_id is required from the citizen page (it limits how many reports one phone sends)."
        : device.Length is < 8 or > 100 || !device.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_')
            ? "device_id must be 8 to 100 letters, digits, - or _." : null;

    /// <summary>The tracking code row and the report's photos, written in the report's own transaction (the intake's context).</summary>
    public static async Task WriteReportRowsAsync(Data.GridDbContext db, long caseId, string code, IReadOnlyList<string> photoRefs,
        string? device, string? name, string? phone, DateTimeOffset now)
    {
        db.Add(new CitizenTrackingRecord
        {
            CodeHash = CitizenRepository.HashCode(code), CaseId = caseId, Kind = "report", DeviceId = device, Name = name, Phone = phone, CreatedAt = now,
        });
        if (photoRefs.Count > 0)
        {
            db.Add(new CaseHistoryRecord
            {
                CaseId = caseId, At = now, ActorId = null, Action = Field.FieldEndpoints.AddPhotosAction, FromState = "reported", ToState = "reported",
                Reason = "Photos sent with the citizen's report.", Evidence = System.Text.Json.JsonSerializer.Serialize(photoRefs),
                Details = System.Text.Json.JsonSerializer.Serialize(HistoryTexts.Fields(HistoryTexts.CitizenPhotos)),
            });
        }
        await db.SaveChangesAsync();
    }

    public static string TrackingUrl(string code) => "/r/t/" + code;

    // ---- public routes ----

    /// <summary>GET /api/citizen/config: what the page needs to be an Open311 client (its key) and its limits.</summary>
    private static async Task<IResult> Config(CitizenRepository repo, IOptions<CitizenOptions> options, IOptions<Open311.Open311Options> open311,
        IOptions<GridOptions> grid, TimeProvider clock) =>
        TypedResults.Ok(new
        {
            apiKey = await repo.PageKeyAsync(clock.GetUtcNow()), jurisdictionId = open311.Value.Jurisdiction,
            categories = options.Value.Categories, maxPhotos = options.Value.MaxPhotos,
            // Where the map opens when the phone gives no position.
            center = new { lat = options.Value.CenterLat ?? (grid.Value.MinLat + grid.Value.MaxLat) / 2, lon = options.Value.CenterLon ?? (grid.Value.MinLon + grid.Value.MaxLon) / 2 },
        });

    /// <summary>POST /api/citizen/photos, multipart "photo" (+ optional "thumb") and "device_id": checked by content, like staff photos.</summary>
    private static async Task<IResult> UploadPhoto(HttpContext http, CitizenRepository repo, PhotoStore store, IOptions<PhotoOptions> photoOptions,
        IOptions<CitizenOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var o = photoOptions.Value;
        if (PhotoUpload.CheckRequest(http.Request, o) is { } requestProblem) return requestProblem;
        var now = clock.GetUtcNow();
        var address = ClientAddress(http);
        if (address is not null && await repo.CountUseAsync("photo:" + address, now) > options.Value.PhotosPerAddressPerHour)
        {
            http.Response.Headers.RetryAfter = "3600";
            return TypedResults.Problem($"{options.Value.PhotosPerAddressPerHour} photos came from your network in this hour, the limit. Try again later.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many photos");
        }
        var (form, formProblem) = await PhotoUpload.ReadFormAsync(http.Request, ct);
        if (formProblem is not null) return formProblem;
        var device = form!["device_id"].ToString();
        if (CheckDevice(device.Length == 0 ? null : device) is { } deviceProblem) return Problems.BadRequest(deviceProblem);
        var (photo, thumb, partsProblem) = await PhotoUpload.ReadPartsAsync(form, o, ct);
        if (partsProblem is not null) return partsProblem;
        string? thumbSha = null;
        if (thumb is not null)
        {
            thumbSha = await store.SaveAsync(thumb.Bytes, ct);
            await repo.RecordPhotoAsync(thumb.Row with { Sha256 = thumbSha }, device, address, now);
        }
        var sha = await store.SaveAsync(photo!.Bytes, ct);
        await repo.RecordPhotoAsync(photo.Row with { Sha256 = sha, ThumbSha256 = thumbSha }, device, address, now);
        return TypedResults.Created($"/api/citizen/photos/{sha}", new CitizenPhotoUploaded(PhotoEndpoints.RefPrefix + sha, sha));
    }

    /// <summary>GET /api/citizen/place?lat=&amp;lon=: the street and community of the pin, in words (the page's map may have no
    /// base map to read), or inCity false where no cell takes the point, so the citizen moves the pin before sending.</summary>
    private static async Task<Results<Ok<CitizenPlace>, ValidationProblem>> Place(double? lat, double? lon, CitizenRepository repo,
        GridRepository grid, IOptions<GridOptions> city)
    {
        if (lat is not { } y || lon is not { } x || !double.IsFinite(y) || !double.IsFinite(x) || y is < -90 or > 90 || x is < -180 or > 180)
        {
            var errors = new Errors();
            errors.Add("lat", "'lat' and 'lon' are the pin's latitude and longitude, e.g. lat=31.5786&lon=120.3030.");
            return errors.ToProblem();
        }
        var c = city.Value;
        var outside = new CitizenPlace(false, null, null);
        if (y < c.MinLat || y > c.MaxLat || x < c.MinLon || x > c.MaxLon) return TypedResults.Ok(outside);
        // The same rule as the intake's (属地兜底: the nearest cell within NearestCellMaxMeters), so "in the city" here means the report is taken.
        if (await grid.LocateAsync(y, x, c.NearestCellMaxMeters) is not { } cell) return TypedResults.Ok(outside);
        var names = await repo.PlaceNamesAsync(cell.CommunityCode);
        return TypedResults.Ok(new CitizenPlace(true, names?.Street, names?.Community));
    }

    /// <summary>GET /api/citizen/nearby?lat=&amp;lon=&amp;category=: open cases of the same kind nearby, without any reporter details.</summary>
    private static async Task<Results<Ok<IReadOnlyList<NearbyCase>>, ValidationProblem>> Nearby(double? lat, double? lon, string? category,
        CitizenRepository repo, IOptions<GridOptions> grid, IOptions<CitizenOptions> options, TimeProvider clock)
    {
        var errors = new Errors();
        Coordinates.Check(lat, lon, grid.Value, errors);
        if (string.IsNullOrWhiteSpace(category) || category.Length > 10 || !category.All(char.IsAsciiLetterOrDigit)) errors.Add("category", "'category' is the code of the kind of problem, e.g. E0102.");
        if (errors.Any) return errors.ToProblem();
        var rows = await repo.NearbyAsync(lat!.Value, lon!.Value, category!.Trim(), options.Value.NearbyMeters,
            clock.GetUtcNow().AddDays(-grid.Value.DuplicateWindowDays));
        return TypedResults.Ok<IReadOnlyList<NearbyCase>>(rows.Select(r =>
            new NearbyCase(r.CaseNo, r.State, MaskPhones(r.Description), MaskPhones(r.Address), Math.Round(r.DistanceM), r.CreatedAt, r.Supporters)).ToList());
    }

    /// <summary>POST /api/citizen/cases/{caseNo}/support: "this is my problem too"; answers a tracking code for that case.</summary>
    private static async Task<IResult> Support(string caseNo, SupportRequest? body, HttpContext http, CitizenRepository repo,
        IOptions<CitizenOptions> options, TimeProvider clock)
    {
        body ??= new SupportRequest(null, null, null, null);
        if (body.TrackingCode is { } given)
        {
            if (!ValidCode(given)) return Problems.BadRequest("'trackingCode' must be 32 lowercase hexadecimal digits (128 random bits) made by the page.");
            if (await repo.TrackedAsync(given) is { } prior)
            {
                http.Response.Headers["Idempotent-Replayed"] = "true";
                return TypedResults.Created(TrackingUrl(given), new TrackingIssued(prior.CaseNo, given, TrackingUrl(given)));
            }
        }
        var errors = new Errors();
        var device = string.IsNullOrWhiteSpace(body.DeviceId) ? null : body.DeviceId.Trim();
        if (CheckDevice(device) is { } deviceProblem) errors.Add("deviceId", deviceProblem);
        errors.MaxLength(body.Name, 100, "name");
        errors.MaxLength(body.Phone, 40, "phone");
        errors.MaxLength(body.Note, 1000, "note");
        foreach (var (field, value) in new[] { ("name", body.Name), ("phone", body.Phone), ("note", body.Note) })
            if (HasControl(value)) errors.Add(field, $"'{field}' contains control characters; send plain text.");
        if (body.Phone is { Length: > 0 } phone && !phone.All(ch => char.IsAsciiDigit(ch) || ch is '+' or '-' or ' '))
            errors.Add("phone", $"'{phone}' is not a phone number; use digits, spaces, + and - only.");
        if (caseNo.Length > 20 || !caseNo.All(char.IsAsciiLetterOrDigit)) errors.Add("caseNo", "That is not a case number (letters and digits, e.g. 20261126000123).");
        if (errors.Any) return errors.ToProblem();
        var now = clock.GetUtcNow();
        if (await OverLimitAsync(http, device, repo, options.Value, now) is { } limited)
            return TypedResults.Problem(limited, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many reports");
        var code = body.TrackingCode ?? CitizenRepository.NewCode();
        long? id;
        try
        {
            id = await repo.SupportAsync(caseNo, CitizenRepository.HashCode(code), device, Blank(body.Name), Blank(body.Phone), Blank(body.Note), now);
        }
        catch (Exception e) when (Data.UniqueViolation.On(e, "citizen_tracking_pkey"))
        {
            // The same resend twice at the same moment: the first one was stored.
            return TypedResults.Created(TrackingUrl(code), new TrackingIssued(caseNo, code, TrackingUrl(code)));
        }
        if (id is null) return Problems.Conflict($"Case {caseNo} is no longer open (or does not exist); send a new report instead.", "support_case_ended", caseNo);
        return TypedResults.Created(TrackingUrl(code), new TrackingIssued(caseNo, code, TrackingUrl(code)));
    }

    public static bool ValidCode(string code) => code.Length == 32 && code.All(char.IsAsciiHexDigitLower);

    // Unknown, malformed and spam codes answer the same 404, so nothing tells a guesser which codes exist.
    private static ProblemHttpResult UnknownCode() =>
        Problems.NotFound("There is no report with this tracking code. Check the link you were given when you sent the report.");

    /// <summary>GET /api/citizen/track/{code}: the status in plain words, the public notes only, published photos, the follow-up question.</summary>
    private static async Task<IResult> Track(string code, CitizenRepository repo, IOptions<CitizenOptions> options, TimeProvider clock)
    {
        if (!ValidCode(code)) return UnknownCode();
        var t = await repo.TrackedAsync(code);
        if (t is null || t.Spam) return UnknownCode();
        var effective = (await repo.EffectiveCaseIdAsync(t.CaseId))!.Value;
        var notes = (await repo.PublicNotesAsync(t.CaseId)).Select(n => new PublicNote(n.At, n.Action, n.Note,
            HistoryTexts.PublicNoteKey(System.Text.Json.JsonSerializer.Deserialize<System.Text.Json.JsonElement>(n.Details)))).ToList();
        var photos = (await repo.PublishedPhotosAsync(t.CaseId)).Select(p => new PublishedPhoto(p.Kind, $"/api/citizen/track/{code}/photos/{p.Sha}")).ToList();
        return TypedResults.Ok(new TrackView(t.CaseNo, t.State, t.State is "closed" or "cancelled", t.CategoryCode, t.CategoryNameZh, t.CategoryNameEn,
            MaskPhones(t.Address), MaskPhones(t.Description), t.CreatedAt, t.UpdatedAt, t.Deadline, t.MergedIntoNo, t.Kind == "support", notes, photos,
            await FollowUpOfAsync(repo, effective, t.State, t.ClosedAt, options.Value, clock.GetUtcNow())));
    }

    private static async Task<FollowUpView> FollowUpOfAsync(CitizenRepository repo, long caseId, string state, DateTimeOffset? closedAt,
        CitizenOptions o, DateTimeOffset now)
    {
        if (state != "closed" || closedAt is null) return new FollowUpView(false, false, null, null, null, null, false);
        var answer = await repo.FollowUpAsync(caseId, closedAt.Value);
        return answer is null
            ? new FollowUpView(true, false, null, null, null, null, closedAt.Value < now.AddDays(-o.FollowUpDays))
            : new FollowUpView(true, true, answer.Solved, answer.Satisfaction, answer.Comment, answer.AnsweredAt, false);
    }

    /// <summary>GET /api/citizen/track/{code}/photos/{sha}: a photo the city published for this case, without its metadata (no GPS).</summary>
    private static async Task<IResult> TrackPhoto(string code, string sha, CitizenRepository repo, PhotoStore store, CancellationToken ct)
    {
        if (!ValidCode(code) || !PhotoEndpoints.ShaPattern().IsMatch(sha)) return UnknownCode();
        var t = await repo.TrackedAsync(code);
        if (t is null || t.Spam || !await repo.IsPublishedAsync(t.CaseId, sha)) return Problems.NotFound("This photo is not published for this report.");
        var bytes = await store.ReadAsync(sha, ct);
        if (bytes is null) return Problems.NotFound("The photo file is missing; the city has been told.");
        var stripped = ImageBytes.StripMetadata(bytes);
        if (stripped is null) return Problems.NotFound("This photo cannot be shown.");
        return Results.File(stripped.Value.Bytes, ImageBytes.Sniff(stripped.Value.Bytes) ?? "image/jpeg");
    }

    /// <summary>POST /api/citizen/track/{code}/followup: the reporter's own answer; "not solved" reopens the case.</summary>
    private static async Task<IResult> AnswerOnline(string code, FollowUpAnswer? body, CitizenRepository repo, CaseRepository cases,
        TimeProvider clock)
    {
        if (!ValidCode(code)) return UnknownCode();
        var t = await repo.TrackedAsync(code);
        if (t is null || t.Spam) return UnknownCode();
        var effective = (await repo.EffectiveCaseIdAsync(t.CaseId))!.Value;
        var actor = new Actor(CitizenRepository.CitizenActor, [Role.Operator], false, null);
        return await AnswerAsync(effective, body, "web", null, actor, repo, cases, clock.GetUtcNow());
    }

    private static readonly string[] Satisfactions = ["satisfied", "basic", "unsatisfied"];

    /// <summary>The one path of every follow-up answer (web, phone, hotline system): record it for the current
    /// closing, and reopen the case through the lifecycle when the problem is not solved.</summary>
    internal static async Task<IResult> AnswerAsync(long caseId, FollowUpAnswer? body, string channel, Guid? recordedBy, Actor reopenAs,
        CitizenRepository repo, CaseRepository cases, DateTimeOffset now)
    {
        body ??= new FollowUpAnswer(null, null, null);
        var errors = new Errors();
        if (body.Solved is null) errors.Add("solved", "Say whether the problem was solved: 'solved' true or false.");
        if (body.Satisfaction is null || !Satisfactions.Contains(body.Satisfaction))
            errors.Add("satisfaction", "'satisfaction' must be satisfied, basic (basically satisfied) or unsatisfied.");
        errors.MaxLength(body.Comment, 1000, "comment");
        if (HasControl(body.Comment)) errors.Add("comment", "'comment' contains control characters; send plain text.");
        if (errors.Any) return errors.ToProblem();
        var row = await cases.FindAsync(caseId);
        if (row is null || row.State != "closed" || row.ClosedAt is null)
            return Problems.Conflict("This case is not closed now, so there is nothing to answer; the tracking page shows what is happening.", "followup_not_closed");
        var comment = Blank(body.Comment);
        if (!await repo.RecordFollowUpAsync(caseId, row.ClosedAt.Value, channel, body.Solved!.Value, body.Satisfaction!, comment, recordedBy, now))
            return Problems.Conflict($"The follow-up of case {row.CaseNo} was already answered (or the case changed meanwhile).", "followup_answered", row.CaseNo);
        var reopened = false;
        if (body.Solved == false)
        {
            // The existing reopen path: the case goes back to registered and on to the same unit by dispatch.
            var current = (await cases.FindAsync(caseId))!.ToDomain();
            var reason = "回访未解决 / Follow-up: not solved" + (comment is null ? "" : ": " + comment);
            var step = current.Reopen(reopenAs, reason.Length > 1000 ? reason[..1000] : reason, now);
            if (step.Step is not null)
            {
                // Both sentences are the system's: each reader (desk, tracking page) reads them in his language.
                var details = comment is null ? HistoryTexts.With(step.Step.Details, HistoryTexts.FollowUpNotSolved)
                    : HistoryTexts.With(step.Step.Details, HistoryTexts.FollowUpNotSolvedComment, comment);
                details[HistoryTexts.PublicNoteKeyField] = HistoryTexts.FollowUpReopened;
                var keyed = step.Step with { Details = details };
                reopened = await cases.SaveStepAsync(current, keyed, null,
                    "您反映问题未解决，已重新受理。/ You said the problem is not solved: the case has been reopened.") is not null;
            }
        }
        var after = (await cases.FindAsync(caseId))!;
        return TypedResults.Ok(new RecordedFollowUp(caseId, after.CaseNo, reopened, after.State));
    }

    // ---- command center ----

    private static bool IsCommandCenter(Viewer v) => v.Roles.Any(r => r is Role.Operator or Role.ShiftLead);

    // The cancel step's reason is this and the operator's words, within the step's limit: a longer reason passed this
    // route's check and was then refused by the step with a limit the operator had not exceeded.
    private const string SpamPrefix = "垃圾信息 / Spam: ";
    internal static readonly int MaxSpamReason = StepContext.MaxReason - SpamPrefix.Length;

    /// <summary>POST /api/cases/{id}/spam: hidden from every public view and cancelled with the reason.</summary>
    internal static async Task<IResult> MarkSpam(long id, SpamRequest? body, HttpContext http, StepContext steps, CitizenRepository repo,
        CaseRepository cases, StaffRepository staff, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!IsCommandCenter(viewer)) return Problems.Forbidden("Only operators and shift leads mark reports as spam.");
        if (string.IsNullOrWhiteSpace(body?.Reason))
        {
            var errors = new Errors();
            errors.Add("reason", $"Say why this is spam in 'reason' (1 to {MaxSpamReason} characters), e.g. 'advertising', 'abusive text'.");
            return errors.ToProblem();
        }
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var reason = body.Reason.Trim();
        if (reason.Length > MaxSpamReason) return Problems.BadRequest($"'reason' is limited to {MaxSpamReason} characters; this one has {reason.Length}.");
        if (HasControl(reason)) return Problems.BadRequest("'reason' contains control characters; send plain text.");
        if (visible!.Row.State != "cancelled")
        {
            var cancelled = await steps.RunAsync(id, new StepRequest(body.Version, SpamPrefix + reason, null, null, null, null, null),
                (c, a, b) => Task.FromResult(Keyed(c.Cancel(a, b.Reason, steps.Now), HistoryTexts.Spam, reason)));
            if (cancelled is not IStatusCodeHttpResult { StatusCode: 200 }) return cancelled;
        }
        if (!await repo.MarkSpamAsync(id, viewer.PersonId, reason, clock.GetUtcNow()))
            return Problems.Conflict($"Case {visible.Row.CaseNo} is already marked as spam.");
        return TypedResults.Ok(await CaseEndpoints.LoadViewAsync(id, viewer, cases, steps.Catalogue, staff, steps.Now, withHistory: true));
    }

    private static StepResult Keyed(StepResult result, string key, params string[] args) => result.Step is null ? result
        : result with { Step = result.Step with { Details = HistoryTexts.With(result.Step.Details, key, args) } };

    /// <summary>POST /api/cases/{id}/publish-photo {photo: "photo:&lt;sha&gt;", kind: before|after}: shown on the tracking page.</summary>
    internal static async Task<IResult> PublishPhoto(long id, PublishPhotoRequest? body, HttpContext http, CitizenRepository repo,
        CaseRepository cases, StaffRepository staff, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(r => r is Role.Operator or Role.ShiftLead or Role.Supervisor))
            return Problems.Forbidden("Only operators, shift leads and supervisors publish photos to the citizen.");
        var errors = new Errors();
        var sha = body?.Photo is { } p ? PhotoEndpoints.ShaOf(p) : null;
        if (sha is null) errors.Add("photo", "'photo' is a reference from the case history, 'photo:<sha256>'.");
        if (body?.Kind is not ("before" or "after")) errors.Add("kind", "'kind' is before (the problem) or after (the fix).");
        if (errors.Any) return errors.ToProblem();
        var (_, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        if (!await repo.PublishPhotoAsync(id, sha!, body!.Kind!, viewer.PersonId, clock.GetUtcNow()))
            return Problems.Unprocessable($"Photo {sha![..12]} is not evidence of case {id}; only photos in the case's history can be published.");
        return TypedResults.NoContent();
    }

    /// <summary>The most rows one page of the follow-up list has, and how many it has when the client does not say.</summary>
    public const int MaxFollowUpPageSize = 500;

    /// <summary>The response header that says how many cases the whole follow-up list has, over all its pages.</summary>
    public const string TotalCountHeader = "X-Total-Count";

    /// <summary>
    /// GET /api/followups?page=&amp;pageSize=: one page (500 by default) of the call takers' list of closed citizen cases
    /// whose follow-up is unanswered, most urgent first; <see cref="TotalCountHeader"/> says how many there are in all.
    /// </summary>
    internal static async Task<IResult> DueFollowUps(HttpContext http, CitizenRepository repo, IOptions<CitizenOptions> options, TimeProvider clock,
        int? page = null, int? pageSize = null)
    {
        var viewer = Viewer.From(http.User);
        if (!IsCommandCenter(viewer)) return Problems.Forbidden("Only the command center's call takers see the follow-up list.");
        var errors = new Errors();
        Paging.Check(page, pageSize, MaxFollowUpPageSize, errors);
        if (errors.Any) return errors.ToProblem();
        var (rows, total) = await repo.DueFollowUpsAsync(viewer.AreaPrefix, clock.GetUtcNow().AddDays(-options.Value.FollowUpDays),
            page ?? 1, pageSize ?? MaxFollowUpPageSize);
        http.Response.Headers[TotalCountHeader] = total.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Ok(rows.Select(r => new DueFollowUp(r.CaseId, r.CaseNo, r.CategoryNameZh, r.Address, r.Source, r.ReporterName,
            r.ReporterPhone, r.TicketId, r.ClosedAt, r.NoAnswer, r.ReporterEmail)).ToList());
    }

    /// <summary>POST /api/followups/{caseId}: the call taker records the answer given on the phone.</summary>
    internal static async Task<IResult> RecordByPhone(long id, FollowUpAnswer? body, HttpContext http, CitizenRepository repo,
        CaseRepository cases, StaffRepository staff, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!IsCommandCenter(viewer)) return Problems.Forbidden("Only the command center's call takers record follow-up answers.");
        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        return await AnswerAsync(id, body, "phone", viewer.PersonId, visible!.Actor, repo, cases, clock.GetUtcNow());
    }

    /// <summary>POST /api/hotline/tickets/{ticketId}/followup: the hotline system's answer for the case of its ticket.</summary>
    private static async Task<IResult> RecordFromHotline(string ticketId, FollowUpAnswer? body, HttpContext http, Open311.Open311Repository keys,
        Hotline.HotlineRepository tickets, CitizenRepository repo, CaseRepository cases, TimeProvider clock)
    {
        if (await Hotline.HotlineEndpoints.CheckKeyAsync(http, keys, clock) is { } refused) return refused;
        if (ticketId.Length > 100 || await tickets.FindTicketAsync(ticketId) is not { } ticket)
            return Problems.NotFound($"There is no ticket {ticketId}; send the ticketId the case was pushed with.");
        var effective = (await repo.EffectiveCaseIdAsync(ticket.CaseId))!.Value;
        var actor = new Actor(CitizenRepository.CitizenActor, [Role.Operator], false, null);
        return await AnswerAsync(effective, body, "hotline", null, actor, repo, cases, clock.GetUtcNow());
    }

    // ---- installable page ----

    private static IResult ServiceWorker(IWebHostEnvironment env, HttpContext http)
    {
        var file = env.WebRootFileProvider.GetFileInfo("_content/Grid.Web/js/citizen/sw.js");
        if (!file.Exists) return Problems.NotFound("The citizen page's service worker script is missing from the build.");
        // Served from /r so that it may control the citizen page (/r) and its tracking pages (/r/t/...), and nothing else.
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["Service-Worker-Allowed"] = "/r";
        return Results.Stream(file.CreateReadStream(), "text/javascript");
    }

    private static IResult Manifest() => Results.Text("""
        {"name":"GridCity 随手拍","short_name":"随手拍","start_url":"/r","scope":"/r","display":"standalone",
         "background_color":"#ffffff","theme_color":"#0b7a4b","lang":"zh-CN",
         "icons":[{"src":"/_content/Grid.Web/favicon.svg","sizes":"any","type":"image/svg+xml"}]}
        """, "application/manifest+json");

    // Seven or more digits in a row (spaces, dashes and a leading + allowed between them), standing as a
    // number of their own (not inside a word or a code such as a device id): a phone number or an ID
    // number a reporter typed into the free text. The nearby list and a "+1"'s tracking page show the
    // text to other citizens, so the public views mask it; house numbers are shorter and a date
    // (2026-11-27) is kept. Staff see the text as written.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![A-Za-z\d])\+?\d(?:[ \-]?\d){6,}(?![A-Za-z\d])")]
    private static partial System.Text.RegularExpressions.Regex PhoneLike();

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{1,2}-\d{1,2}$")]
    private static partial System.Text.RegularExpressions.Regex Date();

    public static string MaskPhones(string text) => PhoneLike().Replace(text, m => Date().IsMatch(m.Value) ? m.Value : "***");

    // PostgreSQL text cannot hold NUL, and no other control character belongs in a name or a comment.
    private static bool HasControl(string? s) => s is not null && s.Any(ch => char.IsControl(ch) && ch is not ('\n' or '\r' or '\t'));

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
