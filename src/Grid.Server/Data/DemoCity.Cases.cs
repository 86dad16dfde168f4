using System.Text.Json;
using Grid.Domain.Incidents;
using Grid.Domain.People;
using Grid.Domain.Time;

namespace Grid.Server.Data;

// The demo cases: each one is walked through the real lifecycle (Grid.Domain's Case), so its row and
// history are exactly what the server would have written had people taken those steps.
public static partial class DemoCity
{
    private const int CaseCount = 600;

    /// <summary>How many cases end in each state; most are closed, as in a city that works.</summary>
    private static readonly (CaseState State, int Count)[] StateMix =
    [
        (CaseState.Closed, 330), (CaseState.Cancelled, 36), (CaseState.Reported, 24), (CaseState.Registered, 24),
        (CaseState.Dispatched, 40), (CaseState.InProgress, 66), (CaseState.OnHold, 18), (CaseState.Returned, 18),
        (CaseState.Resolved, 44),
    ];

    private static readonly (string Source, double Share)[] SourceMix =
    [
        ("field", 0.32), ("citizen", 0.12), ("hotline", 0.16), ("higher_level", 0.04), ("video", 0.12), ("sensor", 0.06),
        ("open311", 0.08), ("web", 0.10),
    ];

    private static readonly Dictionary<string, string[]> SensorProblems = new()
    {
        ["C0101"] = ["{0}上水井盖位移传感器报警，井盖疑似被移动"],
        ["C0102"] = ["{0}污水井液位传感器报警，井内水位过高"],
        ["C0103"] = ["{0}雨水井盖倾角传感器报警，井盖疑似翻起"],
        ["C0104"] = ["{0}电力井盖开启报警，无作业报备"],
        ["C0201"] = ["{0}路灯单灯控制器上报灯具故障"],
        ["E0402"] = ["{0}供水管网压力骤降，疑似管道破裂"],
        ["E0403"] = ["{0}积水监测点水位超过15厘米"],
    };

    private sealed record HistoryPlan(DateTimeOffset At, Guid? ActorId, string Action, string? FromState, string ToState,
        string? Reason, string Evidence, string Details);

    private sealed record CasePlan(
        CellPlan Cell, CategoryDef Category, string Source, bool Urgent, string Address, string Description,
        string? ReporterName, string? ReporterPhone, Guid? ReportedBy, double Lon, double Lat,
        DateTimeOffset CreatedAt, Case Case, List<HistoryPlan> History)
    {
        public DateTimeOffset UpdatedAt => History[^1].At;
    }

    /// <summary>What a case will go through, fixed before its times are drawn.</summary>
    private sealed record Outline(CaseState Target, CellPlan Cell, CategoryDef Category, string Source, bool Urgent,
        PersonPlan? Reporter, CaseAction[] Path, bool Late, bool? Overdue);

    private static List<CasePlan> PlanCases(Random rng, DateTimeOffset now, WorkingCalendar calendar, List<CellPlan> cells, Staffing staff)
    {
        var targets = StateMix.SelectMany(m => Enumerable.Repeat(m.State, m.Count)).ToArray();
        rng.Shuffle(targets);
        var demoCommunity = cells.Where(c => c.CommunityCode == DemoCommunityCode).ToArray();
        var demoCell = cells.Single(c => c.Code == DemoCellCode);
        var plans = new List<CasePlan>(targets.Length);
        foreach (var target in targets)
        {
            // The demo team should find work in its own cell and community when it signs in.
            var cell = rng.NextDouble() switch
            {
                < 0.06 => demoCell,
                < 0.16 => demoCommunity[rng.Next(demoCommunity.Length)],
                _ => cells[rng.Next(cells.Count)],
            };
            plans.Add(PlanCase(rng, now, calendar, staff, target, cell));
        }
        return [.. plans.OrderBy(p => p.CreatedAt)];
    }

