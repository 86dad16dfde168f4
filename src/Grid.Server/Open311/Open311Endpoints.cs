using System.Globalization;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Http;
using Grid.Server.Intake;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grid.Server.Open311;

/// <summary>The "Open311" configuration section.</summary>
public sealed class Open311Options
{
    /// <summary>The jurisdiction_id this endpoint serves; a request naming another one is refused.</summary>
    public string Jurisdiction { get; set; } = "liangxi.wuxi.gridcity";
    public string Contact { get; set; } = "12345 热线 / 12345 hotline, open311@gridcity.example";
    public string KeyService { get; set; } = "API keys are issued by the GridCity administrator (/api-keys).";
    /// <summary>GET requests looks back this many days when no start_date is given, and returns at most MaxRequests.</summary>
    public int DefaultDays { get; set; } = 90;
    public int MaxRequests { get; set; } = 1000;
}

/// <param name="Scope">open311 (citizen apps; the default), hotline (the 12345 hotline system) or both.</param>
public sealed record IssueKeyRequest(string? Name, int? RatePerMinute, string? Scope = null);
public sealed record IssuedKey(long Id, string Name, string Key, int RatePerMinute, string Scope);
public sealed record ApiKeyView(long Id, string Name, string KeyPrefix, int RatePerMinute, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string Scope);
public sealed record KeyScopeRequest(string? Scope);
public sealed record PlaceRequest(double? Lat, double? Lon);
public sealed record PendingView(Guid Token, string ServiceCode, string? AddressString, string Description, DateTimeOffset CreatedAt, string? MediaUrl,
    string? CaseNo);
public sealed record PlacedView(Guid Token, long CaseId);

/// <summary>
/// GeoReport v2 (Open311), so that existing citizen apps work unmodified. GET routes are public, as
/// the spec intends; POST needs an api_key issued by an administrator, each key with its own rate
/// limit. Every answer is in the format the path asks for (.xml or .json), errors included.
/// </summary>
public static class Open311Endpoints
{
    public const string Specification = "http://wiki.open311.org/GeoReport_v2";
    private static readonly DateTimeOffset Changeset = new(2026, 11, 22, 0, 0, 0, TimeSpan.Zero);

    public static IServiceCollection AddOpen311(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<Open311Options>(config.GetSection("Grid:Open311"));
        services.AddSingleton<Open311Repository>();
        services.AddScoped<global::Grid.Web.Pages.Intake.IApiKeysSource, ApiKeysSource>();
        return services;
    }

    public static void MapOpen311(this IEndpointRouteBuilder app)
    {
        // Public by design (the spec's GET routes need no key); POST checks its api_key itself.
        var v2 = app.MapGroup("/open311/v2").WithTags("Open311").AllowAnonymous().DisableAntiforgery();
        v2.MapGet("/discovery.{format}", Discovery);
        v2.MapGet("/services.{format}", Services);
        v2.MapGet("/services/{code}.{format}", Definition);
        v2.MapPost("/requests.{format}", Post);
        v2.MapGet("/requests.{format}", Requests);
        v2.MapGet("/requests/{id}.{format}", Request);
        v2.MapGet("/tokens/{token}.{format}", Token);
        // Any other path under /open311/v2/ is the spec's 404, not the sign-in page of the desk.
        v2.MapFallback("{**path}", (HttpContext http) => Open311Format.Errors(ErrorAnswer.WantsXml(http.Request), StatusCodes.Status404NotFound,
            $"{http.Request.Method} {http.Request.Path} is not a GeoReport v2 route here; GET /open311/v2/discovery.json lists the endpoint."));

        var keys = app.MapGroup("/api/open311").WithTags("Open311");
        keys.MapGet("/keys", ListKeys);
        keys.MapPost("/keys", IssueKey);
        keys.MapPost("/keys/{id:long}/revoke", RevokeKey);
        keys.MapPost("/keys/{id:long}/scope", SetKeyScope);
        keys.MapGet("/pending", Pending);
        keys.MapPost("/pending/{token:guid}/place", Place);
    }

