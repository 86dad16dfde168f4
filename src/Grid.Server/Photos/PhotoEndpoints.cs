using System.Text.RegularExpressions;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Grid.Server.Photos;

public sealed record PhotoUploaded(string Sha256, string Ref, string Url, string? ThumbUrl, string ContentType, int Bytes, bool HadMetadata);

/// <summary>
/// Photos as evidence: uploaded once (content-addressed, so a retried upload is harmless), cited
/// from case history as "photo:&lt;sha256&gt;", served only to people who may see such a case.
/// The uploader gets the original; everyone else gets it without EXIF/XMP (no GPS position).
/// </summary>
public static partial class PhotoEndpoints
{
    public const string RefPrefix = "photo:";

    public static IServiceCollection AddPhotos(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<PhotoOptions>(config.GetSection("Grid:Photos"));
        services.AddSingleton<PhotoStore>();
        services.AddSingleton<PhotoRepository>();
        return services;
    }

    public static void MapPhotos(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/photos").WithTags("Photos");
        // A multipart body is read by hand, so no form binding (and its antiforgery check) is involved;
        // the SameSite=Lax cookie keeps other sites from posting here with the user's session.
        group.MapPost("/", Upload).DisableAntiforgery();
        group.MapGet("/{sha}", (string sha, HttpContext http, PhotoRepository photos, PhotoStore store, CancellationToken ct) =>
            Serve(sha, thumb: false, http, photos, store, ct));
        group.MapGet("/{sha}/thumb", (string sha, HttpContext http, PhotoRepository photos, PhotoStore store, CancellationToken ct) =>
            Serve(sha, thumb: true, http, photos, store, ct));
    }

    [GeneratedRegex("^[0-9a-f]{64}$")]
    public static partial Regex ShaPattern();

    /// <summary>The sha256 of a "photo:&lt;sha256&gt;" evidence reference, or null if it is no photo reference.</summary>
    public static string? ShaOf(string reference) =>
        reference.StartsWith(RefPrefix, StringComparison.Ordinal) && ShaPattern().IsMatch(reference[RefPrefix.Length..])
            ? reference[RefPrefix.Length..] : null;

    private static readonly HashSet<Role> Uploaders =
        [.. Lifecycle.ReportingRoles, .. Lifecycle.AllowedRoles[CaseAction.Feedback], .. Lifecycle.AllowedRoles[CaseAction.Verify]];

    /// <summary>POST /api/photos, multipart: "photo" (required) and "thumb" (optional, the phone's small copy).</summary>
    private static async Task<Results<Created<PhotoUploaded>, ProblemHttpResult>> Upload(HttpContext http, PhotoRepository photos,
        PhotoStore store, IOptions<PhotoOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var viewer = Viewer.From(http.User);
        if (!viewer.Roles.Any(Uploaders.Contains))
            return Problems.Forbidden("Your role does not report or handle cases, so it cannot upload evidence photos.");
        var o = options.Value;
        if (PhotoUpload.CheckRequest(http.Request, o) is { } requestProblem) return requestProblem;
        var now = clock.GetUtcNow();
        if (await photos.UploadsSinceAsync(viewer.PersonId, now.AddDays(-1)) >= o.MaxPerPersonPerDay)
            return TypedResults.Problem($"You uploaded {o.MaxPerPersonPerDay} photos in the last 24 hours, the limit; try again later or ask an administrator.",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many photos");

        var (form, formProblem) = await PhotoUpload.ReadFormAsync(http.Request, ct);
        if (formProblem is not null) return formProblem;
        var (photo, t, partsProblem) = await PhotoUpload.ReadPartsAsync(form!, o, ct);
        if (partsProblem is not null) return partsProblem;
        PhotoRow? thumb = null;
        if (t is not null)
        {
            thumb = t.Row with { Sha256 = await store.SaveAsync(t.Bytes, ct) };
            await photos.RecordUploadAsync(thumb, viewer.PersonId, now);
        }
        var sha = await store.SaveAsync(photo!.Bytes, ct);
        var row = photo.Row with { Sha256 = sha, ThumbSha256 = thumb?.Sha256 };
        await photos.RecordUploadAsync(row, viewer.PersonId, now);
        var stored = (await photos.FindAsync(sha))!;
        return TypedResults.Created($"/api/photos/{sha}", new PhotoUploaded(sha, RefPrefix + sha, $"/api/photos/{sha}",
            stored.ThumbSha256 is null ? null : $"/api/photos/{sha}/thumb", stored.ContentType, stored.Bytes, stored.HasMetadata));
    }

    private static async Task<IResult> Serve(string sha, bool thumb, HttpContext http, PhotoRepository photos, PhotoStore store, CancellationToken ct)
    {
        if (!ShaPattern().IsMatch(sha)) return Problems.NotFound($"'{sha}' is not a photo id (64 lowercase hex digits).");
        var viewer = Viewer.From(http.User);
        var photo = await photos.FindAsync(sha);
        if (photo is null) return Problems.NotFound($"There is no photo {sha}.");
        var own = await photos.UploadedByAsync(sha, viewer.PersonId);
        if (!own && !await photos.VisibleThroughCaseAsync(sha, CaseEndpoints.ScopeOf(viewer)))
            return Problems.Forbidden("This photo belongs to a case outside the cells and area you serve.");
        var fileSha = thumb ? photo.ThumbSha256 : sha;
        if (fileSha is null) return Problems.NotFound($"Photo {sha} was uploaded without a thumbnail; load /api/photos/{sha} instead.");
        var bytes = await store.ReadAsync(fileSha, ct);
        if (bytes is null) return Problems.NotFound($"The file of photo {fileSha} is missing from the photo folder; ask an administrator to restore it.");
        // The original (with its EXIF position) stays on disk as evidence and goes back only to its uploader.
        if (!own)
        {
            var stripped = ImageBytes.StripMetadata(bytes);
            if (stripped is null) return Problems.Unprocessable($"Photo {fileSha} cannot be cleaned of its metadata, so it is not shown to others; ask its uploader for a new copy.");
            bytes = stripped.Value.Bytes;
        }
        var contentType = ImageBytes.Sniff(bytes) ?? photo.ContentType;
        http.Response.Headers.CacheControl = "private, max-age=86400";
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        return Results.File(bytes, contentType);
    }
}
