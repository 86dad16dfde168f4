using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Field;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Auth;

/// <summary>
/// Routes that read by id apply the scope rule of the lists (issue 14, item 2): a street-scoped
/// supervisor found a patrol track of another street by counting shift ids, and the dispatch
/// suggestion took any case id.
/// </summary>
public sealed class ReadByIdScopeTests
{
    [Fact]
    public async Task A_street_scoped_supervisor_reads_the_tracks_of_his_street_and_not_of_another_street()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var patroller = await here.PersonAsync(Role.Patroller, here.Cells[0]);
        var ownSupervisor = await here.PersonAsync([Role.Supervisor], [], street: here.Street);
        var otherSupervisor = await there.PersonAsync([Role.Supervisor], [], street: there.Street);
        var districtSupervisor = await here.PersonAsync([Role.Supervisor], []);

        var shift = await TestWorld.ReadAsync<ShiftView>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = true }), HttpStatusCode.Created);
        foreach (var cell in new[] { 0, 1 })
        {
            var (lat, lon) = here.Inside(cell);
            await TestWorld.ReadAsync<PositionAccepted>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat, lon, accuracy = 5 }));
        }
        var path = $"/api/field/patrol/shifts/{shift.Id}/track";

        var own = await TestWorld.ReadAsync<TrackView>(await ownSupervisor.Client.GetAsync(path));
        Assert.Equal([here.Cells[0], here.Cells[1]], own.Points.Select(p => p.CellCode));
        var district = await TestWorld.ReadAsync<TrackView>(await districtSupervisor.Client.GetAsync(path));
        Assert.Equal(2, district.Points.Count);

        var leak = await otherSupervisor.Client.GetAsync(path);
        var body = await leak.Content.ReadAsStringAsync();
        Assert.True(leak.StatusCode == HttpStatusCode.Forbidden, $"A supervisor of street {there.Street} read a track walked in street {here.Street}: {(int)leak.StatusCode} {body}");
        Assert.DoesNotContain(here.Cells[0], body);
    }

    [Fact]
    public async Task The_dispatch_suggestion_is_given_only_for_a_case_in_the_callers_scope()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var worker = await here.PersonAsync(Role.GridWorker, here.Cells[0]);
        var c = await here.ReportAsync(worker, 0);
        var path = $"/api/cases/{c.Id}/dispatch-suggestion";

        var ownDispatcher = await here.PersonAsync([Role.Dispatcher], [], street: here.Street);
        var otherDispatcher = await there.PersonAsync([Role.Dispatcher], [], street: there.Street);
        var districtDispatcher = await here.PersonAsync([Role.Dispatcher], []);

        await TestWorld.ReadAsync<DispatchSuggestion>(await ownDispatcher.Client.GetAsync(path));
        await TestWorld.ReadAsync<DispatchSuggestion>(await districtDispatcher.Client.GetAsync(path));
        var outside = await otherDispatcher.Client.GetAsync(path);
        Assert.True(outside.StatusCode == HttpStatusCode.Forbidden,
            $"A dispatcher of street {there.Street} got the suggestion for a case of street {here.Street}: {(int)outside.StatusCode} {await outside.Content.ReadAsStringAsync()}");
        // The grid worker sees the case but is no dispatcher.
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await districtDispatcher.Client.GetAsync($"/api/cases/{long.MaxValue}/dispatch-suggestion")).StatusCode);
    }
}
