namespace Grid.Web.Pages.Admin;

/// <summary>A person as the console lists him. <paramref name="Cells"/> are the cells whose posts he holds;
/// <paramref name="CommunityCode"/> narrows an area-wide role to one community of <paramref name="StreetCode"/>.</summary>
public sealed record PersonRow(Guid Id, string Username, string DisplayName, string? Phone, IReadOnlyList<string> Roles,
    string? StreetCode, string? UnitId, IReadOnlyList<string> Cells, bool OnDuty, bool Active, bool MustChangePassword, int Version,
    string? CommunityCode = null);

public sealed record PeoplePage(IReadOnlyList<PersonRow> Rows, int Total);

/// <summary>The list's filter: text in the name, username or phone; a role; deactivated people too or not.</summary>
public sealed record PeopleQuery(string? Text = null, string? Role = null, bool IncludeInactive = false, int Page = 0, int PageSize = 25);

/// <summary>
/// A person as the form edits him. The scope of his roles: <see cref="StreetCode"/> for the area-wide roles
/// (empty: the whole district), narrowed to one community by <see cref="CommunityCode"/>, <see cref="UnitId"/> for unit staff; the cells of cell roles are their posts
/// (the posts page). <see cref="Password"/> only when creating; <see cref="Version"/> only when editing.
/// </summary>
public sealed class PersonForm
{
    public string? Username { get; set; }
    public string? DisplayName { get; set; }
    public string? Phone { get; set; }
    public List<string> Roles { get; set; } = [];
    public string? StreetCode { get; set; }
    public string? CommunityCode { get; set; }
    public string? UnitId { get; set; }
    public bool OnDuty { get; set; } = true;
    public string? Password { get; set; }
    public int? Version { get; set; }

    public static PersonForm From(PersonRow p) => new()
    {
        Username = p.Username, DisplayName = p.DisplayName, Phone = p.Phone, Roles = [.. p.Roles], StreetCode = p.StreetCode,
        CommunityCode = p.CommunityCode, UnitId = p.UnitId, OnDuty = p.OnDuty, Version = p.Version,
    };
}

/// <summary>
/// What a change came to: done (with the person as saved), or refused with the server's words; field errors
/// name the form field; on a lost race (<see cref="Conflict"/>) <see cref="Current"/> is the person as someone
/// else saved him, so the page can show what changed.
/// </summary>
public sealed record AdminOutcome(PersonRow? Saved, string? Error = null, IReadOnlyDictionary<string, string[]>? Fields = null,
    bool Conflict = false, PersonRow? Current = null)
{
    public bool Ok => Error is null;
    public AdminRefusal Refusal { get; init; }
}

/// <summary>Why a console change was refused (the API answers it as the status in brackets).</summary>
public enum AdminRefusal
{
    /// <summary>Done.</summary>
    None,
    /// <summary>400: a field is wrong; the outcome's fields say which and why.</summary>
    Invalid,
    /// <summary>403: not an administrator, or the person or cell is outside the administrator's street.</summary>
    Forbidden,
    /// <summary>404: no such person.</summary>
    NotFound,
    /// <summary>409: someone saved in between, or the change contradicts the current state.</summary>
    Conflict,
}

/// <summary>
/// One row of an import file and what is wrong with it (empty: it can be written). A row whose username is an
/// existing person's updates him: <see cref="Status"/> says <c>new</c>, <c>changed</c> (with <see cref="Changes"/>,
/// each "what: before → after") or <c>unchanged</c>.
/// </summary>
public sealed record ImportRowView(int Line, string Username, string DisplayName, string? Phone, string Roles, string? StreetCode,
    string? UnitId, string? Cells, IReadOnlyList<string> Problems, string Status = ImportRowView.New, IReadOnlyList<string>? Changes = null,
    string? CommunityCode = null)
{
    public const string New = "new", Changed = "changed", Unchanged = "unchanged";
}

/// <summary>The preview of an import: every row with its problems. <see cref="Written"/> people were created or updated (0 unless imported).</summary>
public sealed record ImportPreview(IReadOnlyList<ImportRowView> Rows, string? FileError, int Written)
{
    public bool Valid => FileError is null && Rows.Count > 0 && Rows.All(r => r.Problems.Count == 0);
}

public sealed record Choice(string Code, string Name);

/// <summary>What the form may offer the signed-in administrator: the streets he may give (one for a street administrator), the units,
/// and the communities of those streets (a community's code starts with its street's).</summary>
public sealed record PeopleChoices(IReadOnlyList<Choice> Streets, IReadOnlyList<Choice> Units, bool DistrictWide, IReadOnlyList<Choice>? Communities = null);

/// <summary>The people pages' data and actions for the circuit's person (implemented by the server: the same checks as /api/admin/people).</summary>
public interface IPeopleAdminSource
{
    Task<PeoplePage> ListAsync(PeopleQuery query);
    Task<PeopleChoices> ChoicesAsync();
    Task<AdminOutcome> CreateAsync(PersonForm form);
    Task<AdminOutcome> UpdateAsync(Guid id, PersonForm form);
    Task<AdminOutcome> DeactivateAsync(Guid id);
    Task<AdminOutcome> ReactivateAsync(Guid id);
    Task<AdminOutcome> ResetPasswordAsync(Guid id, string? password);
    Task<ImportPreview> PreviewImportAsync(Stream file, string fileName);
    Task<ImportPreview> ImportAsync(Stream file, string fileName);
}
