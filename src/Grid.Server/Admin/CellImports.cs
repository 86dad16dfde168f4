using System.Text;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Grid;
using Grid.Web.Pages.Admin;
using Hangfire;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Http.Features;

namespace Grid.Server.Admin;

/// <summary>
/// The console's grid-cell import (issue 11): a preview that writes nothing, then, once the administrator
/// confirms a preview without problems, a background job (<see cref="CellImportJob"/>) that applies exactly that
/// preview or nothing. One import at a time. A street administrator imports cells of his street only.
/// </summary>
public sealed class CellImports(CellImportRepository repo, IBackgroundJobClient jobs, TimeProvider clock)
{
    public const int MaxFeatures = CellImportLimits.MaxFeatures;
    public const int MaxFileBytes = CellImportLimits.MaxFileBytes;

    private const string OnlyAdmins = "Only administrators import grid cells.";

    public async Task<AdminResult<CellImportPreview>> PreviewAsync(Viewer viewer, string file, bool withMap, CancellationToken ct = default)
    {
        if (!viewer.Has(Role.Admin)) return AdminResult<CellImportPreview>.Forbidden(OnlyAdmins);
        var (cells, problems, fileError) = CellFeatures.ReadFile(file, MaxFeatures);
        if (fileError is not null) return AdminResult<CellImportPreview>.Invalid(new Dictionary<string, string[]> { ["file"] = [fileError] });
        return AdminResult<CellImportPreview>.Success(await repo.PreviewAsync(cells, problems, CellImportRepository.FileHash(file), viewer.AreaPrefix, withMap, ct));
    }

    public async Task<AdminResult<CellImportStatus>> StartAsync(Viewer viewer, string file, string? fingerprint, CancellationToken ct = default)
    {
        if (!viewer.Has(Role.Admin)) return AdminResult<CellImportStatus>.Forbidden(OnlyAdmins);
        if (string.IsNullOrWhiteSpace(fingerprint))
        {
            return AdminResult<CellImportStatus>.Invalid(new Dictionary<string, string[]>
            {
                ["preview"] = ["'preview' is required: the fingerprint of the preview you confirmed (POST /api/admin/cells/import/preview with the same file)."],
            });
        }
        var (cells, problems, fileError) = CellFeatures.ReadFile(file, MaxFeatures);
        if (fileError is not null) return AdminResult<CellImportStatus>.Invalid(new Dictionary<string, string[]> { ["file"] = [fileError] });
        if (problems.Count > 0)
        {
            return AdminResult<CellImportStatus>.Invalid(problems.GroupBy(p => $"features[{p.Index}].{p.Field}")
                .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
        }
        var id = Guid.NewGuid();
        if (!await repo.QueueAsync(id, viewer.PersonId, viewer.AreaPrefix, clock.GetUtcNow(), cells.Count, fingerprint.Trim(), file, ct))
        {
            var running = await repo.FindAsync(null, ct);
            return AdminResult<CellImportStatus>.Conflict(running is null
                    ? "Another cell import was running a moment ago; preview your file again."
                    : $"Another cell import, started by {running.ActorName} at {running.Status.CreatedAt:yyyy-MM-dd HH:mm} UTC, is {running.Status.Status} ({running.Status.Phase}, {running.Status.Done} of {running.Status.Total}). Wait until it has finished, then preview your file again: it changes today's cells.",
                running?.Status);
        }
        jobs.Enqueue<CellImportJob>(j => j.RunAsync(id, CancellationToken.None));
        return AdminResult<CellImportStatus>.Success((await repo.FindAsync(id, ct))!.Status, 202);
    }

    public async Task<AdminResult<CellImportStatus>> StatusAsync(Viewer viewer, Guid? id, CancellationToken ct = default)
    {
        if (!viewer.Has(Role.Admin)) return AdminResult<CellImportStatus>.Forbidden(OnlyAdmins);
        var row = await repo.FindAsync(id, ct);
        if (row is null) return AdminResult<CellImportStatus>.NotFound(id is null ? "No cell import is running." : $"There is no cell import {id}.");
        // A street administrator follows the imports of his street (and the district's, which hold his street's cells too).
        if (viewer.AreaPrefix is { } street && row.Street is not null && row.Street != street)
            return AdminResult<CellImportStatus>.Forbidden($"Import {row.Status.Id} was made for street {row.Street}, not yours ({street}).");
        return AdminResult<CellImportStatus>.Success(row.Status);
    }
}

/// <summary>Applies one confirmed cell import (<see cref="CellImportRepository.ApplyAsync"/>): safe to run twice, the import row is its guard.</summary>
public sealed class CellImportJob(CellImportRepository repo, TimeProvider clock)
{
    // A failure is recorded on the import (the page shows it) and the administrator previews again;
    // retrying the same file against changed cells would only fail the same way.
    [AutomaticRetry(Attempts = 0)]
    public Task RunAsync(Guid importId, CancellationToken ct) => repo.ApplyAsync(importId, CellImports.MaxFeatures, clock.GetUtcNow(), ct);
}

public static class CellImportEndpoints
{
    public static IServiceCollection AddCellImports(this IServiceCollection services)
    {
        services.AddSingleton<CellImportRepository>();
        services.AddSingleton<CellImports>();
        services.AddTransient<CellImportJob>();
        services.AddScoped<ICellsAdminSource, CellsAdminSource>();
        return services;
    }

