using System.Globalization;
using Grid.Domain.Incidents;
using Grid.Domain.People;

namespace Grid.Server.Data;

// The areas of the demo city (streets, communities, cells on one lattice) and the people who serve them.
public static partial class DemoCity
{
    /// <summary>One cell: its place on the district lattice (global column and row) and inside its community.</summary>
    private sealed record CellPlan(string Code, string CommunityCode, string StreetCode, string Name, string[] Roads,
        int Col, int Row, int LocalCol, int LocalRow)
    {
        public decimal West => WestLon + Col * CellLon;
        public decimal East => WestLon + (Col + 1) * CellLon;
        public decimal North => NorthLat - Row * CellLat;
        public decimal South => NorthLat - (Row + 1) * CellLat;

        // Neighbours compute their shared edges from the same lattice lines, so the coordinates agree to the last digit.
        public string Wkt => string.Create(CultureInfo.InvariantCulture,
            $"POLYGON(({West} {South},{East} {South},{East} {North},{West} {North},{West} {South}))");
    }

    private sealed record PersonPlan(Guid Id, string Username, string DisplayName, string Phone, Role Role,
        string? UnitId, string? StreetCode, bool OnDuty);

    private sealed record Post(string CellCode, Role Role, Guid PersonId);

    private sealed record Staffing(
        List<PersonPlan> People, List<Post> Posts,
        Dictionary<(string Cell, Role Role), PersonPlan> ByPost,
        PersonPlan[] Operators, PersonPlan[] ShiftLeads, PersonPlan[] Dispatchers)
    {
        public PersonPlan Holder(string cell, Role role) => ByPost[(cell, role)];
    }

    private static List<CellPlan> PlanCells()
    {
        var cells = new List<CellPlan>();
        foreach (var street in StreetDefs)
        {
            foreach (var c in street.Communities)
            {
                var communityCode = street.Code + c.Suffix;
                for (var r = 0; r < c.Rows; r++)
                {
                    for (var q = 0; q < c.Cols; q++)
                    {
                        // Numbered west to east, north to south (GB/T 30428.1).
                        var seq = r * c.Cols + q + 1;
                        cells.Add(new CellPlan($"{communityCode}{seq:000}", communityCode, street.Code,
                            $"{street.Name} {c.Name} 第{seq:000}网格", street.Roads, c.Col + q, c.Row + r, q, r));
                    }
                }
            }
        }
        return cells;
    }

