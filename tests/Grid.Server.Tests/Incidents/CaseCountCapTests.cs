using System.Net;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// GET /api/cases counts matching cases only up to Grid:CaseCountCap and then says "at least" (totalCapped),
/// so a city-wide filter does not read every case it matches for a number the page only shows.
/// A server of its own with a cap of 3; the viewer is a grid head serving only this test's cells.
/// </summary>
public sealed class CaseCountCapTests
{
    private static async Task<(long Total, bool Capped, int Items)> PageAsync(TestUser user, string query)
    {
        var response = await user.Client.GetAsync("/api/cases?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/api/cases?{query}: {(int)response.StatusCode} {body}");
        var page = JsonDocument.Parse(body).RootElement;
        return (page.GetProperty("total").GetInt64(), page.GetProperty("totalCapped").GetBoolean(), page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task The_total_is_exact_up_to_the_cap_and_beyond_it_says_at_least_the_cap_for_open_and_other_filters()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("cap"),
            settings: new Dictionary<string, string?> { ["Grid:CaseCountCap"] = "3" });
        var world = await TestWorld.CreateAsync(server);
        var head = await world.PersonAsync(Role.GridHead, world.Cells);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells);
        var op = await world.PersonAsync([Role.Operator], []);
        for (var i = 0; i < 3; i++) await world.ReportAsync(worker, i);

        Assert.Equal((3L, false, 3), await PageAsync(head, "pageSize=50"));
        Assert.Equal((3L, false, 3), await PageAsync(head, "state=reported,registered&pageSize=50"));

        var fourth = await world.ReportAsync(worker, 3);
        Assert.Equal((3L, true, 4), await PageAsync(head, "pageSize=50"));
        // The open-cases form of the query (every asked state open) caps the same way.
        Assert.Equal((3L, true, 4), await PageAsync(head, "state=reported,registered&pageSize=50"));
        Assert.Equal((3L, true, 2), await PageAsync(head, "state=reported&pageSize=2"));

        // Under the cap again through a filter: exact, and the open form leaves out what is no longer open.
        await op.StepOkAsync(fourth.Id, "cancel", new { reason = "reported twice" });
        Assert.Equal((3L, false, 3), await PageAsync(head, "state=reported,registered&pageSize=50"));
        Assert.Equal((1L, false, 1), await PageAsync(head, "state=cancelled&pageSize=50"));
        Assert.Equal((1L, false, 1), await PageAsync(head, $"cell={world.Cells[0]}&pageSize=50"));
    }
}
