using Grid.Domain.Escalation;
using Grid.Domain.Incidents;
using Grid.Domain.People;

namespace Grid.Domain.Tests;

/// <summary>The stored codes of roles, states, actions and levels: each round-trips, unknown codes are refused.</summary>
public sealed class CodesTests
{
    [Theory]
    [InlineData(Role.GridHead, "grid_head")]
    [InlineData(Role.GridWorker, "grid_worker")]
    [InlineData(Role.Patroller, "patroller")]
    [InlineData(Role.Informant, "informant")]
    [InlineData(Role.Inspector, "inspector")]
    [InlineData(Role.Liaison, "liaison")]
    [InlineData(Role.Operator, "operator")]
    [InlineData(Role.ShiftLead, "shift_lead")]
    [InlineData(Role.Dispatcher, "dispatcher")]
    [InlineData(Role.Supervisor, "supervisor")]
    [InlineData(Role.UnitStaff, "unit_staff")]
    [InlineData(Role.Admin, "admin")]
    public void Roles_round_trip_through_their_codes(Role role, string code)
    {
        Assert.Equal(code, role.ToCode());
        Assert.True(Roles.TryParse(code, out var parsed));
        Assert.Equal(role, parsed);
        Assert.Equal(role, Roles.Parse(code));
    }

    [Theory]
    [InlineData("")]
    [InlineData("GridHead")]
    [InlineData("mayor")]
    public void Unknown_role_codes_are_refused(string code)
    {
        Assert.False(Roles.TryParse(code, out var r));
        Assert.Equal(default, r);
        var e = Assert.Throws<ArgumentException>(() => Roles.Parse(code));
        Assert.Contains($"'{code}'", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((Role)99).ToCode());
    }

    [Fact]
    public void The_cell_team_is_the_six_posts_and_they_are_the_cell_scoped_roles()
    {
        Assert.Equal([Role.GridHead, Role.GridWorker, Role.Patroller, Role.Informant, Role.Inspector, Role.Liaison], Roles.CellTeam);
        Assert.True(Roles.CellScoped.SetEquals(Roles.CellTeam));
        Assert.True(Roles.AreaWide.SetEquals([Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor, Role.Admin]));
        Assert.DoesNotContain(Role.UnitStaff, Roles.CellScoped);
        Assert.DoesNotContain(Role.UnitStaff, Roles.AreaWide);
    }

    [Theory]
    [InlineData(CaseState.Reported, "reported", true, false)]
    [InlineData(CaseState.Registered, "registered", true, false)]
    [InlineData(CaseState.Dispatched, "dispatched", true, true)]
    [InlineData(CaseState.InProgress, "in_progress", true, true)]
    [InlineData(CaseState.OnHold, "on_hold", true, false)]
    [InlineData(CaseState.Returned, "returned", true, false)]
    [InlineData(CaseState.Resolved, "resolved", true, false)]
    [InlineData(CaseState.Closed, "closed", false, false)]
    [InlineData(CaseState.Cancelled, "cancelled", false, false)]
    public void States_round_trip_and_say_whether_open_and_whether_the_clock_runs(CaseState state, string code, bool open, bool clockRuns)
    {
        Assert.Equal(code, state.ToCode());
        Assert.Equal(state, CaseCodes.ParseState(code));
        Assert.True(CaseCodes.TryParseState(code, out var parsed));
        Assert.Equal(state, parsed);
        Assert.Equal(open, state.IsOpen());
        Assert.Equal(clockRuns, state.ClockRuns());
    }

    [Fact]
    public void Unknown_state_and_action_codes_are_refused()
    {
        Assert.False(CaseCodes.TryParseState("InProgress", out var s));
        Assert.Equal(default, s);
        Assert.Contains("'open'", Assert.Throws<ArgumentException>(() => CaseCodes.ParseState("open")).Message);
        Assert.False(CaseCodes.TryParseAction("selfhandle", out var a));
        Assert.Equal(default, a);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((CaseState)99).ToCode());
    }

    [Theory]
    [InlineData(CaseAction.Register, "register")]
    [InlineData(CaseAction.SelfHandle, "self_handle")]
    [InlineData(CaseAction.Reopen, "reopen")]
    [InlineData(CaseAction.Return, "return")]
    public void Actions_round_trip_through_their_codes(CaseAction action, string code)
    {
        Assert.Equal(code, action.ToCode());
        Assert.True(CaseCodes.TryParseAction(code, out var parsed));
        Assert.Equal(action, parsed);
    }

    [Fact]
    public void Every_action_code_parses_back_to_its_action()
    {
        foreach (var action in Enum.GetValues<CaseAction>())
        {
            Assert.True(CaseCodes.TryParseAction(action.ToCode(), out var parsed), action.ToString());
            Assert.Equal(action, parsed);
        }
    }

    [Fact]
    public void Escalation_levels_parse_and_unknown_ones_are_refused()
    {
        foreach (var level in Enum.GetValues<EscalationLevel>())
        {
            Assert.Equal(level, EscalationLevels.Parse(level.ToCode()));
        }
        Assert.False(EscalationLevels.TryParse("overdue", out var l));
        Assert.Equal(default, l);
        Assert.False(EscalationLevels.TryParse(null, out _));
        Assert.Contains("'overdue'", Assert.Throws<ArgumentException>(() => EscalationLevels.Parse("overdue")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ((EscalationLevel)99).ToCode());
        Assert.Equal([EscalationLevel.Warning, EscalationLevel.Assignee, EscalationLevel.GridHead, EscalationLevel.StreetLeader, EscalationLevel.District],
            EscalationLevels.Automatic);
    }
}
