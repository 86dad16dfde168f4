using Grid.Server.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Grid.Server.Photos;

/// <summary>An image part of an upload: its bytes as sent and the row to store (its hash filled in when saved).</summary>
public sealed record UploadedImage(byte[] Bytes, PhotoRow Row);

/// <summary>
/// The multipart checks shared by every photo upload (staff at /api/photos, citizens at
/// /api/citizen/photos): one part 'photo' and an optional 'thumb', their sizes, and each image checked
/// by its content. The routes differ only in who may upload and how uploads are limited.
/// </summary>
public static class PhotoUpload
{
    /// <summary>Refuses a request that is no multipart form, or declares a body larger than a photo and its thumbnail.</summary>
    public static ProblemHttpResult? CheckRequest(HttpRequest request, PhotoOptions o)
    {
        if (!request.HasFormContentType)
            return Problems.BadRequest("Send the photo as multipart/form-data with a part named 'photo' (and optionally 'thumb').");
        if (request.ContentLength is { } declared && declared > o.MaxBytes + o.MaxThumbBytes + 64 * 1024)
            return TooLarge(o);
        return null;
    }

    public static async Task<(IFormCollection? Form, ProblemHttpResult? Problem)> ReadFormAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            return (await request.ReadFormAsync(ct), null);
        }
        catch (InvalidDataException e)
        {
            return (null, Problems.BadRequest($"The multipart body could not be read ({e.Message}). Send 'photo' as a file part."));
        }
    }

    /// <summary>The 'photo' and optional 'thumb' parts of <paramref name="form"/>, read and checked.</summary>
    public static async Task<(UploadedImage? Photo, UploadedImage? Thumb, ProblemHttpResult? Problem)> ReadPartsAsync(IFormCollection form, PhotoOptions o, CancellationToken ct)
    {
        var photoFile = form.Files.GetFile("photo");
        if (photoFile is null) return (null, null, Problems.BadRequest("The part 'photo' is missing: send the image as a file part named 'photo'."));
        if (form.Files.Count > 2 || form.Files.Any(f => f.Name is not ("photo" or "thumb")))
            return (null, null, Problems.BadRequest("Send one photo per request: a part 'photo' and optionally a part 'thumb'."));
        if (photoFile.Length > o.MaxBytes) return (null, null, TooLarge(o));
        var thumbFile = form.Files.GetFile("thumb");
        if (thumbFile is { Length: var tl } && tl > o.MaxThumbBytes)
            return (null, null, TypedResults.Problem($"The thumbnail is {tl / 1024} KB; at most {o.MaxThumbBytes / 1024} KB is accepted. Send a smaller one (about 320 px).",
                statusCode: StatusCodes.Status413PayloadTooLarge, title: "Thumbnail too large"));
        var (photo, photoProblem) = await ReadImageAsync(photoFile, "photo", ct);
        if (photoProblem is not null) return (null, null, photoProblem);
        UploadedImage? thumb = null;
        if (thumbFile is not null)
        {
            var (t, thumbProblem) = await ReadImageAsync(thumbFile, "thumb", ct);
            if (thumbProblem is not null) return (null, null, thumbProblem);
            thumb = t;
        }
        return (photo, thumb, null);
    }

    private static async Task<(UploadedImage?, ProblemHttpResult?)> ReadImageAsync(IFormFile file, string part, CancellationToken ct)
    {
        using var buffer = new MemoryStream((int)file.Length);
        await file.CopyToAsync(buffer, ct);
        var bytes = buffer.ToArray();
        if (bytes.Length == 0) return (null, Problems.BadRequest($"The part '{part}' is empty."));
        var type = ImageBytes.Sniff(bytes);
        if (type is null)
            return (null, TypedResults.Problem($"The '{part}' is not a JPEG, PNG or WebP image (checked by its content, not its name or declared type). Take the photo again or pick another.",
                statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported image type"));
        var stripped = ImageBytes.StripMetadata(bytes);
        if (stripped is null)
            return (null, Problems.BadRequest($"The '{part}' looks like {type} but is damaged or cut short; send the whole file again."));
        return (new UploadedImage(bytes, new PhotoRow("", type, bytes.Length, stripped.Value.Removed, null)), null);
    }

    public static ProblemHttpResult TooLarge(PhotoOptions o) =>
        TypedResults.Problem($"The photo is larger than {o.MaxBytes / 1024 / 1024} MB. Shrink it (about 1600 px is plenty) and send it again; the city's apps do this themselves.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Photo too large");
}
