using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Http;
using Grid.Server.Stats;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Grid.Server.Staff;

public sealed record PersonRequest(string? Username, string? DisplayName, string? Phone, List<string>? Roles, string? StreetCode, string? UnitId,
    bool? OnDuty, string? Password, int? Version, string? CommunityCode = null)
{
    public PersonForm ToForm() => new()
    {
        Username = Username, DisplayName = DisplayName, Phone = Phone, Roles = Roles?.OfType<string>().ToList() ?? [], StreetCode = StreetCode, CommunityCode = CommunityCode, UnitId = UnitId,
        OnDuty = OnDuty ?? true, Password = Password, Version = Version,
    };
}

/// <summary>
/// The administrators' console for people (issue 11), as routes any client can use; the /admin/people page
/// calls the same <see cref="PeopleAdmin"/>. Only administrators; a street administrator only for his street.
/// Import: the file is the request body (xlsx or CSV, named by ?file=); preview writes nothing, import writes
/// all rows or none.
/// </summary>
public static class PeopleEndpoints
{
    public static IServiceCollection AddPeopleAdmin(this IServiceCollection services)
    {
        services.AddSingleton<PeopleAdmin>();
        services.AddScoped<IPeopleAdminSource, PeopleAdminSource>();
        services.AddSingleton<PostsAdmin>();
        services.AddScoped<IPostsAdminSource, PostsAdminSource>();
        services.AddSingleton<DutyRoster>();
        services.AddScoped<IDutyAdminSource, DutyAdminSource>();
        return services;
    }

    public static void MapPeopleAdmin(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/admin/people").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        group.MapGet("", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPost("", Create);
        group.MapPut("/{id:guid}", Update);
        // The body is the file itself (any content type; no Accepts metadata, which would answer 415 before the role check),
        // not a browser form: no antiforgery token applies (the cookie is SameSite=Lax).
        group.MapPost("/import/preview", Preview).DisableAntiforgery();
        group.MapPost("/import", Import).DisableAntiforgery();
        app.MapDutyAdmin();
        var posts = app.MapGroup("/api/admin/posts").WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        posts.MapGet("", ListPosts);
        posts.MapGet("/map", PostsMap);
        posts.MapGet("/{cell}", GetPosts);
        posts.MapPut("/{cell}/{role}", AssignPost);
        posts.MapGet("/{cell}/{role}/candidates", PostCandidates);
        app.MapGet("/api/admin/people.csv", Export).WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
        app.MapGet("/api/admin/people.xlsx", Export).WithTags("Admin").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
    }

    /// <summary>The HTTP answer of a refused change.</summary>
    public static IResult Problem(AdminOutcome o) => o.Refusal switch
    {
        AdminRefusal.Invalid => Problems.Validation(o.Fields?.ToDictionary(f => f.Key, f => f.Value) ?? new() { ["body"] = [o.Error!] }),
        AdminRefusal.Forbidden => Problems.Forbidden(o.Error!),
        AdminRefusal.NotFound => Problems.NotFound(o.Error!),
        _ => TypedResults.Problem(o.Error, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: o.Current is null ? null : new Dictionary<string, object?> { ["current"] = o.Current }),
    };

    private static async Task<IResult> List(HttpContext http, PeopleAdmin people, string? q, string? role, bool? inactive, int? page, int? size)
    {
        var (result, refusal) = await people.ListAsync(Viewer.From(http.User), new PeopleQuery(q, role, inactive ?? false, page ?? 0, size ?? 25));
        return result is null ? Problem(refusal!) : TypedResults.Ok(result);
    }

    private static async Task<IResult> Get(Guid id, HttpContext http, PeopleAdmin people)
    {
        var (person, refusal) = await people.GetAsync(Viewer.From(http.User), id);
        return person is null ? Problem(refusal!) : TypedResults.Ok(person);
    }

    private static async Task<IResult> Create(PersonRequest body, HttpContext http, PeopleAdmin people)
    {
        var o = await people.CreateAsync(Viewer.From(http.User), body.ToForm());
        return o.Saved is { } saved ? TypedResults.Created($"/api/admin/people/{saved.Id}", saved) : Problem(o);
    }

    private static async Task<IResult> Update(Guid id, PersonRequest body, HttpContext http, PeopleAdmin people)
    {
        var o = await people.UpdateAsync(Viewer.From(http.User), id, body.ToForm());
        return o.Saved is { } saved ? TypedResults.Ok(saved) : Problem(o);
    }

