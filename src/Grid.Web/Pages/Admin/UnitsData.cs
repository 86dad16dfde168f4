namespace Grid.Web.Pages.Admin;

/// <summary>
/// A responsible unit (责任单位) as the console lists it. <paramref name="StreetCode"/> null: the unit serves the
/// whole district; <paramref name="DefaultFor"/> are the categories whose cases go to it by default;
/// <paramref name="Members"/> counts its active staff; <paramref name="StreetName"/> is the name of its street (what a person reads).
/// </summary>
public sealed record UnitItem(string Id, string NameZh, string NameEn, string? Phone, string? StreetCode, bool Active, int Version,
    DateTimeOffset? UpdatedAt, IReadOnlyList<string> DefaultFor, int Members, string? StreetName = null);

/// <summary>A unit with its staff (people with the unit_staff role whose unit it is, deactivated ones too).</summary>
public sealed record UnitDetail(UnitItem Unit, IReadOnlyList<PersonRow> Members);

/// <summary>What an administrator sends to create or change a unit (also the JSON body of the API). The id is
/// chosen once, on create; <see cref="Version"/> is the version the change was made on (required to change).</summary>
public sealed class UnitInput
{
    public string? Id { get; set; }
    public string? NameZh { get; set; }
    public string? NameEn { get; set; }
    public string? Phone { get; set; }
    public string? StreetCode { get; set; }
    public int? Version { get; set; }

    public static UnitInput From(UnitItem u) => new()
    {
        Id = u.Id, NameZh = u.NameZh, NameEn = u.NameEn, Phone = u.Phone, StreetCode = u.StreetCode, Version = u.Version,
    };

    /// <summary>The checks the form makes before sending (the server makes them again, and those that need the database).
    /// Keys are the JSON field names the server's errors use.</summary>
    public Dictionary<string, string[]> Check(bool creating, Func<string, string> text)
    {
        var e = new Dictionary<string, string[]>();
        if (creating && (string.IsNullOrWhiteSpace(Id) || !System.Text.RegularExpressions.Regex.IsMatch(Id.Trim(), "^[a-z][a-z0-9_]{1,39}$")))
            e["id"] = [text("Admin.Units.Check.Id")];
        if (string.IsNullOrWhiteSpace(NameZh)) e["nameZh"] = [text("Admin.Units.Check.Name")];
        else if (NameZh.Trim().Length > 100) e["nameZh"] = [text("Admin.Units.Check.NameLong")];
        if (!string.IsNullOrWhiteSpace(Phone) && !System.Text.RegularExpressions.Regex.IsMatch(Phone.Trim().Replace(" ", ""), @"^\+?[0-9][0-9-]{4,19}$"))
            e["phone"] = [text("Admin.Units.Check.Phone")];
        return e;
    }
}

/// <summary>A unit member as the page adds or removes him: the person and the version of him the page saw.</summary>
public sealed record UnitMemberRequest(Guid? PersonId, int? Version);

/// <summary>The streets the administrator may give a unit (one for a street administrator) and whether he may keep district units.</summary>
public sealed record UnitChoices(IReadOnlyList<Choice> Streets, bool DistrictWide);

/// <summary>The units page's data and actions for the circuit's person (implemented by the server: the same checks as /api/admin/units).</summary>
public interface IUnitsAdminSource
{
    Task<IReadOnlyList<UnitItem>> ListAsync(bool includeInactive);
    Task<UnitChoices> ChoicesAsync();
    Task<AdminResult<UnitDetail>> GetAsync(string id);
    Task<AdminResult<UnitItem>> CreateAsync(UnitInput input);
    Task<AdminResult<UnitItem>> UpdateAsync(string id, UnitInput input);
    Task<AdminResult<UnitItem>> DeactivateAsync(string id, int version);
    Task<AdminResult<UnitItem>> ReactivateAsync(string id, int version);
    /// <summary>Active people the administrator manages who could join the unit (by name, username or phone).</summary>
    Task<IReadOnlyList<PersonRow>> CandidatesAsync(string id, string? text);
    /// <summary>Makes the person unit staff of the unit, through the people service (his version: 409 when he changed meanwhile).</summary>
    Task<AdminOutcome> AddMemberAsync(string id, Guid personId, int version);
    Task<AdminOutcome> RemoveMemberAsync(string id, Guid personId, int version);
}
