using Grid.Server.Auth;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Authorization;

namespace Grid.Server.Staff;

/// <summary>The /admin/posts page's data and actions: <see cref="PostsAdmin"/> for the circuit's person, the same checks as the routes.</summary>
public sealed class PostsAdminSource(AuthenticationStateProvider auth, PostsAdmin posts) : IPostsAdminSource
{
    private async Task<Viewer> ViewerAsync() => Viewer.From((await auth.GetAuthenticationStateAsync()).User);

    public async Task<IReadOnlyList<CellPosts>> CellsAsync(string? text) => (await posts.CellsAsync(await ViewerAsync(), text)).Cells ?? [];

    public async Task<string> MapAsync() => await posts.MapAsync(await ViewerAsync());

    public async Task<IReadOnlyList<PostCandidate>> CandidatesAsync(string cellCode, string role, string? text) =>
        await posts.CandidatesAsync(await ViewerAsync(), role, text);

    public async Task<PostOutcome> AssignAsync(string cellCode, string role, Guid? personId, Guid? expected) =>
        await posts.AssignAsync(await ViewerAsync(), cellCode, role, personId, expected);
}
