using System.Security.Claims;
using Grid.Domain.Incidents;
using Grid.Domain.People;

namespace Grid.Server.Auth;

/// <summary>The signed-in person as the server sees them: id, roles and the area they answer for.</summary>
public sealed record Viewer(Guid PersonId, string Username, string DisplayName, IReadOnlyList<Role> Roles, string? StreetCode, string? UnitId,
    string? CommunityCode = null)
{
    public const string StreetClaim = "grid:street";
    public const string CommunityClaim = "grid:community";
    public const string UnitClaim = "grid:unit";
    public const string DisplayNameClaim = "grid:display_name";

    public bool Has(Role role) => Roles.Contains(role);

    /// <summary>An area-wide role, not limited to one street: sees the whole district.</summary>
    public bool SeesAll => Roles.Any(Domain.People.Roles.AreaWide.Contains) && StreetCode is null;

    /// <summary>The street an area-wide role is limited to, if any.</summary>
    public string? AreaStreet => Roles.Any(Domain.People.Roles.AreaWide.Contains) ? StreetCode : null;

    /// <summary>
    /// The cell-code prefix an area-wide role is limited to: his community (12 digits) when he has one, else his
    /// street (9 digits); null for the whole district. Every case scope (lists, reads by id, the live feed) uses it.
    /// </summary>
    public string? AreaPrefix => Roles.Any(Domain.People.Roles.AreaWide.Contains) ? CommunityCode ?? StreetCode : null;

    public Actor AsActor(bool servesCell) => new(PersonId, Roles, servesCell, UnitId, AreaPrefix);

    public static Viewer From(ClaimsPrincipal user)
    {
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier)
            ?? throw new InvalidOperationException("Signed-in user without an id claim.");
        var roles = user.FindAll(ClaimTypes.Role)
            .Select(c => Domain.People.Roles.TryParse(c.Value, out var r) ? r : (Role?)null)
            .OfType<Role>().ToList();
        return new Viewer(Guid.Parse(id), user.Identity?.Name ?? "", user.FindFirstValue(DisplayNameClaim) ?? "",
            roles, user.FindFirstValue(StreetClaim), user.FindFirstValue(UnitClaim), user.FindFirstValue(CommunityClaim));
    }

    public ClaimsPrincipal ToPrincipal(string scheme)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, PersonId.ToString()),
            new(ClaimTypes.Name, Username),
            new(DisplayNameClaim, DisplayName),
        };
        claims.AddRange(Roles.Select(r => new Claim(ClaimTypes.Role, r.ToCode())));
        if (StreetCode is not null) claims.Add(new Claim(StreetClaim, StreetCode));
        if (UnitId is not null) claims.Add(new Claim(UnitClaim, UnitId));
        if (CommunityCode is not null) claims.Add(new Claim(CommunityClaim, CommunityCode));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }
}