    private static async Task<(IReadOnlyList<StaffSheet.Row>? Rows, string? Error)> ReadFileAsync(HttpContext http, string? file)
    {
        if (string.IsNullOrWhiteSpace(file)) return (null, "Name the file with ?file=staff.xlsx (or .csv), and send its bytes as the body.");
        using var buffer = new MemoryStream();
        var limit = StaffSheet.MaxBytes + 1;
        var chunk = new byte[81920];
        int n;
        while ((n = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > limit) break;
        }
        return StaffSheet.Read(buffer.ToArray(), file);
    }

    private static async Task<IResult> Preview(HttpContext http, PeopleAdmin people, [FromQuery] string? file)
    {
        var (rows, error) = await ReadFileAsync(http, file);
        var (preview, refusal) = await people.PreviewImportAsync(Viewer.From(http.User), rows, error);
        return preview is null ? Problem(refusal!) : preview.FileError is { } e ? Problems.BadRequest(e) : TypedResults.Ok(preview);
    }

    /// <summary>201 with the count when every row was written; 422 with the preview (nothing written) when any row has a problem.</summary>
    private static async Task<IResult> Import(HttpContext http, PeopleAdmin people, [FromQuery] string? file)
    {
        var (rows, error) = await ReadFileAsync(http, file);
        var (preview, refusal) = await people.ImportAsync(Viewer.From(http.User), rows, error);
        if (preview is null) return Problem(refusal!);
        if (preview.FileError is { } e) return Problems.BadRequest(e);
        if (!preview.Valid)
        {
            var bad = preview.Rows.Where(r => r.Problems.Count > 0).ToList();
            return TypedResults.Problem(
                $"{bad.Count} of {preview.Rows.Count} rows have problems (first: line {bad[0].Line}: {bad[0].Problems[0]}); nothing was written. Correct the file and import it again.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: "The staff list has problems",
                extensions: new Dictionary<string, object?> { ["rows"] = preview.Rows });
        }
        return TypedResults.Created("/api/admin/people", preview);
    }

    public sealed record AssignPostRequest(Guid? PersonId, Guid? ExpectedPersonId);

    public static IResult Problem(PostOutcome o) => o.Refusal switch
    {
        AdminRefusal.Invalid => Problems.BadRequest(o.Error!),
        AdminRefusal.Forbidden => Problems.Forbidden(o.Error!),
        AdminRefusal.NotFound => Problems.NotFound(o.Error!),
        _ => TypedResults.Problem(o.Error, statusCode: StatusCodes.Status409Conflict, title: "Conflict",
            extensions: o.Cell is null ? null : new Dictionary<string, object?> { ["current"] = o.Cell }),
    };

    /// <summary>The cells the administrator manages with their six posts; ?vacant=true: only cells with a vacant post.</summary>
    private static async Task<IResult> ListPosts(HttpContext http, PostsAdmin posts, string? q, bool? vacant)
    {
        var (cells, refusal) = await posts.CellsAsync(Viewer.From(http.User), q, vacant ?? false);
        return cells is null ? Problem(refusal!) : TypedResults.Ok(cells);
    }

    private static async Task<IResult> PostsMap(HttpContext http, PostsAdmin posts) =>
        TypedResults.Text(await posts.MapAsync(Viewer.From(http.User)), "application/geo+json");

    private static async Task<IResult> GetPosts(string cell, HttpContext http, PostsAdmin posts)
    {
        var (one, refusal) = await posts.GetAsync(Viewer.From(http.User), cell);
        return one is null ? Problem(refusal!) : TypedResults.Ok(one);
    }

    /// <summary>Active people the administrator manages who hold the post's role, fewest posts first (at most 50; ?q= narrows by name).</summary>
    private static async Task<IResult> PostCandidates(string cell, string role, HttpContext http, PostsAdmin posts, string? q)
    {
        var (one, refusal) = await posts.GetAsync(Viewer.From(http.User), cell);
        return one is null ? Problem(refusal!) : TypedResults.Ok(await posts.CandidatesAsync(Viewer.From(http.User), role, q));
    }

    /// <summary>Gives the post to personId (null leaves it vacant); expectedPersonId is the holder the caller saw (null: vacant).</summary>
    private static async Task<IResult> AssignPost(string cell, string role, AssignPostRequest body, HttpContext http, PostsAdmin posts)
    {
        var o = await posts.AssignAsync(Viewer.From(http.User), cell, role, body.PersonId, body.ExpectedPersonId);
        return o.Ok ? TypedResults.Ok(o.Cell) : Problem(o);
    }

    private static async Task<IResult> Export(HttpContext http, PeopleAdmin people)
    {
        var (rows, refusal) = await people.ExportAsync(Viewer.From(http.User));
        if (rows is null) return Problem(refusal!);
        await Csv.WriteAsync(http, "staff.csv", StaffSheet.Header, Csv.Of(rows), StaffSheet.Fields);
        return TypedResults.Empty;
    }
}