    private static CasePlan PlanCase(Random rng, DateTimeOffset now, WorkingCalendar calendar, Staffing staff, CaseState target, CellPlan cell)
    {
        // A drawn outline may not fit (a 15-day case cannot be closed if reported yesterday): draw times again,
        // then, rarely, the whole outline. Should a state not fit at all around this `now`, a closed case stands in.
        foreach (var state in (CaseState[])[target, CaseState.Closed])
        {
            for (var outlineTry = 0; outlineTry < 30; outlineTry++)
            {
                var outline = DrawOutline(rng, staff, state, cell);
                for (var timeTry = 0; timeTry < 30; timeTry++)
                {
                    var created = DrawCreatedAt(rng, now, calendar.Zone, outline);
                    if (Simulate(rng, now, calendar, staff, outline, created) is { } plan)
                    {
                        return plan;
                    }
                }
            }
        }
        throw new InvalidOperationException($"No demo case ending {target.ToCode()} could be drawn for cell {cell.Code} before {now:u}.");
    }

    private static Outline DrawOutline(Random rng, Staffing staff, CaseState target, CellPlan cell)
    {
        var source = Pick(rng, SourceMix);
        var category = source switch
        {
            "sensor" => CategoryOf(Any(rng, SensorCategories)),
            "video" => PickWeighted(rng, Categories.Where(c => VideoCategories.Contains(c.Code)).ToList()),
            _ => PickWeighted(rng, Categories),
        };
        var urgent = rng.NextDouble() < (category.Code.StartsWith("E04", StringComparison.Ordinal) ? 0.5 : 0.06);
        var reporter = source switch
        {
            "field" => staff.Holder(cell.Code, rng.NextDouble() switch
            {
                < 0.60 => Role.GridWorker,
                < 0.85 => Role.Patroller,
                < 0.95 => Role.Informant,
                _ => Role.Inspector,
            }),
            // The command center files hotline tickets, hand-downs and what its video patrol sees.
            "hotline" or "higher_level" or "video" => staff.Operators[rng.Next(staff.Operators.Length)],
            _ => null,
        };
        var canSelfHandle = category.SelfHandle && reporter?.Role == Role.GridWorker;
        var path = DrawPath(rng, target, canSelfHandle);
        bool? overdue = target is CaseState.Dispatched or CaseState.InProgress ? rng.NextDouble() < 0.35 : null;
        return new Outline(target, cell, category, source, urgent, reporter, path, Late: rng.NextDouble() < 0.15, overdue);
    }

    private static CaseAction[] DrawPath(Random rng, CaseState target, bool canSelfHandle)
    {
        const CaseAction Register = CaseAction.Register, Dispatch = CaseAction.Dispatch, Accept = CaseAction.Accept,
            Feedback = CaseAction.Feedback, Verify = CaseAction.Verify, Rework = CaseAction.Rework, Return = CaseAction.Return,
            Extend = CaseAction.Extend, Hold = CaseAction.Hold, Resume = CaseAction.Resume, Cancel = CaseAction.Cancel;
        var r = rng.NextDouble();
        switch (target)
        {
            case CaseState.Reported: return [];
            case CaseState.Registered: return [Register];
            case CaseState.Cancelled:
                return r < 0.6 ? [Cancel] : r < 0.85 ? [Register, Cancel] : [Register, Dispatch, Return, Cancel];
            case CaseState.Dispatched:
                return r < 0.75 ? [Register, Dispatch] : r < 0.9 ? [Register, Dispatch, Return, Dispatch] : [Register, Dispatch, Extend];
            case CaseState.Returned:
                return r < 0.6 ? [Register, Dispatch, Return] : [Register, Dispatch, Accept, Return];
            case CaseState.InProgress:
                return r < 0.6 ? [Register, Dispatch, Accept]
                    : r < 0.75 ? [Register, Dispatch, Accept, Extend]
                    : r < 0.9 ? [Register, Dispatch, Accept, Feedback, Rework]
                    : [Register, Dispatch, Accept, Hold, Resume];
            case CaseState.OnHold:
                return r < 0.7 ? [Register, Dispatch, Accept, Hold] : [Register, Dispatch, Hold];
            case CaseState.Resolved:
                if (canSelfHandle && r < 0.6) return [CaseAction.SelfHandle];
                return rng.NextDouble() < 0.85 ? [Register, Dispatch, Accept, Feedback] : [Register, Dispatch, Accept, Feedback, Rework, Feedback];
            case CaseState.Closed:
                if (canSelfHandle && r < 0.8) return [CaseAction.SelfHandle, Verify];
                var path = new List<CaseAction> { Register, Dispatch };
                if (rng.NextDouble() < 0.06) path.AddRange([Return, Dispatch]);
                path.Add(Accept);
                if (rng.NextDouble() < 0.03) path.AddRange([Hold, Resume]);
                if (rng.NextDouble() < 0.10) path.Add(Extend);
                path.Add(Feedback);
                if (rng.NextDouble() < 0.08) path.AddRange([Rework, Feedback]);
                path.Add(Verify);
                if (rng.NextDouble() < 0.03) path.AddRange([CaseAction.Reopen, Dispatch, Accept, Feedback, Verify]);
                return [.. path];
            default:
                throw new ArgumentOutOfRangeException(nameof(target));
        }
    }

