using Grid.Domain.Incidents;
using Grid.Domain.People;

namespace Grid.Domain.Tests;

public class AssigneeRuleTests
{
    private static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    [Fact]
    public void The_on_duty_candidate_with_the_fewest_open_cases_is_chosen()
    {
        Candidate[] staff =
        [
            new(Id(1), Role.GridWorker, true, 5),
            new(Id(2), Role.GridWorker, true, 2),
            new(Id(3), Role.GridWorker, true, 3),
        ];

        Assert.Equal(Id(2), AssigneeRule.Choose(staff, Role.GridWorker)?.PersonId);
    }

    [Fact]
    public void A_tie_goes_to_the_smallest_person_id_whatever_the_order()
    {
        Candidate[] staff =
        [
            new(Id(9), Role.UnitStaff, true, 1),
            new(Id(4), Role.UnitStaff, true, 1),
            new(Id(7), Role.UnitStaff, true, 1),
        ];

        Assert.Equal(Id(4), AssigneeRule.Choose(staff, Role.UnitStaff)?.PersonId);
        Assert.Equal(Id(4), AssigneeRule.Choose(staff.Reverse(), Role.UnitStaff)?.PersonId);
    }

    [Fact]
    public void Off_duty_staff_are_passed_over_even_when_idle()
    {
        Candidate[] staff =
        [
            new(Id(1), Role.GridWorker, false, 0),
            new(Id(2), Role.GridWorker, true, 8),
        ];

        Assert.Equal(Id(2), AssigneeRule.Choose(staff, Role.GridWorker)?.PersonId);
    }

    [Fact]
    public void Other_roles_are_not_chosen()
    {
        Candidate[] staff =
        [
            new(Id(1), Role.Patroller, true, 0),
            new(Id(2), Role.GridWorker, true, 4),
        ];

        Assert.Equal(Id(2), AssigneeRule.Choose(staff, Role.GridWorker)?.PersonId);
    }

    [Fact]
    public void With_nobody_of_the_role_on_duty_the_least_loaded_grid_head_is_chosen()
    {
        Candidate[] staff =
        [
            new(Id(1), Role.GridWorker, false, 0),
            new(Id(2), Role.GridHead, true, 6),
            new(Id(3), Role.GridHead, true, 3),
            new(Id(4), Role.GridHead, false, 0),
        ];

        Assert.Equal(Id(3), AssigneeRule.Choose(staff, Role.GridWorker)?.PersonId);
    }

    [Fact]
    public void With_nobody_on_duty_no_one_is_chosen()
    {
        Candidate[] staff =
        [
            new(Id(1), Role.GridWorker, false, 0),
            new(Id(2), Role.GridHead, false, 0),
        ];

        Assert.Null(AssigneeRule.Choose(staff, Role.GridWorker));
        Assert.Null(AssigneeRule.Choose([], Role.GridWorker));
    }

    [Fact]
    public void With_nobody_of_the_cell_on_duty_the_units_least_loaded_person_on_duty_is_chosen_and_the_cell_still_comes_first()
    {
        Candidate[] cell = [new(Id(1), Role.GridWorker, false, 0), new(Id(2), Role.GridHead, false, 0)];
        Candidate[] unit = [new(Id(5), Role.UnitStaff, true, 4), new(Id(6), Role.UnitStaff, true, 1), new(Id(7), Role.UnitStaff, false, 0)];

        Assert.Equal((Id(6), AssigneeRuleStep.UnitOnDuty), Pick(AssigneeRule.ChooseWithStep(cell, Role.GridWorker, unit)));
        Assert.Equal((null, AssigneeRuleStep.UnitOnly), Pick(AssigneeRule.ChooseWithStep(cell, Role.GridWorker, [])));
        Candidate[] headOnDuty = [new(Id(1), Role.GridWorker, false, 0), new(Id(2), Role.GridHead, true, 9)];
        Assert.Equal((Id(2), AssigneeRuleStep.GridHeadFallback), Pick(AssigneeRule.ChooseWithStep(headOnDuty, Role.GridWorker, unit)));
    }

    private static (Guid?, AssigneeRuleStep) Pick((Candidate? Chosen, AssigneeRuleStep Step) r) => (r.Chosen?.PersonId, r.Step);
}
