namespace Grid.Server.Admin;

/// <summary>Pages that moved into the administrators' console keep their old address working (bookmarks, documents).</summary>
public static class ConsoleRedirects
{
    public static void MapConsoleRedirects(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api-keys", () => Results.LocalRedirect("/admin/api-keys", permanent: true)).ExcludeFromDescription();
    }
}