    /// <summary>When the report came in: recent for cases still waiting, any time in the last 30 days for the rest.</summary>
    private static DateTimeOffset DrawCreatedAt(Random rng, DateTimeOffset now, TimeZoneInfo zone, Outline o)
    {
        var (oldest, newest) = o.Target switch
        {
            CaseState.Reported => (TimeSpan.FromHours(6), TimeSpan.FromMinutes(5)),
            CaseState.Registered => (TimeSpan.FromHours(16), TimeSpan.FromMinutes(45)),
            CaseState.Returned => (TimeSpan.FromDays(4), TimeSpan.FromHours(2)),
            CaseState.Resolved => (TimeSpan.FromDays(12), TimeSpan.FromHours(3)),
            CaseState.Dispatched or CaseState.InProgress when o.Overdue == false => (TimeSpan.FromDays(6), TimeSpan.FromHours(1)),
            CaseState.Dispatched or CaseState.InProgress or CaseState.OnHold => (TimeSpan.FromDays(30), TimeSpan.FromDays(1)),
            _ => (TimeSpan.FromDays(30), TimeSpan.FromHours(4)),
        };
        // Staff in the field and the video patrol report in the daytime; citizens until late evening; sensors any time.
        var (dayStart, dayEnd) = o.Source switch
        {
            "field" or "video" or "higher_level" => (new TimeSpan(8, 0, 0), new TimeSpan(18, 0, 0)),
            "sensor" => (TimeSpan.Zero, TimeSpan.FromDays(1)),
            _ => (new TimeSpan(7, 0, 0), new TimeSpan(23, 0, 0)),
        };
        var at = now;
        for (var i = 0; i < 20; i++)
        {
            at = Seconds(now - oldest + (oldest - newest) * rng.NextDouble());
            var local = TimeZoneInfo.ConvertTime(at, zone).TimeOfDay;
            if (local >= dayStart && local < dayEnd) break;
        }
        return at;
    }

