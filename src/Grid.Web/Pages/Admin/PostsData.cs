namespace Grid.Web.Pages.Admin;

/// <summary>One post of a cell and its holder (null: vacant). A holder who was deactivated leaves the post vacant in effect.</summary>
public sealed record PostView(string Role, Guid? PersonId, string? DisplayName, string? Username, bool HolderActive)
{
    public bool Vacant => PersonId is null || !HolderActive;
}

/// <summary>A cell's team (一长五员) in the standard's order; <see cref="NoGridHead"/> flags the administrative defect.</summary>
public sealed record CellPosts(string CellCode, string CellName, string CommunityCode, IReadOnlyList<PostView> Posts)
{
    public int Vacant => Posts.Count(p => p.Vacant);
    public bool NoGridHead => Posts.Any(p => p.Role == "grid_head" && p.Vacant);
}

/// <summary>Somebody who may take a post: active, in the administrator's area, holding the post's role.</summary>
public sealed record PostCandidate(Guid Id, string Username, string DisplayName, int PostsHeld);

/// <summary>The posts page's data and actions (implemented by the server: the same checks as /api/admin/posts).</summary>
public interface IPostsAdminSource
{
    Task<IReadOnlyList<CellPosts>> CellsAsync(string? text);
    /// <summary>The cells as GeoJSON, each with <c>code</c>, <c>name</c> and <c>vacant</c> (number of vacant posts) properties.</summary>
    Task<string> MapAsync();
    Task<IReadOnlyList<PostCandidate>> CandidatesAsync(string cellCode, string role, string? text);
    /// <summary>Gives the post to <paramref name="personId"/> (null: leaves it vacant). <paramref name="expected"/> is the holder the page showed.</summary>
    Task<PostOutcome> AssignAsync(string cellCode, string role, Guid? personId, Guid? expected);
}

/// <summary>A post change: done (the cell as it is now), or refused with the server's words; on a lost race the cell as someone left it.</summary>
public sealed record PostOutcome(CellPosts? Cell, string? Error = null, bool Conflict = false)
{
    public bool Ok => Error is null;
    public AdminRefusal Refusal { get; init; }
}
