using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>The ladder preview: when each rung would fire for a case dispatched now, by the rule that applies or an unsaved one.</summary>
public sealed class LadderAdminTests
{
    private static int _next = Random.Shared.Next(0, 90);

    private static async Task<(TestWorld World, TestUser Admin, string Code)> CategoryAsync(int limitHours)
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var code = $"C{9700 + Interlocked.Increment(ref _next) % 100:D4}";
        var body = new
        {
            code, majorNameZh = "阶梯测试", nameZh = "阶梯测试" + code, limitValue = limitHours, limitUnit = "working_hours",
            urgentLimitValue = 1, urgentLimitUnit = "working_hours", defaultUnitId = TestCatalogue.Unit, handlerRole = "grid_worker",
        };
        var created = await admin.Client.PostAsJsonAsync("/api/admin/categories", body);
        Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, await created.Content.ReadAsStringAsync());
        return (world, admin, code);
    }

    private sealed record Rung(string level, DateTimeOffset dueAt, double workingHoursAfterDispatch);
    private sealed record Preview(string categoryCode, string priority, DateTimeOffset dispatchedAt, DateTimeOffset deadline, string? rulePrefix,
        string? rulePriority, bool proposed, List<Rung> rungs);
    private sealed record Ladder(long id, string? categoryPrefix, string? priority, int version);

    [Fact]
    public async Task The_preview_places_each_rung_of_the_rule_that_applies_in_working_time_after_a_dispatch_now()
    {
        var (_, admin, code) = await CategoryAsync(10);
        var saved = await TestWorld.ReadAsync<Ladder>(await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, priority = "normal", warningFraction = 0.5, delaysSeconds = new[] { 0, 3600 } }));

        var before = DateTimeOffset.UtcNow;
        var preview = await TestWorld.ReadAsync<Preview>(await admin.Client.GetAsync($"/api/escalation/ladders/preview?category={code}&priority=normal"));
        Assert.InRange(preview.dispatchedAt, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal((code, "normal", false), (preview.rulePrefix, preview.rulePriority, preview.proposed));
        Assert.Equal(["warning", "assignee", "grid_head"], preview.rungs.Select(r => r.level));
        Assert.Equal([5.0, 10.0, 11.0], preview.rungs.Select(r => r.workingHoursAfterDispatch));
        Assert.Equal(preview.deadline, preview.rungs[1].dueAt);

        // An urgent case of the same category falls to the default ladder (assignee at the deadline, then 2, 4, 8 working hours).
        var urgent = await TestWorld.ReadAsync<Preview>(await admin.Client.GetAsync($"/api/escalation/ladders/preview?category={code}&priority=urgent"));
        Assert.Null(urgent.rulePrefix);
        Assert.Equal(["warning", "assignee", "grid_head", "street_leader", "district"], urgent.rungs.Select(r => r.level));
        Assert.Equal([1.0, 3.0, 7.0, 15.0], urgent.rungs.Skip(1).Select(r => r.workingHoursAfterDispatch));

        // An unsaved ladder is previewed and nothing is written.
        var proposed = await TestWorld.ReadAsync<Preview>(await admin.Client.PostAsJsonAsync($"/api/escalation/ladders/preview?category={code}&priority=normal",
            new { categoryPrefix = code, priority = "normal", warningFraction = 0.0, delaysSeconds = new[] { 7200 } }));
        Assert.True(proposed.proposed);
        Assert.Equal(["assignee"], proposed.rungs.Select(r => r.level));
        Assert.Equal(12.0, proposed.rungs[0].workingHoursAfterDispatch);
        var ladders = await TestWorld.ReadAsync<List<Ladder>>(await admin.Client.GetAsync("/api/escalation/ladders"));
        Assert.Equal(saved.version, ladders.Single(l => l.id == saved.id).version);
    }

    /// <summary>
    /// What an administrator saves is checked at each bound (the database's own checks of migration 0070 are the
    /// same): a warning fraction from 0 (no warning) to below 1 with at most three decimals, at most four delays,
    /// each 0 to 30 days of working seconds. Just past a bound the answer is 400 naming that field alone, and the saved rule stays as it was.
    /// </summary>
    [Fact]
    public async Task A_saved_ladder_is_checked_at_each_bound_and_a_refusal_names_the_field()
    {
        var (_, admin, code) = await CategoryAsync(8);
        var saved = await TestWorld.ReadAsync<Ladder>(await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, priority = "urgent", warningFraction = 0.0, delaysSeconds = new[] { 0, 1, 2592000, 2592000 } }));
        saved = await TestWorld.ReadAsync<Ladder>(await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, priority = "urgent", warningFraction = 0.999, delaysSeconds = Array.Empty<int>(), saved.version }));

        var refused = new (object Body, string Field)[]
        {
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 1.0, delaysSeconds = new[] { 0 } }, "warningFraction"),
            (new { categoryPrefix = code, priority = "urgent", warningFraction = -0.001, delaysSeconds = new[] { 0 } }, "warningFraction"),
            // The column keeps three decimals: 0.9995 would be stored as 1 and 0.0004 as 0 (no warning).
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 0.9995, delaysSeconds = new[] { 0 } }, "warningFraction"),
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 0.0004, delaysSeconds = new[] { 0 } }, "warningFraction"),
            (new { categoryPrefix = code, priority = "urgent", delaysSeconds = new[] { 0 } }, "warningFraction"),
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 0.8, delaysSeconds = new[] { 0, 2592001 } }, "delaysSeconds"),
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 0.8, delaysSeconds = new[] { 0, -1 } }, "delaysSeconds"),
            (new { categoryPrefix = code, priority = "urgent", warningFraction = 0.8, delaysSeconds = new[] { 0, 0, 0, 0, 0 } }, "delaysSeconds"),
            (new { categoryPrefix = code + "1", priority = "urgent", warningFraction = 0.8, delaysSeconds = new[] { 0 } }, "categoryPrefix"),
            (new { categoryPrefix = code, priority = "high", warningFraction = 0.8, delaysSeconds = new[] { 0 } }, "priority"),
        };
        foreach (var (body, field) in refused)
        {
            var response = await admin.Client.PostAsJsonAsync("/api/escalation/ladders", body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{JsonSerializer.Serialize(body)}: {(int)response.StatusCode} {text}");
            Assert.Equal([field], JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        }
        var ladders = await TestWorld.ReadAsync<List<Ladder>>(await admin.Client.GetAsync("/api/escalation/ladders"));
        Assert.Equal(saved.version, ladders.Single(l => l.id == saved.id).version);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/escalation/ladders/{saved.id}")).StatusCode);
    }

    [Fact]
    public async Task A_stale_ladder_change_gets_409_bad_input_400_and_only_administrators_preview_unsaved_ladders()
    {
        var (world, admin, code) = await CategoryAsync(8);
        var saved = await TestWorld.ReadAsync<Ladder>(await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, warningFraction = 0.8, delaysSeconds = new[] { 0 } }));
        var again = await TestWorld.ReadAsync<Ladder>(await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, warningFraction = 0.7, delaysSeconds = new[] { 0 }, saved.version }));
        Assert.Equal(saved.version + 1, again.version);
        var stale = await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = code, warningFraction = 0.6, delaysSeconds = new[] { 0 }, saved.version });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(again.version, (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current").GetProperty("version").GetInt32());

        var unknown = await admin.Client.GetAsync("/api/escalation/ladders/preview?category=E0000&priority=normal");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("There is no category", await unknown.Content.ReadAsStringAsync());

        var dispatcher = await world.PersonAsync([Role.Dispatcher], []);
        Assert.Equal(HttpStatusCode.Forbidden, (await dispatcher.Client.GetAsync($"/api/escalation/ladders/preview?category={code}")).StatusCode);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        Assert.Equal(HttpStatusCode.OK, (await supervisor.Client.GetAsync($"/api/escalation/ladders/preview?category={code}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.Client.PostAsJsonAsync($"/api/escalation/ladders/preview?category={code}",
            new { warningFraction = 0.5, delaysSeconds = new[] { 0 } })).StatusCode);
    }
}