    private static Staffing PlanStaff(Random rng, List<CellPlan> cells)
    {
        var people = new List<PersonPlan>();
        var posts = new List<Post>();
        var byPost = new Dictionary<(string, Role), PersonPlan>();

        PersonPlan Add(string username, Role role, string? unit = null, string? street = null, bool alwaysOnDuty = false)
        {
            var p = new PersonPlan(NewGuid(rng), username, PersonName(rng), $"139{rng.Next(0, 100_000_000):00000000}", role,
                unit, street, alwaysOnDuty || rng.NextDouble() >= 0.05);
            people.Add(p);
            return p;
        }

        void Serve(PersonPlan p, IEnumerable<CellPlan> served)
        {
            foreach (var cell in served)
            {
                posts.Add(new Post(cell.Code, p.Role, p.Id));
                byPost[(cell.Code, p.Role)] = p;
            }
        }

        // Command center and leadership. The demo accounts are ordinary members of these teams.
        PersonPlan[] operators = [Add("operator", Role.Operator, alwaysOnDuty: true), .. Enumerable.Range(2, 5).Select(i => Add($"op{i:00}", Role.Operator))];
        PersonPlan[] shiftLeads = [Add("shiftlead", Role.ShiftLead, alwaysOnDuty: true), Add("sl02", Role.ShiftLead)];
        PersonPlan[] dispatchers = [Add("dispatcher", Role.Dispatcher, alwaysOnDuty: true), Add("disp02", Role.Dispatcher)];
        Add("supervisor", Role.Supervisor, alwaysOnDuty: true);
        foreach (var street in StreetDefs)
        {
            Add($"sup{street.Code[6..]}", Role.Supervisor, street: street.Code, alwaysOnDuty: true);
        }
        Add("admin", Role.Admin, alwaysOnDuty: true);
        foreach (var unit in Units)
        {
            Add(unit.Id == DemoUnitId ? "unitstaff" : $"{unit.Id}01", Role.UnitStaff, unit: unit.Id, alwaysOnDuty: unit.Id == DemoUnitId);
            Add($"{unit.Id}02", Role.UnitStaff, unit: unit.Id);
        }

        // A grid head, an inspector and a liaison for each community.
        for (var s = 0; s < StreetDefs.Length; s++)
        {
            for (var c = 0; c < StreetDefs[s].Communities.Length; c++)
            {
                var code = StreetDefs[s].Code + StreetDefs[s].Communities[c].Suffix;
                var demo = code == DemoCommunityCode;
                var served = cells.Where(x => x.CommunityCode == code).ToList();
                var tag = $"{s + 1:00}{c + 1:00}";
                Serve(Add(demo ? "gridhead" : $"head{tag}", Role.GridHead, alwaysOnDuty: demo), served);
                Serve(Add(demo ? "inspector" : $"insp{tag}", Role.Inspector, alwaysOnDuty: demo), served);
                Serve(Add(demo ? "liaison" : $"liai{tag}", Role.Liaison, alwaysOnDuty: demo), served);
            }
        }

        // A grid worker and an informant for each cell.
        for (var i = 0; i < cells.Count; i++)
        {
            var demo = cells[i].Code == DemoCellCode;
            Serve(Add(demo ? "worker" : $"gw{i + 1:0000}", Role.GridWorker, alwaysOnDuty: demo), [cells[i]]);
            Serve(Add(demo ? "informant" : $"inf{i + 1:0000}", Role.Informant, alwaysOnDuty: demo), [cells[i]]);
        }

        // A patroller for each pair of vertically adjacent cells (every community is 4 rows high).
        var patrols = cells
            .GroupBy(x => (x.CommunityCode, x.LocalCol, Pair: x.LocalRow / 2))
            .Select(g => g.OrderBy(x => x.LocalRow).ToList())
            .ToList();
        for (var i = 0; i < patrols.Count; i++)
        {
            var demo = patrols[i].Any(x => x.Code == DemoCellCode);
            Serve(Add(demo ? "patroller" : $"pat{i + 1:0000}", Role.Patroller, alwaysOnDuty: demo), patrols[i]);
        }

        return new Staffing(people, posts, byPost, operators, shiftLeads, dispatchers);
    }

    /// <summary>The person a case of the category goes to in the cell: the post holder, or the grid head when he is off duty.</summary>
    private static PersonPlan Handler(Staffing staff, string cell, string handlerRole)
    {
        var holder = staff.Holder(cell, Roles.Parse(handlerRole));
        return holder.OnDuty ? holder : staff.Holder(cell, Role.GridHead);
    }

    private static Actor ActorOf(PersonPlan p) =>
        new(p.Id, [p.Role], ServesCell: Roles.CellScoped.Contains(p.Role), p.UnitId, p.StreetCode);

    private static string PersonName(Random rng)
    {
        var name = Surnames[rng.Next(Surnames.Length)] + GivenChars[rng.Next(GivenChars.Length)];
        return rng.NextDouble() < 0.7 ? name + GivenChars[rng.Next(GivenChars.Length)] : name;
    }

    /// <summary>A citizen as 12345 operators write him down: 王先生, 李女士, or a full name.</summary>
    private static string CitizenName(Random rng) => rng.NextDouble() switch
    {
        < 0.4 => Surnames[rng.Next(Surnames.Length)] + "先生",
        < 0.8 => Surnames[rng.Next(Surnames.Length)] + "女士",
        _ => PersonName(rng),
    };

    private static readonly string[] MobilePrefixes = ["130", "133", "135", "136", "138", "139", "150", "151", "152", "158", "159", "180", "181", "187", "188", "189"];

    private static string MobilePhone(Random rng) => MobilePrefixes[rng.Next(MobilePrefixes.Length)] + rng.Next(0, 100_000_000).ToString("00000000");

    /// <summary>A version-4 style UUID drawn from the seeded generator, so reruns give the same ids.</summary>
    private static Guid NewGuid(Random rng)
    {
        Span<byte> b = stackalloc byte[16];
        rng.NextBytes(b);
        b[7] = (byte)((b[7] & 0x0F) | 0x40);
        b[8] = (byte)((b[8] & 0x3F) | 0x80);
        return new Guid(b);
    }
}
