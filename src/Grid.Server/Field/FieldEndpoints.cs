using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Catalogue;
using Grid.Server.Grid;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Photos;
using Grid.Server.Staff;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace Grid.Server.Field;

/// <summary>A note with photos added to an existing case: a "+1" from someone who saw the same problem,
/// or the reporter's own photos sent after the report.</summary>
public sealed record NoteRequest(string? Note, IReadOnlyList<string>? Photos);

public sealed record StartShiftRequest(bool? Consent);

public sealed record PositionRequest(double? Lat, double? Lon, double? Accuracy, DateTimeOffset? At);

public sealed record ShiftView(long Id, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, bool Consent, int Points);

public sealed record CurrentShift(ShiftView? Shift);

public sealed record PositionAccepted(long ShiftId, string? CellCode, DateTimeOffset At);

public sealed record TrackView(ShiftView Shift, Guid PersonId, IReadOnlyList<PointRow> Points);

/// <summary>Server side of the field app (/m): "+1" and photos on a case, patrol shifts and positions,
/// and the service worker script, served from /m so that it may control the whole field app.</summary>
public static class FieldEndpoints
{
    public const string AddPhotosAction = "add_photos";
    public const string SupportAction = "support";

    public static IServiceCollection AddField(this IServiceCollection services)
    {
        services.AddSingleton<FieldRepository>();
        return services;
    }

    public static void MapField(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/field/cases").WithTags("Field");
        cases.MapPost("/{id:long}/support", (long id, NoteRequest? body, [FromHeader(Name = "Idempotency-Key")] string? key, HttpContext http,
            FieldRepository field, CaseRepository repo, PhotoRepository photos, CatalogueRepository catalogue, StaffRepository staff,
            IOptions<PhotoOptions> options, TimeProvider clock) =>
            AddNoteAsync(id, SupportAction, body, key, http, field, repo, photos, catalogue, staff, options, clock));
        cases.MapPost("/{id:long}/photos", (long id, NoteRequest? body, [FromHeader(Name = "Idempotency-Key")] string? key, HttpContext http,
            FieldRepository field, CaseRepository repo, PhotoRepository photos, CatalogueRepository catalogue, StaffRepository staff,
            IOptions<PhotoOptions> options, TimeProvider clock) =>
            AddNoteAsync(id, AddPhotosAction, body, key, http, field, repo, photos, catalogue, staff, options, clock));

        var patrol = app.MapGroup("/api/field/patrol").WithTags("Field");
        patrol.MapGet("/current", CurrentShiftAsync);
        patrol.MapPost("/start", StartShiftAsync);
        patrol.MapPost("/end", EndShiftAsync);
        patrol.MapPost("/positions", AddPositionAsync);
        patrol.MapGet("/shifts/{id:long}/track", TrackAsync);

        app.MapGet("/m/sw.js", ServiceWorker).AllowAnonymous().ExcludeFromDescription();
    }

