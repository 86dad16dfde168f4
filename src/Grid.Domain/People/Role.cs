namespace Grid.Domain.People;

/// <summary>Roles from GB/T 30428 practice: the one head and five officers of a cell, the command
/// center, leadership and the departments that fix things. Stored as the snake_case name.</summary>
public enum Role
{
    /// <summary>网格长: leads a cell's team, sees and reassigns all its cases; first escalation step.</summary>
    GridHead,
    /// <summary>网格员: resident officer; reports, handles light cases himself, gives feedback.</summary>
    GridWorker,
    /// <summary>巡查员: walks patrol routes and reports what he sees.</summary>
    Patroller,
    /// <summary>信息员: community volunteer or building manager who reports and confirms facts.</summary>
    Informant,
    /// <summary>督查员: independent checker who verifies fixes on site (核查).</summary>
    Inspector,
    /// <summary>联络员: link to departments and residents.</summary>
    Liaison,
    /// <summary>受理员: command-center operator who accepts and registers reports.</summary>
    Operator,
    /// <summary>值班长: shift lead; approves extensions, holds, returns and cancellations.</summary>
    ShiftLead,
    /// <summary>派遣员: sends registered cases to the responsible unit or staff.</summary>
    Dispatcher,
    /// <summary>Street or district leadership: sees escalations and scores, orders supervision.</summary>
    Supervisor,
    /// <summary>Staff of a responsible unit (责任单位) that receives dispatched cases.</summary>
    UnitStaff,
    /// <summary>System administrator: grid import, accounts, API keys.</summary>
    Admin,
}

public static class Roles
{
    /// <summary>The six posts of a cell team (一长五员).</summary>
    public static readonly IReadOnlyList<Role> CellTeam =
        [Role.GridHead, Role.GridWorker, Role.Patroller, Role.Informant, Role.Inspector, Role.Liaison];

    /// <summary>Roles whose view is limited to the cells they serve.</summary>
    public static readonly IReadOnlySet<Role> CellScoped =
        new HashSet<Role> { Role.GridHead, Role.GridWorker, Role.Patroller, Role.Informant, Role.Inspector, Role.Liaison };

    /// <summary>Roles that see the whole area they are responsible for.</summary>
    public static readonly IReadOnlySet<Role> AreaWide =
        new HashSet<Role> { Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor, Role.Admin };

    public static string ToCode(this Role role) => role switch
    {
        Role.GridHead => "grid_head",
        Role.GridWorker => "grid_worker",
        Role.Patroller => "patroller",
        Role.Informant => "informant",
        Role.Inspector => "inspector",
        Role.Liaison => "liaison",
        Role.Operator => "operator",
        Role.ShiftLead => "shift_lead",
        Role.Dispatcher => "dispatcher",
        Role.Supervisor => "supervisor",
        Role.UnitStaff => "unit_staff",
        Role.Admin => "admin",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static bool TryParse(string code, out Role role)
    {
        foreach (var r in Enum.GetValues<Role>())
        {
            if (r.ToCode() == code) { role = r; return true; }
        }
        role = default;
        return false;
    }

    public static Role Parse(string code) =>
        TryParse(code, out var r) ? r : throw new ArgumentException($"Unknown role '{code}'.", nameof(code));
}
