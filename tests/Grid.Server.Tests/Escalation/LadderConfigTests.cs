using Grid.Server.Escalation;
using Microsoft.Extensions.Configuration;

namespace Grid.Server.Tests.Escalation;

public sealed class LadderConfigTests
{
    private static EscalationOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection("Grid:Escalation").Get<EscalationOptions>()!;

    [Fact]
    public void The_most_specific_ladder_rule_wins_for_a_category_and_priority()
    {
        var options = Bind(new()
        {
            ["Grid:Escalation:Delays"] = "0,100,200,300",
            ["Grid:Escalation:Ladders:0:Category"] = "E01",
            ["Grid:Escalation:Ladders:0:Delays"] = "0,60",
            ["Grid:Escalation:Ladders:1:Category"] = "E0102",
            ["Grid:Escalation:Ladders:1:Priority"] = "urgent",
            ["Grid:Escalation:Ladders:1:WarningFraction"] = "0.5",
            ["Grid:Escalation:Ladders:1:Delays"] = "0,30,30,30",
            ["Grid:Escalation:Ladders:2:Priority"] = "urgent",
            ["Grid:Escalation:Ladders:2:Delays"] = "0,10",
        });

        var urgentGarbage = options.LadderFor("E0102", "urgent");
        Assert.Equal(0.5, urgentGarbage.WarningFraction);
        Assert.Equal([0, 30, 30, 30], urgentGarbage.Delays.Select(d => d.TotalSeconds));
        Assert.Equal([0, 60], options.LadderFor("E0102", "normal").Delays.Select(d => d.TotalSeconds));
        Assert.Equal([0, 10], options.LadderFor("C0101", "urgent").Delays.Select(d => d.TotalSeconds));
        var plain = options.LadderFor("C0101", "normal");
        Assert.Equal(0.8, plain.WarningFraction);
        Assert.Equal([0, 100, 200, 300], plain.Delays.Select(d => d.TotalSeconds));
        Assert.Equal(0.5, options.EarliestFraction);
    }

    [Fact]
    public void A_warning_fraction_of_zero_means_no_warning()
    {
        var options = Bind(new() { ["Grid:Escalation:WarningFraction"] = "0" });
        Assert.Null(options.LadderFor("E9901", "normal").WarningFraction);
        Assert.Equal(1, options.EarliestFraction);
    }
}
