using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Staff;

/// <summary>Issue 11, duty: routing follows a cell's roster (shifts, leave with a substitute) and says which rule applied.</summary>
public sealed class DutyRosterTests
{
    private static async Task<DispatchSuggestion> SuggestAsync(TestUser op, long caseId) =>
        await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{caseId}/dispatch-suggestion"));

    private static async Task<RosterView> AddAsync(TestUser admin, string cell, object shift) =>
        await TestWorld.ReadAsync<RosterView>(await admin.Client.PostAsJsonAsync($"/api/admin/duty/{cell}/shifts", shift), HttpStatusCode.Created);

    [Fact]
    public async Task Routing_follows_the_duty_roster_shift_leave_and_substitute_and_says_which_rule_applied()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var substitute = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        var cell = world.Cells[0];
        var report = await world.ReportAsync(op, 0);
        await op.StepOkAsync(report.Id, "register");
        var now = DateTimeOffset.UtcNow;

        // No roster: everyone on post (and marked on duty) counts, as before rosters.
        var plain = await SuggestAsync(op, report.Id);
        Assert.Equal(worker.Id, plain.AssigneeId);
        Assert.Contains("no duty roster for this cell", plain.Rule);

        // A roster with only the grid head on shift now: the worker is off duty, the case goes to the head.
        var headShift = await AddAsync(admin, cell, new { personId = head.Id, kind = "duty", startsAt = now.AddHours(-1), endsAt = now.AddHours(8) });
        Assert.True(headShift.HasRoster);
        Assert.Equal([head.Id], headShift.OnDutyNow);
        var toHead = await SuggestAsync(op, report.Id);
        Assert.Equal(head.Id, toHead.AssigneeId);
        Assert.StartsWith("no grid_worker on duty", toHead.Rule);
        Assert.Contains($"per the duty roster of cell {cell}", toHead.Rule);

        // The worker's shift now: he takes it.
        var withWorker = await AddAsync(admin, cell, new { personId = worker.Id, kind = "duty", startsAt = now.AddHours(-1), endsAt = now.AddHours(8) });
        Assert.Equal(worker.Id, (await SuggestAsync(op, report.Id)).AssigneeId);

        // On leave with a substitute: the substitute stands in his post.
        var leave = await AddAsync(admin, cell, new { personId = worker.Id, kind = "leave", startsAt = now.AddMinutes(-30), endsAt = now.AddHours(2), substituteId = substitute.Id, note = "病假" });
        var toSubstitute = await SuggestAsync(op, report.Id);
        Assert.Equal(substitute.Id, toSubstitute.AssigneeId);
        Assert.StartsWith("the least-loaded grid_worker on duty", toSubstitute.Rule);

        // Nobody on shift now (only a shift tomorrow keeps the roster): the unit, without a named person.
        foreach (var id in withWorker.Shifts.Select(s => s.Id).Concat(leave.Shifts.Select(s => s.Id)).Distinct())
            Assert.Equal(HttpStatusCode.OK, (await admin.Client.DeleteAsync($"/api/admin/duty/{cell}/shifts/{id}")).StatusCode);
        await AddAsync(admin, cell, new { personId = head.Id, kind = "duty", startsAt = now.AddDays(1), endsAt = now.AddDays(1).AddHours(8) });
        var toUnit = await SuggestAsync(op, report.Id);
        Assert.Null(toUnit.AssigneeId);
        Assert.StartsWith("neither a grid_worker nor the grid head", toUnit.Rule);
        Assert.Equal(TestCatalogue.Unit, toUnit.UnitId);

        await using var conn = await server.Db.OpenConnectionAsync();
        var audit = (await conn.QueryAsync<(string Action, string Details)>(
            "select action, details::text from audit_log where subject = @S and actor_id = @A order by id", new { S = $"cell:{cell}", A = admin.Id })).ToList();
        Assert.Equal(4, audit.Count(a => a.Action == "duty_shift_added"));
        var removed = audit.First(a => a.Action == "duty_shift_removed");
        var d = JsonDocument.Parse(removed.Details).RootElement;
        Assert.Equal(JsonValueKind.Null, d.GetProperty("after").ValueKind);
        Assert.Equal("duty", d.GetProperty("before").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task A_bad_shift_is_refused_with_what_to_fix_and_another_streets_roster_is_out_of_reach()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var worker = await here.PersonAsync(Role.GridWorker, here.Cells[0]);
        var theirs = await there.PersonAsync(Role.GridWorker, there.Cells[0]);
        var now = DateTimeOffset.UtcNow;

        var backwards = await streetAdmin.Client.PostAsJsonAsync($"/api/admin/duty/{here.Cells[0]}/shifts",
            new { personId = worker.Id, kind = "duty", startsAt = now.AddHours(3), endsAt = now.AddHours(1) });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Contains("The end must come after the start", await backwards.Content.ReadAsStringAsync());
        var stranger = await streetAdmin.Client.PostAsJsonAsync($"/api/admin/duty/{here.Cells[0]}/shifts",
            new { personId = theirs.Id, kind = "duty", startsAt = now, endsAt = now.AddHours(1) });
        Assert.Equal(HttpStatusCode.BadRequest, stranger.StatusCode);
        Assert.Contains("holding a post in cell", await stranger.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.GetAsync($"/api/admin/duty/{there.Cells[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.PostAsJsonAsync($"/api/admin/duty/{there.Cells[0]}/shifts",
            new { personId = theirs.Id, kind = "duty", startsAt = now, endsAt = now.AddHours(1) })).StatusCode);
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from duty_shifts where cell_code in (@A, @B)", new { A = here.Cells[0], B = there.Cells[0] }));
    }
}
