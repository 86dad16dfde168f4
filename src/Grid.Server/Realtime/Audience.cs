using Grid.Domain.People;
using Grid.Server.Auth;

namespace Grid.Server.Realtime;

/// <summary>
/// Which events one subscriber receives: the case visibility rule of CaseRepository.ScopeSql
/// (whole area, a street, own unit's cases, cells one serves, cases one reported or is assigned)
/// applied to each event as it was at the time, plus one's own staff positions.
/// <see cref="EventRepository.CatchUpSql"/> is the same rule in SQL; keep them together.
/// </summary>
public sealed record Audience(Guid Me, bool All, string? Street, string? Unit, IReadOnlySet<string> Cells)
{
    /// <summary>"all", "street:320213001" or "cells:3": what the subscriber follows, for the client to show.</summary>
    public string Describe() => All ? "all" : Street is not null ? $"street:{Street}" : $"cells:{Cells.Count}";

    public bool Matches(EventRow e) => MatchesShared(e) || MatchesPersonal(e);

    /// <summary>The part of the rule every subscriber with the same <see cref="GroupKey"/> shares.</summary>
    public bool MatchesShared(EventRow e) =>
        All
        || (Street is not null && e.CellCode is not null && e.CellCode.StartsWith(Street, StringComparison.Ordinal))
        || (Unit is not null && e.UnitId == Unit)
        || (e.CellCode is not null && Cells.Contains(e.CellCode));

    /// <summary>The part that is about the subscriber: cases they reported or hold, their own positions.</summary>
    public bool MatchesPersonal(EventRow e) => e.ReportedBy == Me || e.AssigneeId == Me || e.PersonId == Me;

    /// <summary>Subscribers with the same key follow the same thing apart from their own cases and positions.</summary>
    public string GroupKey { get; } = All ? "all" : $"{Street}|{Unit}|{string.Join(',', Cells.Order(StringComparer.Ordinal))}";

    /// <summary>A staff position (or patrol point) of <paramref name="person"/> in <paramref name="cellCode"/>: the rule of the positions list.</summary>
    public bool SeesPosition(Guid person, string? cellCode) =>
        All || person == Me
        || (Street is not null && cellCode is not null && cellCode.StartsWith(Street, StringComparison.Ordinal))
        || (cellCode is not null && Cells.Contains(cellCode));

    /// <summary>
    /// The audience of a viewer who asks to follow <paramref name="street"/> (null: everything they may see).
    /// Returns an error message a person can act on when the choice is not theirs to make.
    /// </summary>
    public static (Audience? Audience, string? Error) For(Viewer viewer, string? street, IReadOnlyList<string> cellsServed)
    {
        street = string.IsNullOrWhiteSpace(street) ? null : street.Trim();
        var areaWide = viewer.Roles.Any(Roles.AreaWide.Contains);
        var unit = viewer.Has(Role.UnitStaff) ? viewer.UnitId : null;
        var cells = cellsServed.ToHashSet(StringComparer.Ordinal);
        if (street is not null)
        {
            if (!areaWide) return (null, "Only the command center and leadership follow a street; field staff follow the cells they serve (leave 'street' empty).");
            if (street.Length is < 6 or > 15 || !street.All(char.IsAsciiDigit)) return (null, $"'{street}' is not a street code (9 digits, e.g. 320213001).");
            if (viewer.AreaPrefix is { } own && !street.StartsWith(own, StringComparison.Ordinal))
                return (null, $"You answer for {(own.Length == 12 ? "community" : "street")} {own}; you cannot follow {street}.");
            return (new Audience(viewer.PersonId, false, street, unit, cells), null);
        }
        if (viewer.SeesAll) return (new Audience(viewer.PersonId, true, null, null, cells), null);
        return (new Audience(viewer.PersonId, false, viewer.AreaPrefix, unit, cells), null);
    }
}
