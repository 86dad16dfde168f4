using Grid.Domain.Incidents;
using Grid.Domain.People;
using static Grid.Domain.Incidents.CaseAction;
using static Grid.Domain.Incidents.CaseState;
using static Grid.Domain.People.Role;

namespace Grid.Domain.Tests;

public class LifecycleTests
{
    // The lifecycle of DOMAIN.md, written out by hand so the test does not read the code's own table back.
    private static readonly (CaseState From, CaseAction Action, CaseState To)[] ExpectedTransitions =
    [
        (Reported,   Register,   Registered),
        (Reported,   Cancel,     Cancelled),
        (Reported,   SelfHandle, Resolved),
        (Registered, Dispatch,   Dispatched),
        (Registered, Cancel,     Cancelled),
        (Registered, SelfHandle, Resolved),
        (Returned,   Dispatch,   Dispatched),
        (Returned,   Cancel,     Cancelled),
        (Dispatched, Accept,     InProgress),
        (Dispatched, SelfHandle, Resolved),
        (Dispatched, Return,     Returned),
        (Dispatched, Extend,     Dispatched),
        (Dispatched, Hold,       OnHold),
        (InProgress, Feedback,   Resolved),
        (InProgress, Return,     Returned),
        (InProgress, Extend,     InProgress),
        (InProgress, Hold,       OnHold),
        (OnHold,     Resume,     InProgress),
        (Resolved,   Verify,     Closed),
        (Resolved,   Rework,     InProgress),
        (Closed,     Reopen,     Registered),
    ];

    private static readonly Dictionary<CaseAction, Role[]> ExpectedRoles = new()
    {
        [Register]   = [Operator, ShiftLead],
        [Cancel]     = [Operator, ShiftLead],
        [Dispatch]   = [Operator, Dispatcher, ShiftLead],
        [Accept]     = [GridHead, GridWorker, UnitStaff],
        [Feedback]   = [GridHead, GridWorker, UnitStaff],
        [SelfHandle] = [GridHead, GridWorker],
        [Verify]     = [Inspector],
        [Rework]     = [Inspector],
        [Return]     = [GridHead, GridWorker, UnitStaff, Operator, Dispatcher, ShiftLead],
        [Extend]     = [Operator, ShiftLead],
        [Hold]       = [Operator, ShiftLead],
        [Resume]     = [Operator, ShiftLead],
        [Reopen]     = [Operator, ShiftLead, Inspector, Supervisor],
    };

    public static TheoryData<CaseState, CaseAction, Role> EveryStateActionAndRole()
    {
        var data = new TheoryData<CaseState, CaseAction, Role>();
        foreach (var state in Enum.GetValues<CaseState>())
            foreach (var action in Enum.GetValues<CaseAction>())
                foreach (var role in Enum.GetValues<Role>())
                    data.Add(state, action, role);
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryStateActionAndRole))]
    public void Decide_allows_exactly_the_expected_transitions_for_the_expected_roles(CaseState state, CaseAction action, Role role)
    {
        var transition = ExpectedTransitions.Where(t => t.From == state && t.Action == action).ToList();
        var expectedAllowed = transition.Count == 1 && ExpectedRoles[action].Contains(role);

        var decision = Lifecycle.Decide(state, action, [role]);

        Assert.Equal(expectedAllowed, decision.Allowed);
        Assert.Equal(state, decision.From);
        if (expectedAllowed)
        {
            Assert.Equal(transition[0].To, decision.To);
            Assert.Null(decision.Refusal);
        }
        else
        {
            Assert.Equal(state, decision.To);
            Assert.False(string.IsNullOrWhiteSpace(decision.Refusal));
            Assert.Contains(action.ToCode(), decision.Refusal);
        }
    }

    [Fact]
    public void Every_action_has_an_expected_role_set()
    {
        Assert.Equal(Enum.GetValues<CaseAction>().Order(), ExpectedRoles.Keys.Order());
    }

    [Theory]
    [InlineData(Register)]
    [InlineData(Dispatch)]
    [InlineData(Reopen)]
    public void Any_action_on_a_cancelled_case_is_refused_as_final(CaseAction action)
    {
        var decision = Lifecycle.Decide(Cancelled, action, Enum.GetValues<Role>());

        Assert.False(decision.Allowed);
        Assert.Contains("final", decision.Refusal);
    }

    [Fact]
    public void Dispatch_from_reported_is_refused_and_says_what_is_possible()
    {
        var decision = Lifecycle.Decide(Reported, Dispatch, [Dispatcher]);

        Assert.False(decision.Allowed);
        Assert.Contains("register", decision.Refusal);
    }

    [Fact]
    public void A_person_with_several_roles_is_allowed_when_any_role_may_act()
    {
        var decision = Lifecycle.Decide(Resolved, Verify, [GridWorker, Inspector]);

        Assert.True(decision.Allowed);
        Assert.Equal(Closed, decision.To);
    }

    [Fact]
    public void Someone_without_roles_is_refused_with_the_roles_needed()
    {
        var decision = Lifecycle.Decide(Resolved, Verify, []);

        Assert.False(decision.Allowed);
        Assert.Contains(Inspector.ToCode(), decision.Refusal);
    }
}