    private static IResult Discovery(string format, HttpContext http, IOptions<Open311Options> options)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        var o = options.Value;
        var url = $"{http.Request.Scheme}://{http.Request.Host}/open311/v2";
        var endpoint = new O311Obj().Add("specification", Specification).Add("url", url).Add("changeset", Changeset).Add("type", "production")
            .Add("formats", new O311List("format", ["text/xml", "application/json"]));
        var doc = new O311Obj().Add("changeset", Changeset).Add("contact", o.Contact).Add("key_service", o.KeyService)
            .Add("endpoints", new O311List("endpoint", [endpoint]));
        return Open311Format.Write(xml, "discovery", doc);
    }

    private static async Task<IResult> Services(string format, string? jurisdiction_id, IOptions<Open311Options> options,
        CatalogueRepository catalogue, Open311Repository repo)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        if (WrongJurisdiction(jurisdiction_id, options.Value, xml) is { } bad) return bad;
        var withAttributes = (await repo.AttributesAsync(null)).Select(a => a.CategoryCode).ToHashSet();
        var services = (await catalogue.ListCategoriesAsync()).Select(c => (object?)new O311Obj()
            .Add("service_code", c.Code).Add("service_name", c.NameZh)
            .Add("description", $"{c.MajorNameZh} / {c.NameZh} ({c.NameEn}). {c.RegistrationCondition}".Trim())
            .Add("metadata", withAttributes.Contains(c.Code)).Add("type", "realtime")
            .Add("keywords", $"{c.NameEn}, {c.Kind}").Add("group", c.MajorNameZh)).ToList();
        return Open311Format.Write(xml, "services", new O311List("service", services));
    }

    private static async Task<IResult> Definition(string code, string format, string? jurisdiction_id, IOptions<Open311Options> options,
        CatalogueRepository catalogue, Open311Repository repo)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        if (WrongJurisdiction(jurisdiction_id, options.Value, xml) is { } bad) return bad;
        if (await catalogue.FindCategoryAsync(code) is null)
            return Open311Format.Errors(xml, 404, $"service_code {code} not found; GET /open311/v2/services.{format} lists the services.");
        var attributes = (await repo.AttributesAsync(code)).Select(a => (object?)new O311Obj()
            .Add("variable", a.Variable).Add("code", a.Code).Add("datatype", a.Datatype).Add("required", a.Required)
            .Add("datatype_description", a.DatatypeDescription).Add("order", a.SortOrder).Add("description", a.Description)
            .Add("values", new O311List("value", a.ValueList.Select(v => (object?)new O311Obj().Add("key", v.Key).Add("name", v.Name)).ToList())))
            .ToList();
        return Open311Format.Write(xml, "service_definition", new O311Obj().Add("service_code", code).Add("attributes", new O311List("attribute", attributes)));
    }

    /// <summary>POST requests.{format}: application/x-www-form-urlencoded as the spec says; answers a service_request_id,
    /// or a token when the request has an address but no point and waits for an operator to place it.</summary>
    private static async Task<IResult> Post(string format, HttpContext http, IOptions<Open311Options> options, Open311Repository repo,
        CatalogueRepository catalogue, IntakeService intake, TimeProvider clock)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        if (!http.Request.HasFormContentType)
            return Open311Format.Errors(xml, 400, "Send the request as application/x-www-form-urlencoded (or multipart/form-data), as GeoReport v2 specifies.");
        var form = await http.Request.ReadFormAsync();
        string? F(string name) => form.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;

        var apiKey = F("api_key");
        // The spec: 403 for a missing or invalid api_key.
        if (apiKey is null) return Open311Format.Errors(xml, 403, "api_key was not provided; ask the city's administrator for one.");
        var key = await repo.FindKeyAsync(apiKey);
        if (key is null || key.RevokedAt is not null) return Open311Format.Errors(xml, 403, "api_key is not valid or was revoked.");
        if (!key.Allows("open311"))
            return Open311Format.Errors(xml, 403, "This api_key was issued for the 12345 hotline system, not for Open311; ask the administrator for an Open311 key.");
        var now = clock.GetUtcNow();
        // The citizen page's key is public (it is in the page): its limits are per device and address.
        var citizens = http.RequestServices.GetRequiredService<Citizens.CitizenRepository>();
        var citizenOptions = http.RequestServices.GetRequiredService<IOptions<Citizens.CitizenOptions>>().Value;
        if (key.CitizenPage)
        {
            if (Citizens.CitizenEndpoints.CheckDevice(F("device_id")) is { } deviceProblem) return Open311Format.Errors(xml, 400, deviceProblem);
            if (await Citizens.CitizenEndpoints.OverLimitAsync(http, F("device_id"), citizens, citizenOptions, now) is { } limited)
                return Open311Format.Errors(xml, 429, limited);
        }
        else if (await repo.CountUseAsync(key.Id, now) > key.RatePerMinute)
        {
            http.Response.Headers.RetryAfter = (60 - now.Second).ToString(CultureInfo.InvariantCulture);
            return Open311Format.Errors(xml, 429, $"This api_key may post {key.RatePerMinute} requests per minute; try again in {60 - now.Second} seconds.");
        }
        if (WrongJurisdiction(F("jurisdiction_id"), options.Value, xml) is { } bad) return bad;

        var errors = new List<string>();
        var code = F("service_code");
        var category = code is null ? null : await catalogue.FindCategoryAsync(code);
        if (code is null) return Open311Format.Errors(xml, 400, "service_code was not provided.");
        if (category is null) return Open311Format.Errors(xml, 404, $"service_code {code} not found.");

        double? lat = null, lon = null;
        if (F("lat") is { } latText)
        {
            if (double.TryParse(latText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) lat = v; else errors.Add($"lat '{latText}' is not a number.");
        }
        if (F("long") is { } lonText)
        {
            if (double.TryParse(lonText, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)) lon = v; else errors.Add($"long '{lonText}' is not a number.");
        }
        var address = F("address_string");
        if ((lat is null) != (lon is null) && errors.Count == 0) errors.Add("Send both lat and long, or neither.");
        if (lat is null && lon is null && address is null && F("address_id") is null && errors.Count == 0)
            errors.Add("A location is required: lat and long, or address_string.");

        // attribute[CODE] values, checked against the service definition.
        var definition = await repo.AttributesAsync(code);
        var values = new Dictionary<string, object>();
        foreach (var formKey in form.Keys.Where(k => k.StartsWith("attribute[", StringComparison.Ordinal)))
        {
            var attrCode = formKey["attribute[".Length..].Split(']')[0];
            if (definition.All(a => a.Code != attrCode)) errors.Add($"attribute[{attrCode}] is not an attribute of service {code}.");
        }
        foreach (var a in definition.Where(a => a.Variable))
        {
            var given = form[$"attribute[{a.Code}]"].Concat(form[$"attribute[{a.Code}][]"]).Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
            if (given.Count == 0)
            {
                if (a.Required) errors.Add($"attribute[{a.Code}] is required: {a.Description}");
                continue;
            }
            var keys = a.ValueList.Select(v => v.Key).ToHashSet();
            switch (a.Datatype)
            {
                case "number" when !double.TryParse(given[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _):
                    errors.Add($"attribute[{a.Code}] must be a number, not '{given[0]}'."); break;
                case "datetime" when !DateTimeOffset.TryParse(given[0], CultureInfo.InvariantCulture, out _):
                    errors.Add($"attribute[{a.Code}] must be an ISO 8601 date-time, not '{given[0]}'."); break;
                case "singlevaluelist" when given.Count != 1 || !keys.Contains(given[0]):
                    errors.Add($"attribute[{a.Code}] must be one of {string.Join(", ", keys)}."); break;
                case "multivaluelist" when given.Any(g => !keys.Contains(g)):
                    errors.Add($"attribute[{a.Code}] values must be among {string.Join(", ", keys)}."); break;
                case "string" or "text" when given[0].Length > 1000:
                    errors.Add($"attribute[{a.Code}] is limited to 1000 characters."); break;
            }
            values[a.Code] = a.Datatype == "multivaluelist" ? given : given[0];
        }
        var media = F("media_url");
        if (media is not null && (media.Length > 500 || !Uri.TryCreate(media, UriKind.Absolute, out var mu) || mu.Scheme is not ("http" or "https")))
            errors.Add("media_url must be an http or https URL of at most 500 characters.");
        var first = F("first_name");
        var last = F("last_name");
        var name = string.Join(" ", new[] { first, last }.Where(s => s is not null));
        var description = F("description") ?? $"{category.NameZh} ({category.NameEn})";
        var report = new IntakeReport(lat, lon, address, code, description, "normal", "open311", name.Length == 0 ? null : name, F("phone"),
            F("email"), null);
        var intakeErrors = new Errors();
        await intake.CheckAsync(report, intakeErrors, Fields, pointRequired: lat is not null || lon is not null);
        foreach (var field in intakeErrors.ToProblem().ProblemDetails.Errors.Values.SelectMany(v => v)) errors.Add(field);
        errors.AddRange(new[] { ("device_id", F("device_id")), ("account_id", F("account_id")) }
            .Where(p => p.Item2 is { Length: > 100 }).Select(p => $"{p.Item1} is limited to 100 characters."));
        // Photos sent from the citizen page: references to its own uploads (POST /api/citizen/photos).
        var photoRefs = form["photo_ref"].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).Distinct().ToList();
        if (photoRefs.Count > 0 && !key.CitizenPage) errors.Add("photo_ref is only accepted from the city's citizen page; send media_url instead.");
        else if (photoRefs.Count > citizenOptions.MaxPhotos) errors.Add($"At most {citizenOptions.MaxPhotos} photos per report.");
        else if (photoRefs.Any(r => Photos.PhotoEndpoints.ShaOf(r) is null)) errors.Add("photo_ref must be the 'ref' answered by POST /api/citizen/photos.");
        else if (photoRefs.Count > 0 && await citizens.NotCitizenPhotosAsync(photoRefs.Select(r => Photos.PhotoEndpoints.ShaOf(r)!).ToList()) is { Count: > 0 })
            errors.Add("photo_ref names a photo that was not uploaded from the citizen page; upload it again.");
        if (errors.Count > 0) return Open311Format.Errors(xml, 400, errors.Distinct().ToArray());

        var request = new NewOpen311Request(Guid.NewGuid(), key.Id, code, address, description, media, JsonSerializer.Serialize(values),
            first, last, F("phone"), F("email"), F("device_id"), F("account_id"), now);
        if (lat is null)
        {
            // Services are advertised as realtime, so the id is answered at once here too: the case number
            // is taken now and carried by the case made when an operator places the address on the map.
            var reserved = await repo.InsertPendingAsync(request);
            return Open311Format.Write(xml, "service_requests", new O311List("request", [new O311Obj().Add("service_request_id", reserved)
                .Add("service_notice", "Received. The command center will place the address on the map; the request keeps this service_request_id.")
                .Add("account_id", request.AccountId)]), StatusCodes.Status201Created);
        }
        // The page makes the tracking code when the citizen presses send and resends it from its offline
        // queue: a code already stored is a resend, answered with the same case instead of a second one.
        var trackingCode = key.CitizenPage ? F("tracking_code") ?? Citizens.CitizenRepository.NewCode() : null;
        if (trackingCode is not null && !Citizens.CitizenEndpoints.ValidCode(trackingCode))
            return Open311Format.Errors(xml, 400, "tracking_code must be 32 lowercase hexadecimal digits (128 random bits) made by the page.");
        if (trackingCode is not null && await ResentAsync(trackingCode) is { } resent) return resent;
        IntakeResult filed;
        try
        {
            filed = await intake.FileAsync(report, channelRows: async (db, caseId) =>
            {
                await Open311Repository.InsertRequestAsync(db, request, caseId);
                if (trackingCode is not null)
                    await Citizens.CitizenEndpoints.WriteReportRowsAsync(db, caseId, trackingCode, photoRefs, F("device_id"), name.Length == 0 ? null : name, F("phone"), now);
            });
        }
        catch (Exception e) when (Data.UniqueViolation.On(e, "citizen_tracking_pkey"))
        {
            // The same resend twice at the same moment: the first one made the case.
            return (await ResentAsync(trackingCode!))!;
        }
        if (filed.Status == IntakeStatus.NoCell) return Open311Format.Errors(xml, 400, filed.Message!);
        var row = (await http.RequestServices.GetRequiredService<Incidents.CaseRepository>().FindAsync(filed.CaseId))!;
        var notice = filed.LikelyDuplicates.Count > 0
            ? "A report like this one is already open nearby; the command center will merge them if they are the same problem."
            : $"Received. Once the command center accepts it, it is handled within {category.Limit(false).Value} {category.LimitUnit.Replace('_', ' ')}.";
        var answer = new O311Obj().Add("service_request_id", row.CaseNo).Add("service_notice", notice).Add("account_id", request.AccountId);
        // An extension for the citizen page only: the code its tracking link is made of.
        if (trackingCode is not null) answer.Add("tracking_code", trackingCode).Add("tracking_url", Citizens.CitizenEndpoints.TrackingUrl(trackingCode));
        return Open311Format.Write(xml, "service_requests", new O311List("request", [answer]), StatusCodes.Status201Created);

        async Task<IResult?> ResentAsync(string code)
        {
            if (await citizens.TrackedAsync(code) is not { } prior) return null;
            http.Response.Headers["Idempotent-Replayed"] = "true";
            return Open311Format.Write(xml, "service_requests", new O311List("request", [new O311Obj().Add("service_request_id", prior.CaseNo)
                .Add("service_notice", "Already received.").Add("account_id", F("account_id"))
                .Add("tracking_code", code).Add("tracking_url", Citizens.CitizenEndpoints.TrackingUrl(code))]), StatusCodes.Status201Created);
        }
    }

    private static readonly IntakeFields Fields = new("lat", "long", "service_code", "description", "address_string", "first_name/last_name",
        "phone", "email", "GET services.{format} lists them.");

    private static async Task<IResult> Requests(string format, HttpContext http, IOptions<Open311Options> options, Open311Repository repo,
        TimeProvider clock, string? service_request_id, string? service_code, string? status, string? start_date, string? end_date, string? jurisdiction_id)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        var o = options.Value;
        if (WrongJurisdiction(jurisdiction_id, o, xml) is { } bad) return bad;
        var errors = new List<string>();
        var now = clock.GetUtcNow();
        DateTimeOffset? Date(string? text, string name)
        {
            if (text is null) return null;
            // Any offset the spec allows (w3 note: +08:00, -05:00, Z), as UTC.
            if (ArgumentRules.TryParseDate(text, out var d)) return d;
            errors.Add($"{name} '{text}' is not an ISO 8601 date-time between {ArgumentRules.Earliest:yyyy} and {ArgumentRules.Latest:yyyy} such as 2026-11-22T08:00:00+08:00.");
            return null;
        }
        var end = Date(end_date, "end_date") ?? now;
        var start = Date(start_date, "start_date") ?? end.AddDays(-o.DefaultDays);
        if (start > end) errors.Add("start_date must be before end_date.");
        bool? open = null;
        var statuses = Split(status);
        if (statuses is not null)
        {
            if (statuses.Any(s => s is not ("open" or "closed"))) errors.Add("status must be open, closed or open,closed.");
            else if (statuses.Distinct().Count() == 1) open = statuses[0] == "open";
        }
        var ids = Split(service_request_id);
        if (ids is { Length: > 1000 }) errors.Add("At most 1000 service_request_id values per query.");
        if (errors.Count > 0) return Open311Format.Errors(xml, 400, errors.ToArray());
        // The spec: service_request_id "overrides all other arguments".
        var rows = ids is not null
            ? await repo.RequestsAsync(ids, null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, o.MaxRequests)
            : await repo.RequestsAsync(null, Split(service_code), start, end, open, o.MaxRequests);
        return Open311Format.Write(xml, "service_requests", new O311List("request", rows.Select(r => (object?)ToRequest(r)).ToList()));
    }

    private static async Task<IResult> Request(string id, string format, string? jurisdiction_id, IOptions<Open311Options> options, Open311Repository repo)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        if (WrongJurisdiction(jurisdiction_id, options.Value, xml) is { } bad) return bad;
        var rows = await repo.RequestsAsync([id], null, DateTimeOffset.MinValue, DateTimeOffset.MaxValue, null, 1);
        if (rows.Count == 0) return Open311Format.Errors(xml, 404, $"service_request_id {id} not found.");
        return Open311Format.Write(xml, "service_requests", new O311List("request", [ToRequest(rows[0])]));
    }

    private static async Task<IResult> Token(string token, string format, string? jurisdiction_id, IOptions<Open311Options> options, Open311Repository repo)
    {
        if (!Open311Format.TryParse(format, out var xml)) return UnknownFormat(format);
        if (WrongJurisdiction(jurisdiction_id, options.Value, xml) is { } bad) return bad;
        if (!Guid.TryParse(token, out var t)) return Open311Format.Errors(xml, 404, $"token {token} not found.");
        var (found, caseNo) = await repo.TokenAsync(t);
        if (!found) return Open311Format.Errors(xml, 404, $"token {token} not found.");
        return Open311Format.Write(xml, "service_requests", new O311List("request",
            [new O311Obj().Add("service_request_id", caseNo).Add("token", t.ToString())]));
    }

    internal static O311Obj ToRequest(RequestRow r)
    {
        var closed = r.EffectiveState is "closed" or "cancelled";
        var note = r.EffectiveNo is not null
            ? $"Merged with request {r.EffectiveNo}, which handles the same problem ({r.EffectiveState}). {r.StatusNote}".Trim()
            : r.StatusNote ?? StateNote(r.State);
        return new O311Obj().Add("service_request_id", r.CaseNo).Add("status", closed ? "closed" : "open").Add("status_notes", note)
            .Add("service_name", r.ServiceName).Add("service_code", r.ServiceCode).Add("description", Citizens.CitizenEndpoints.MaskPhones(r.Description))
            .Add("agency_responsible", r.AgencyResponsible).Add("service_notice", null).Add("requested_datetime", r.RequestedAt)
            .Add("updated_datetime", r.UpdatedAt).Add("expected_datetime", r.ExpectedAt).Add("address", Citizens.CitizenEndpoints.MaskPhones(r.Address)).Add("address_id", null)
            .Add("zipcode", null).Add("lat", r.Lat).Add("long", r.Lon).Add("media_url", r.MediaUrl);
    }

    private static string StateNote(string state) => state switch
    {
        "reported" => "Received; waiting for the command center to accept it.",
        "registered" => "Accepted as a case; about to be sent to the responsible unit.",
        "dispatched" or "in_progress" => "Being handled by the responsible unit.",
        "resolved" => "Fixed; waiting for an on-site check.",
        "closed" => "Checked on site and closed.",
        "cancelled" => "Cancelled.",
        _ => state,
    };

    private static string[]? Split(string? s) =>
        s?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } parts ? parts : null;

    private static IResult? WrongJurisdiction(string? jurisdiction, Open311Options o, bool xml) =>
        jurisdiction is null || jurisdiction == o.Jurisdiction ? null
            : Open311Format.Errors(xml, 404, $"jurisdiction_id {jurisdiction} not found; this endpoint serves {o.Jurisdiction}.");

    private static IResult UnknownFormat(string format) =>
        Open311Format.Errors(false, 404, $"Format '{format}' is not supported; use .xml or .json.");

    // ---- administration (signed in) ----

    private static Task<Results<Ok<IReadOnlyList<ApiKeyView>>, ProblemHttpResult>> ListKeys(HttpContext http, Open311Repository repo) =>
        ListKeysAsync(Viewer.From(http.User), repo);

    // The API key routes and the interactive /api-keys page share these, with the person passed in.
    internal static async Task<Results<Ok<IReadOnlyList<ApiKeyView>>, ProblemHttpResult>> ListKeysAsync(Viewer viewer, Open311Repository repo)
    {
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators manage Open311 API keys.");
        return TypedResults.Ok<IReadOnlyList<ApiKeyView>>((await repo.ListKeysAsync())
            .Select(k => new ApiKeyView(k.Id, k.Name, k.KeyPrefix, k.RatePerMinute, k.CreatedAt, k.RevokedAt, k.Scope)).ToList());
    }

    private static Task<Results<Created<IssuedKey>, ValidationProblem, ProblemHttpResult>> IssueKey(IssueKeyRequest body, HttpContext http,
        Open311Repository repo, TimeProvider clock) => IssueKeyAsync(body, Viewer.From(http.User), repo, clock);

    internal static async Task<Results<Created<IssuedKey>, ValidationProblem, ProblemHttpResult>> IssueKeyAsync(IssueKeyRequest body, Viewer viewer,
        Open311Repository repo, TimeProvider clock)
    {
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators issue Open311 API keys.");
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.Name)) errors.Add("name", "Name the client the key is for (1 to 100 characters), e.g. 'City app'.");
        errors.MaxLength(body.Name, 100, "name");
        if (body.RatePerMinute is < 1 or > 10000) errors.Add("ratePerMinute", "'ratePerMinute' must be between 1 and 10000.");
        var scope = body.Scope?.Trim() ?? "open311";
        if (!KeyScopes.Contains(scope)) errors.Add("scope", ScopeMessage(scope));
        if (errors.Any) return errors.ToProblem();
        var rate = body.RatePerMinute ?? 60;
        var (id, key) = await repo.IssueKeyAsync(body.Name!.Trim(), rate, scope, viewer.PersonId, clock.GetUtcNow());
        return TypedResults.Created($"/api/open311/keys/{id}", new IssuedKey(id, body.Name.Trim(), key, rate, scope));
    }

    private static readonly string[] KeyScopes = ["open311", "hotline", "both"];

    private static string ScopeMessage(string scope) =>
        $"'scope' '{scope}' is unknown; use open311 (citizen apps), hotline (the 12345 hotline system) or both.";

    private static Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetKeyScope(long id, KeyScopeRequest body, HttpContext http,
        Open311Repository repo, TimeProvider clock) => SetKeyScopeAsync(id, body, Viewer.From(http.User), repo, clock);

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetKeyScopeAsync(long id, KeyScopeRequest body, Viewer viewer,
        Open311Repository repo, TimeProvider clock)
    {
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators change what an API key may be used for.");
        var scope = body.Scope?.Trim() ?? "";
        if (!KeyScopes.Contains(scope))
        {
            var errors = new Errors();
            errors.Add("scope", ScopeMessage(scope));
            return errors.ToProblem();
        }
        return await repo.SetScopeAsync(id, scope, viewer.PersonId, clock.GetUtcNow())
            ? TypedResults.NoContent()
            : Problems.NotFound($"There is no active API key {id} (it does not exist or was revoked).");
    }

    private static Task<Results<NoContent, ProblemHttpResult>> RevokeKey(long id, HttpContext http, Open311Repository repo, TimeProvider clock) =>
        RevokeKeyAsync(id, Viewer.From(http.User), repo, clock);

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeKeyAsync(long id, Viewer viewer, Open311Repository repo, TimeProvider clock)
    {
        if (!viewer.Has(Role.Admin)) return Problems.Forbidden("Only administrators revoke Open311 API keys.");
        return await repo.RevokeKeyAsync(id, viewer.PersonId, clock.GetUtcNow())
            ? TypedResults.NoContent()
            : Problems.NotFound($"There is no active API key {id} (it does not exist or was already revoked).");
    }

    private static async Task<Results<Ok<IReadOnlyList<PendingView>>, ProblemHttpResult>> Pending(HttpContext http, Open311Repository repo)
    {
        if (!Viewer.From(http.User).Roles.Any(r => r is Role.Operator or Role.ShiftLead)) return Problems.Forbidden("Only operators place Open311 requests.");
        return TypedResults.Ok<IReadOnlyList<PendingView>>((await repo.PendingAsync())
            .Select(p => new PendingView(p.Token, p.ServiceCode, p.AddressString, p.Description, p.CreatedAt, p.MediaUrl, p.CaseNo)).ToList());
    }

    /// <summary>An operator puts an address-only Open311 request on the map; it then becomes a case like any other.</summary>
    internal static async Task<Results<Ok<PlacedView>, ValidationProblem, ProblemHttpResult>> Place(Guid token, PlaceRequest body, HttpContext http,
        Open311Repository repo, IntakeService intake, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(r => r is Role.Operator or Role.ShiftLead)) return Problems.Forbidden("Only operators place Open311 requests.");
        var pending = await repo.FindPendingAsync(token);
        if (pending is null) return Problems.Conflict($"Request {token} does not exist or was already placed.");
        var name = string.Join(" ", new[] { pending.FirstName, pending.LastName }.Where(s => s is not null));
        var report = new IntakeReport(body.Lat, body.Lon, pending.AddressString, pending.ServiceCode, pending.Description, "normal", "open311",
            name.Length == 0 ? null : name, pending.Phone, pending.Email, null) { ReservedCaseNo = pending.CaseNo };
        var errors = new Errors();
        await intake.CheckAsync(report, errors, IntakeFields.Api);
        if (errors.Any) return errors.ToProblem();
        IntakeResult filed;
        try
        {
            filed = await intake.FileAsync(report, channelRows: async (db, caseId) =>
            {
                // Someone placed it first: throwing rolls back the case made here.
                if (!await Open311Repository.PlaceAsync(db, token, caseId, viewer.PersonId, clock.GetUtcNow())) throw new PlacedConcurrently();
                db.Add(new Data.AuditLogRecord
                {
                    At = clock.GetUtcNow(), ActorId = viewer.PersonId, Action = "open311_request_placed", Subject = $"case:{caseId}",
                    Details = System.Text.Json.JsonSerializer.Serialize(new { token = token.ToString() }),
                });
                await db.SaveChangesAsync();
            });
        }
        catch (PlacedConcurrently)
        {
            return Problems.Conflict($"Request {token} was placed by someone else at the same moment.");
        }
        if (filed.Status == IntakeStatus.NoCell) return Problems.Unprocessable(filed.Message!);
        return TypedResults.Ok(new PlacedView(token, filed.CaseId));
    }
}

internal sealed class PlacedConcurrently : Exception;