    public static void MapCellImports(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/cells").WithTags("Administration").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        group.MapPost("/import/preview", Preview);
        group.MapPost("/imports", Start);
        group.MapGet("/imports/{id}", Status);
    }

    /// <summary>The difference a GeoJSON FeatureCollection would make, with every problem by feature. Writes nothing.</summary>
    private static async Task<IResult> Preview(HttpContext http, CellImports imports)
    {
        var (file, refusal) = await ReadBodyAsync(http);
        if (refusal is not null) return refusal;
        return AdminAnswers.ToHttp(await imports.PreviewAsync(Viewer.From(http.User), file!, withMap: false, http.RequestAborted));
    }

    /// <summary>Queues the apply of a previewed file (?preview=fingerprint): 202 with the import to follow, 409 while another runs.</summary>
    private static async Task<IResult> Start(string? preview, HttpContext http, CellImports imports)
    {
        var (file, refusal) = await ReadBodyAsync(http);
        if (refusal is not null) return refusal;
        var result = await imports.StartAsync(Viewer.From(http.User), file!, preview, http.RequestAborted);
        return result.Ok ? TypedResults.Accepted($"/api/admin/cells/imports/{result.Value!.Id}", result.Value) : AdminAnswers.ToHttp(result);
    }

    private static async Task<IResult> Status(string id, HttpContext http, CellImports imports) =>
        Guid.TryParse(id, out var guid)
            ? AdminAnswers.ToHttp(await imports.StatusAsync(Viewer.From(http.User), guid, http.RequestAborted))
            : TypedResults.Problem($"There is no cell import '{id}'; an import's id is the one POST /api/admin/cells/imports answered.", statusCode: 404, title: "Not found");

    private static async Task<(string? File, IResult? Refusal)> ReadBodyAsync(HttpContext http)
    {
        var tooLarge = TypedResults.Problem($"The file is larger than {CellImports.MaxFileBytes / 1024 / 1024} MB. Split it by street and import the parts one after the other.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "File too large");
        if (http.Request.ContentLength > CellImports.MaxFileBytes) return (null, tooLarge);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = CellImports.MaxFileBytes + 1;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            if (buffer.Length + read > CellImports.MaxFileBytes) return (null, tooLarge);
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) return (null, TypedResults.Problem("Send the GeoJSON FeatureCollection as the request body.", statusCode: 400, title: "Empty body"));
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length), null);
        }
        catch (DecoderFallbackException)
        {
            return (null, TypedResults.Problem("The file is not UTF-8 text; GeoJSON is UTF-8. Save it as UTF-8 and try again.", statusCode: 400, title: "Not UTF-8"));
        }
    }
}

/// <summary>The /admin/cells page's data and actions for the circuit's person: the same checks as the routes.</summary>
public sealed class CellsAdminSource(AuthenticationStateProvider auth, CellImports imports, CellImportRepository repo, CellAdmin cells, TimeProvider clock) : ICellsAdminSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<string?> ScopeAsync() => (await ViewerAsync()).AreaPrefix;

    public async Task<string> MapAsync()
    {
        var viewer = await ViewerAsync();
        return viewer.Has(Role.Admin) ? await repo.TodayMapAsync(viewer.AreaPrefix) : """{"type":"FeatureCollection","features":[]}""";
    }

    public async Task<IReadOnlyList<CellListItem>> FindAsync(string? text)
    {
        var viewer = await ViewerAsync();
        return viewer.Has(Role.Admin) ? await repo.FindCellsAsync(viewer.AreaPrefix, text) : [];
    }

    public async Task<CellImportPreview> PreviewAsync(byte[] file)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file);
        }
        catch (DecoderFallbackException)
        {
            return FileProblem("The file is not UTF-8 text; GeoJSON is UTF-8. Save it as UTF-8 and try again.");
        }
        var result = await imports.PreviewAsync(await ViewerAsync(), text, withMap: true);
        return result.Value ?? FileProblem(result.Message ?? "The file cannot be previewed.");
    }

    private static CellImportPreview FileProblem(string message) => new(0, [new CellImportProblem(0, null, "file", message)], [], [], [], 0, [], "");

    public async Task<AdminResult<CellImportStatus>> ApplyAsync(byte[] file, string fingerprint)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(file);
        }
        catch (DecoderFallbackException)
        {
            return AdminResult<CellImportStatus>.Invalid(new Dictionary<string, string[]> { ["file"] = ["The file is not UTF-8 text."] });
        }
        return await imports.StartAsync(await ViewerAsync(), text, fingerprint);
    }

    public async Task<CellImportStatus?> StatusAsync(Guid id) => (await imports.StatusAsync(await ViewerAsync(), id)).Value;

    public async Task<CellImportStatus?> RunningAsync() => (await imports.StatusAsync(await ViewerAsync(), null)).Value;

    public async Task<AdminResult<CellListItem>> RenameAsync(string code, string name, string expectedName)
    {
        var result = await cells.RenameAsync(await ViewerAsync(), code, new CellRenameRequest(name, expectedName), clock.GetUtcNow());
        static CellListItem? Item(CellNameView? v) => v is null ? null : new CellListItem(v.Code, v.Name, "");
        return new AdminResult<CellListItem>(result.Status, Item(result.Value), result.Errors, result.Message, Item(result.Current));
    }
}
