using Grid.Domain.Incidents;
using Grid.Domain.People;

namespace Grid.Server.Privacy;

/// <summary>
/// Who sees a reporter's name and phone number. The command center that calls reporters back sees
/// them; field staff and units see them masked (张**, 139****1234); a few roles may reveal them with
/// a reason (POST /api/cases/{id}/reveal-reporter), and every reveal is audited. The reporter
/// themselves always sees their own details.
/// </summary>
public static class ReporterPrivacy
{
    /// <summary>Roles that see reporter details unmasked: they take the calls and call back.</summary>
    public static readonly IReadOnlySet<Role> SeesReporter = new HashSet<Role> { Role.Operator, Role.ShiftLead };

    /// <summary>Roles that may reveal a reporter's details on one case, with a reason, audited.</summary>
    public static readonly IReadOnlySet<Role> MayReveal =
        new HashSet<Role> { Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor, Role.GridHead, Role.Liaison };

    public static bool Unmasked(Actor actor, Guid? reportedBy) =>
        actor.Roles.Any(SeesReporter.Contains) || (reportedBy is { } r && r == actor.PersonId);

    public static string? Name(string? name, Actor actor, Guid? reportedBy) => Unmasked(actor, reportedBy) ? name : MaskName(name);

    public static string? Phone(string? phone, Actor actor, Guid? reportedBy) => Unmasked(actor, reportedBy) ? phone : MaskPhone(phone);

    /// <summary>张三丰 → 张**; Alice → A****.</summary>
    public static string? MaskName(string? name)
    {
        if (string.IsNullOrEmpty(name)) return name;
        var chars = System.Globalization.StringInfo.ParseCombiningCharacters(name);
        var first = System.Globalization.StringInfo.GetNextTextElement(name, 0);
        return first + new string('*', Math.Max(1, chars.Length - 1));
    }

    /// <summary>13912341234 → 139****1234; short numbers keep only their last two digits.</summary>
    public static string? MaskPhone(string? phone)
    {
        if (string.IsNullOrEmpty(phone)) return phone;
        var digits = new string(phone.Where(char.IsAsciiDigit).ToArray());
        if (digits.Length >= 11) return digits[..3] + "****" + digits[^4..];
        if (digits.Length >= 4) return new string('*', digits.Length - 2) + digits[^2..];
        return "****";
    }
}
