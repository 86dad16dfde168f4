using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Auth;
using Grid.Server.Data;
using Grid.Server.Grid;
using Grid.Web.Pages.Admin;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Admin;

public sealed record CellRenameRequest(string? Name, string? ExpectedName);

public sealed record CellNameView(string Code, string Name);

/// <summary>
/// Renaming a grid cell (its code, which cases and posts refer to, never changes). grid_cells has no version
/// column, so the name the administrator started from is the guard: a cell renamed meanwhile answers 409 with
/// its name now. A street-scoped administrator renames the cells of its street only.
/// </summary>
public sealed class CellAdmin(IDbContextFactory<GridDbContext> contexts)
{
    public async Task<AdminResult<CellNameView>> RenameAsync(Viewer viewer, string code, CellRenameRequest? body, DateTimeOffset now)
    {
        if (!viewer.Has(Role.Admin)) return AdminResult<CellNameView>.Forbidden("Only administrators rename cells.");
        var name = (body?.Name ?? "").Trim();
        var errors = new Dictionary<string, string[]>();
        if (name.Length is 0 or > 100) errors["name"] = ["'name' is 1 to 100 characters, e.g. 东河社区第12网格."];
        else if (name.Any(char.IsControl)) errors["name"] = ["'name' contains control characters; write it on one line."];
        if (body?.ExpectedName is null) errors["expectedName"] = ["'expectedName' is required: the cell's name the change was made on (from GET /api/cells/{code})."];
        if (errors.Count > 0) return AdminResult<CellNameView>.Invalid(errors);

        await using var db = await contexts.CreateDbContextAsync();
        var current = await db.Set<GridCellRecord>().Where(c => c.Code == code).Select(c => c.Name).SingleOrDefaultAsync();
        if (current is null) return AdminResult<CellNameView>.NotFound($"There is no cell {code}.");
        if (viewer.StreetCode is { } street && !code.StartsWith(street, StringComparison.Ordinal))
        {
            return AdminResult<CellNameView>.Forbidden($"Cell {code} is not in street {street}, the street your account administers.");
        }
        await using var tx = await db.Database.BeginTransactionAsync();
        var changed = await db.Set<GridCellRecord>().Where(c => c.Code == code && c.Name == body!.ExpectedName)
            .ExecuteUpdateAsync(u => u.SetProperty(c => c.Name, name));
        if (changed == 0)
        {
            await tx.RollbackAsync();
            var now_ = await db.Set<GridCellRecord>().Where(c => c.Code == code).Select(c => c.Name).SingleAsync();
            return AdminResult<CellNameView>.Conflict($"Cell {code} was renamed meanwhile to '{now_}' (you started from '{body!.ExpectedName}'). Look at it and rename again.",
                new CellNameView(code, now_));
        }
        db.Add(new AuditLogRecord
        {
            At = now, ActorId = viewer.PersonId, Action = "cell_renamed", Subject = $"grid_cell:{code}",
            Details = JsonSerializer.Serialize(new { before = new { name = current }, after = new { name } }),
        });
        await db.SaveChangesAsync();
        await tx.CommitAsync();
        return AdminResult<CellNameView>.Success(new CellNameView(code, name));
    }

    public static void MapCellAdmin(IEndpointRouteBuilder app) =>
        app.MapPut("/api/admin/cells/{code}/name", async (string code, CellRenameRequest? body, HttpContext http, CellAdmin admin, TimeProvider clock) =>
                AdminAnswers.ToHttp(await admin.RenameAsync(Viewer.From(http.User), code, body, clock.GetUtcNow())))
            .WithTags("Administration").RequireAuthorization(p => p.RequireRole(Role.Admin.ToCode()));
}