    private static async Task<IResult> AddNoteAsync(long id, string action, NoteRequest? body, string? key, HttpContext http,
        FieldRepository field, CaseRepository cases, PhotoRepository photos, CatalogueRepository catalogue, StaffRepository staff,
        IOptions<PhotoOptions> options, TimeProvider clock)
    {
        body ??= new NoteRequest(null, null);
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Lifecycle.ReportingRoles.Contains))
            return Problems.Forbidden("Your role does not file reports, so it cannot add a '+1' or report photos to a case.");
        var errors = new Errors();
        if (string.IsNullOrEmpty(key) || key.Length > 200)
            errors.Add("Idempotency-Key", "Send an Idempotency-Key header (1 to 200 characters), made once when the person acted, so a resend is applied once.");
        errors.MaxLength(body.Note, 2000, "note");
        var refs = body.Photos ?? [];
        var max = options.Value.MaxPerStep;
        if (refs.Count > max) errors.Add("photos", $"{refs.Count} photos sent; at most {max} per case note.");
        var shas = refs.Select(r => r is null ? null : PhotoEndpoints.ShaOf(r)).ToList();
        foreach (var bad in refs.Where((r, i) => shas[i] is null)) errors.Add("photos", $"'{bad ?? "null"}' is not a photo reference; upload with POST /api/photos and send its 'ref' (photo:<sha256>).");
        if (action == AddPhotosAction && refs.Count == 0) errors.Add("photos", "Send at least one photo reference.");
        if (action == SupportAction && refs.Count == 0 && string.IsNullOrWhiteSpace(body.Note)) errors.Add("note", "A '+1' needs a note or a photo saying what you saw.");
        if (errors.Any) return errors.ToProblem();
        var notMine = await photos.NotUploadedByAsync(shas.Distinct().ToList()!, viewer.PersonId);
        if (notMine.Count > 0)
            return Problems.Unprocessable($"Photo(s) {string.Join(", ", notMine.Select(s => s[..12]))} were not uploaded by you; upload your own photos with POST /api/photos first.");

        var (visible, problem) = await cases.LoadVisibleAsync(staff, viewer, id);
        if (problem is not null) return problem;
        var row = visible!.Row;
        if (action == AddPhotosAction && row.ReportedBy != viewer.PersonId)
            return Problems.Forbidden($"Only the reporter adds report photos to case {row.CaseNo}; use '+1' (POST /api/field/cases/{id}/support) to add yours.");
        var hash = RequestHash.Of(body);
        var now = clock.GetUtcNow();
        // A "+1" on a case closed meanwhile is refused; a replay of one already stored is answered below, whatever the state now.
        if (action == SupportAction && row.State is "closed" or "cancelled" && await cases.FindRequestKeyAsync(viewer.PersonId, key!) is null)
            return Problems.Conflict($"Case {row.CaseNo} is already {row.State}; report the problem as a new case instead.", "case_ended", row.CaseNo, row.State);
        var (outcome, priorCase, priorAction) = await field.AddNoteAsync(new CaseNote(id, viewer.PersonId, action, row.State, body.Note?.Trim(),
            refs.ToList(), key!, hash, now));
        switch (outcome)
        {
            case FieldRepository.NoteOutcome.KeyReused:
                return Problems.Unprocessable($"Idempotency-Key '{key}' was already used for '{priorAction}' on case {priorCase} with other content. Use a new key.");
            case FieldRepository.NoteOutcome.CaseChanged:
                return Problems.Conflict($"Case {row.CaseNo} changed while your note was being saved; nothing was saved. Reload it and try again.");
            case FieldRepository.NoteOutcome.Replayed:
                http.Response.Headers["Idempotent-Replayed"] = "true";
                break;
        }
        var view = await CaseEndpoints.LoadViewAsync(id, viewer, cases, catalogue, staff, now, withHistory: true);
        return TypedResults.Ok(view);
    }

    private static ProblemHttpResult? RequirePatroller(Viewer viewer) =>
        viewer.Roles.Any(Roles.CellTeam.Contains) ? null
            : Problems.Forbidden("Patrol shifts are for cell staff (grid head, workers, patrollers, informants, inspectors, liaisons).");

    private static ShiftView ToView(ShiftRow s) => new(s.Id, s.StartedAt, s.EndedAt, s.Consent, s.Points);

    private static async Task<Results<Ok<CurrentShift>, ProblemHttpResult>> CurrentShiftAsync(HttpContext http, FieldRepository field)
    {
        var viewer = Viewer.From(http.User);
        if (RequirePatroller(viewer) is { } no) return no;
        var shift = await field.OpenShiftAsync(viewer.PersonId);
        return TypedResults.Ok(new CurrentShift(shift is null ? null : ToView(shift)));
    }

    /// <summary>Starts a patrol shift; positions are accepted only when the person consented to sending them.</summary>
    private static async Task<Results<Created<ShiftView>, Ok<ShiftView>, ProblemHttpResult>> StartShiftAsync(StartShiftRequest? body,
        HttpContext http, FieldRepository field, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (RequirePatroller(viewer) is { } no) return no;
        var (started, shift) = await field.StartShiftAsync(viewer.PersonId, body?.Consent ?? false, clock.GetUtcNow());
        return started ? TypedResults.Created($"/api/field/patrol/shifts/{shift.Id}/track", ToView(shift)) : TypedResults.Ok(ToView(shift));
    }

    private static async Task<Results<Ok<ShiftView>, ProblemHttpResult>> EndShiftAsync(HttpContext http, FieldRepository field, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (RequirePatroller(viewer) is { } no) return no;
        var shift = await field.EndShiftAsync(viewer.PersonId, clock.GetUtcNow());
        return shift is null ? Problems.Conflict("You have no patrol shift open; start one first.") : TypedResults.Ok(ToView(shift));
    }

    private static async Task<Results<Ok<PositionAccepted>, ValidationProblem, ProblemHttpResult>> AddPositionAsync(PositionRequest body,
        HttpContext http, FieldRepository field, GridRepository grid, IOptions<GridOptions> options, TimeProvider clock)
    {
        var viewer = Viewer.From(http.User);
        if (RequirePatroller(viewer) is { } no) return no;
        var errors = new Errors();
        Coordinates.Check(body.Lat, body.Lon, options.Value, errors);
        if (body.Accuracy is { } a && (!double.IsFinite(a) || a < 0 || a > 100_000)) errors.Add("accuracy", "'accuracy' is the GPS accuracy in metres, 0 to 100000.");
        if (errors.Any) return errors.ToProblem();
        var shift = await field.OpenShiftAsync(viewer.PersonId);
        if (shift is null) return Problems.Conflict("You are not on a patrol shift; start one (POST /api/field/patrol/start) before sending positions.");
        if (!shift.Consent) return Problems.Conflict("This shift was started without consent to share your position; end it and start one with consent to send positions.");
        var now = clock.GetUtcNow();
        // A position queued on the phone keeps the time it was taken, if that time is plausible for this shift.
        var at = body.At is { } t && t >= shift.StartedAt && t <= now.AddMinutes(1) ? t : now;
        var cell = await grid.LocateAsync(body.Lat!.Value, body.Lon!.Value, options.Value.NearestCellMaxMeters);
        await field.AddPointAsync(shift.Id, viewer.PersonId, body.Lat.Value, body.Lon.Value, body.Accuracy, cell?.Code, at);
        return TypedResults.Ok(new PositionAccepted(shift.Id, cell?.Code, at));
    }

    /// <summary>
    /// A patrol track by shift id, under the rule of the live positions list (<see cref="Realtime.Audience.SeesPosition"/>):
    /// the walker sees all of it; the command center and leadership see the points inside their area
    /// (a street-level supervisor: his street); a shift with no point there is refused as a whole.
    /// </summary>
    private static async Task<Results<Ok<TrackView>, ProblemHttpResult>> TrackAsync(long id, HttpContext http, FieldRepository field,
        Realtime.EventRepository events)
    {
        var viewer = Viewer.From(http.User);
        var shift = await field.FindShiftAsync(id);
        if (shift is null) return Problems.NotFound($"There is no patrol shift {id}.");
        if (shift.PersonId != viewer.PersonId && !viewer.Roles.Any(Roles.AreaWide.Contains))
            return Problems.Forbidden("A patrol track is shown to the person who walked it and to the command center.");
        var points = await field.TrackAsync(id);
        if (shift.PersonId == viewer.PersonId) return TypedResults.Ok(new TrackView(ToView(shift), shift.PersonId, points));
        var (audience, _) = Realtime.Audience.For(viewer, null, await events.CellsServedAsync(viewer.PersonId));
        var visible = points.Where(p => audience!.SeesPosition(shift.PersonId, p.CellCode)).ToList();
        if (points.Count > 0 && visible.Count == 0)
            return Problems.Forbidden($"Patrol shift {id} was walked outside the area you answer for{(viewer.AreaPrefix is { } s ? $" ({s})" : "")}.");
        return TypedResults.Ok(new TrackView(ToView(shift), shift.PersonId, visible));
    }

    private const string FieldAssets = "_content/Grid.Web";
    private const string VersionToken = "__FIELD_APP_VERSION__";
    private static string? _serviceWorker;

    /// <summary>The service worker script, from /m so that its scope is the field app (a script under
    /// /_content could only control /_content/...). Its VERSION is a hash of the field app (pages,
    /// scripts, styles, manifest, icons), so a deployment that changes the app is a new worker, which
    /// phones install and offer as "new version ready"; one that does not change it is not.</summary>
    private static async Task<IResult> ServiceWorker(IWebHostEnvironment env, HttpContext http)
    {
        var file = env.WebRootFileProvider.GetFileInfo($"{FieldAssets}/js/field/sw.js");
        if (!file.Exists) return Problems.NotFound("The field app's service worker script is missing from the build.");
        // The files do not change while the process runs; computed once.
        _serviceWorker ??= (await ReadAsync(file)).Replace(VersionToken, FieldAppVersion(env.WebRootFileProvider));
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["Service-Worker-Allowed"] = "/m";
        return Results.Text(_serviceWorker, "text/javascript; charset=utf-8");
    }

    private static async Task<string> ReadAsync(Microsoft.Extensions.FileProviders.IFileInfo file)
    {
        await using var stream = file.CreateReadStream();
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>A short hash of everything the field app is made of: its static files and the build of
    /// its Razor pages (Grid.Web's module version id, deterministic: it changes when any page of the
    /// library changes, so a deployment that touched only desk pages also offers phones an update).</summary>
    public static string FieldAppVersion(Microsoft.Extensions.FileProviders.IFileProvider files)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        hash.AppendData(typeof(global::Grid.Web.Strings).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        var paths = files.GetDirectoryContents($"{FieldAssets}/js/field").Where(f => !f.IsDirectory).Select(f => $"js/field/{f.Name}")
            .Concat(files.GetDirectoryContents($"{FieldAssets}/icons").Where(f => !f.IsDirectory).Select(f => $"icons/{f.Name}"))
            .Concat(["js/live.js", "js/problem-text.js", "js/sw-common.js", "css/app.css", "css/field.css", "field.webmanifest"])
            .Order(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            var f = files.GetFileInfo($"{FieldAssets}/{path}");
            if (!f.Exists) continue;
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(path + "\n"));
            using var stream = f.CreateReadStream();
            var buffer = new byte[8192];
            int n;
            while ((n = stream.Read(buffer)) > 0) hash.AppendData(buffer.AsSpan(0, n));
        }
        return Convert.ToHexString(hash.GetHashAndReset())[..16].ToLowerInvariant();
    }
}