    /// <summary>Walks the outline through the domain's lifecycle; null when the walk does not fit before now.</summary>
    private static CasePlan? Simulate(Random rng, DateTimeOffset now, WorkingCalendar calendar, Staffing staff, Outline o, DateTimeOffset createdAt)
    {
        var cell = o.Cell;
        var category = o.Category;
        var limit = category.TimeLimit(o.Urgent);
        var c = Case.Restore(0, cell.Code, category.Code, CaseState.Reported, 1, o.Urgent, o.Reporter?.Id,
            null, null, null, null, 0, 0, null, null, null, null, null);
        var history = new List<HistoryPlan>
        {
            new(createdAt, o.Reporter?.Id, "report", null, CaseState.Reported.ToCode(), null, "[]",
                JsonSerializer.Serialize(new { source = o.Source, cell = cell.Code })),
        };
        var inspector = staff.Holder(cell.Code, Role.Inspector);
        var t = createdAt;
        var previous = (CaseAction?)null;
        foreach (var action in o.Path)
        {
            var at = Seconds(NextAt(rng, calendar, c, limit, o.Late, action, previous, t));
            if (at <= t) at = t.AddMinutes(1);
            if (at > now) return null;
            var deadline = c.Deadline;
            var result = action switch
            {
                CaseAction.Register => c.Register(ActorOf(Any(rng, staff.Operators)), at),
                CaseAction.Cancel => c.Cancel(ActorOf(c.State == CaseState.Returned ? Any(rng, staff.ShiftLeads) : Any(rng, staff.Operators)),
                    Any(rng, CancelReasons), at),
                CaseAction.Dispatch => c.Dispatch(ActorOf(Any(rng, staff.Dispatchers)), category.UnitId,
                    Handler(staff, cell.Code, category.HandlerRole).Id, limit, calendar, at),
                CaseAction.Accept => c.Accept(AssigneeActor(staff, c), at),
                CaseAction.Feedback => c.Feedback(AssigneeActor(staff, c), category.Fix, [], at),
                CaseAction.SelfHandle => c.SelfHandle(ActorOf(o.Reporter!), category.SelfHandle, category.Fix, [], at),
                CaseAction.Verify => c.Verify(ActorOf(inspector), $"现场核查：{category.ClosingCondition}，予以结案", [], at),
                CaseAction.Rework => c.Rework(ActorOf(inspector), Any(rng, ReworkReasons), [], limit, calendar, at),
                CaseAction.Return => c.Return(rng.NextDouble() < 0.7 ? AssigneeActor(staff, c) : ActorOf(Any(rng, staff.Dispatchers)),
                    Any(rng, ReturnReasons), at),
                CaseAction.Extend => c.Extend(ActorOf(Any(rng, staff.ShiftLeads)), calendar.Deadline(Max(deadline!.Value, at), limit),
                    Any(rng, ExtendReasons), at),
                CaseAction.Hold => c.Hold(ActorOf(Any(rng, staff.ShiftLeads)), Any(rng, HoldReasons), calendar, at),
                CaseAction.Resume => c.Resume(ActorOf(Any(rng, staff.ShiftLeads)), calendar, at),
                CaseAction.Reopen => c.Reopen(ActorOf(Any(rng, staff.Operators)), Any(rng, ReopenReasons), at),
                _ => throw new ArgumentOutOfRangeException(nameof(action)),
            };
            if (result.Step is not { } step)
            {
                throw new InvalidOperationException(
                    $"The demo walk of a {category.Code} case in {cell.Code} was refused at '{action.ToCode()}': {result.Refusal!.Message}");
            }
            history.Add(new HistoryPlan(step.At, step.ActorId, step.Action.ToCode(), step.From.ToCode(), step.To.ToCode(), step.Reason,
                JsonSerializer.Serialize(step.Evidence), JsonSerializer.Serialize(step.Details)));
            t = at;
            previous = action;
        }

        // Cases still waiting on someone should not have waited implausibly long; counted in working time,
        // so a seed during the Spring Festival week still finds fixes that wait for the inspector.
        var idle = calendar.WorkingTimeBetween(t, now);
        var fits = o.Target switch
        {
            CaseState.Resolved => idle <= 3 * calendar.WorkingHoursPerDay,
            CaseState.Returned => idle <= 2 * calendar.WorkingHoursPerDay,
            CaseState.Dispatched or CaseState.InProgress => (c.Deadline < now) == o.Overdue,
            _ => true,
        };
        if (!fits) return null;

        var (address, description) = Describe(rng, o);
        var (reporterName, reporterPhone) = o.Source switch
        {
            "citizen" or "hotline" => (CitizenName(rng), MobilePhone(rng)),
            "open311" or "web" when rng.NextDouble() < 0.4 => (CitizenName(rng), MobilePhone(rng)),
            _ => ((string?)null, (string?)null),
        };
        // Strictly inside the cell, so the point never lies on a shared edge.
        var lon = (double)cell.West + (0.08 + 0.84 * rng.NextDouble()) * (double)CellLon;
        var lat = (double)cell.South + (0.08 + 0.84 * rng.NextDouble()) * (double)CellLat;
        return new CasePlan(cell, category, o.Source, o.Urgent, address, description, reporterName, reporterPhone, o.Reporter?.Id,
            Math.Round(lon, 7), Math.Round(lat, 7), createdAt, c, history);
    }

    /// <summary>When the next step happens, given how such steps go in a command center that works office hours in the field.</summary>
    private static DateTimeOffset NextAt(Random rng, WorkingCalendar calendar, Case c, TimeLimit limit, bool late,
        CaseAction action, CaseAction? previous, DateTimeOffset t)
    {
        TimeSpan Minutes(double from, double to) => TimeSpan.FromMinutes(from + (to - from) * rng.NextDouble());
        DateTimeOffset Working(TimeSpan span) => calendar.AddWorkingTime(t, span);
        var remaining = c.Deadline is { } d ? calendar.WorkingTimeBetween(t, d) : TimeSpan.Zero;
        return action switch
        {
            CaseAction.Register => t + Minutes(5, 40),
            CaseAction.Cancel => t + Minutes(5, 90),
            CaseAction.Dispatch => t + (previous == CaseAction.Return ? Minutes(15, 90) : Minutes(3, 30)),
            CaseAction.Accept => t + Minutes(10, 150),
            CaseAction.SelfHandle => t + Minutes(5, 40),
            CaseAction.Feedback when previous == CaseAction.Rework => Working(Minutes(60, 360)),
            CaseAction.Feedback when late && c.Deadline is { } due =>
                calendar.AddWorkingTime(due, calendar.Duration(limit) * (0.1 + 0.7 * rng.NextDouble()) + TimeSpan.FromMinutes(10)),
            CaseAction.Feedback when remaining > TimeSpan.FromMinutes(20) => Working(remaining * (0.15 + 0.75 * rng.NextDouble())),
            CaseAction.Feedback => t + Minutes(20, 120),
            CaseAction.Verify or CaseAction.Rework => Working(Minutes(20, 300)),
            CaseAction.Return => t + Minutes(20, 240),
            CaseAction.Extend when remaining > TimeSpan.FromMinutes(30) => Working(remaining * (0.4 + 0.45 * rng.NextDouble())),
            CaseAction.Extend => t + Minutes(30, 180),
            CaseAction.Hold => Working(Minutes(60, 720)),
            CaseAction.Resume => Working(calendar.WorkingHoursPerDay * (1 + 5 * rng.NextDouble())),
            CaseAction.Reopen => t + Minutes(24 * 60, 4 * 24 * 60),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
    }

    private static (string Address, string Description) Describe(Random rng, Outline o)
    {
        var road = o.Cell.Roads[rng.Next(o.Cell.Roads.Length)];
        var address = $"{road}{rng.Next(1, 400)}号";
        var spot = address + Spots[rng.Next(Spots.Length)];
        var templates = o.Source == "sensor" && SensorProblems.TryGetValue(o.Category.Code, out var sensed) ? sensed : o.Category.Problems;
        var problem = string.Format(templates[rng.Next(templates.Length)], spot);
        var prefix = o.Source switch
        {
            "hotline" => "12345热线市民来电反映：",
            "higher_level" => "【市数字城管中心交办】",
            "video" => "视频巡查发现：",
            "sensor" => "物联网监测告警：",
            "citizen" or "open311" or "web" => "市民反映：",
            _ => "",
        };
        return (address, prefix + problem + (o.Urgent ? "，情况紧急，请尽快处置。" : "。"));
    }

    private static CategoryDef CategoryOf(string code) => Categories.Single(c => c.Code == code);

    private static Actor AssigneeActor(Staffing staff, Case c) =>
        ActorOf(staff.People.Single(p => p.Id == c.AssigneeId));

    private static T Any<T>(Random rng, IReadOnlyList<T> items) => items[rng.Next(items.Count)];

    private static string Pick(Random rng, (string Value, double Share)[] mix)
    {
        var x = rng.NextDouble();
        foreach (var (value, share) in mix)
        {
            if ((x -= share) < 0) return value;
        }
        return mix[^1].Value;
    }

    private static CategoryDef PickWeighted(Random rng, IReadOnlyList<CategoryDef> categories)
    {
        var x = rng.Next(categories.Sum(c => c.Weight));
        foreach (var c in categories)
        {
            if ((x -= c.Weight) < 0) return c;
        }
        return categories[^1];
    }

    private static DateTimeOffset Seconds(DateTimeOffset t) =>
        new DateTimeOffset(t.UtcTicks - t.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
