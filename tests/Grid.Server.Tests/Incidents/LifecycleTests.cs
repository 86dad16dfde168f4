using System.Net;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;

namespace Grid.Server.Tests.Incidents;

public sealed class LifecycleTests
{
    [Fact]
    public async Task A_case_goes_from_report_to_closed_with_every_step_in_its_history()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);

        var reported = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        Assert.Equal("reported", reported.State);
        Assert.Equal(world.Cells[0], reported.CellCode);

        var registered = await op.StepOkAsync(reported.Id, "register");
        Assert.Equal("registered", registered.State);

        var dispatched = await op.StepOkAsync(reported.Id, "dispatch");
        Assert.Equal("dispatched", dispatched.State);
        Assert.Equal(TestCatalogue.OtherUnit, dispatched.AssignedUnitId);
        Assert.Equal(worker.Id, dispatched.AssigneeId);
        Assert.NotNull(dispatched.Deadline);
        Assert.True(dispatched.Clock.RemainingSeconds > 0);

        var accepted = await worker.StepOkAsync(reported.Id, "accept");
        Assert.Equal("in_progress", accepted.State);
        // Evidence is the worker's own uploaded photo, cited by its ref.
        var after = await worker.UploadOkAsync(TestImages.Jpeg(salt: "cover" + Guid.NewGuid()));
        var resolved = await worker.StepOkAsync(reported.Id, "feedback", new { note = "Cover replaced", evidence = new[] { after.Ref } });
        Assert.Equal("resolved", resolved.State);
        var closed = await inspector.StepOkAsync(reported.Id, "verify", new { note = "Checked on site" });
        Assert.Equal("closed", closed.State);
        Assert.NotNull(closed.ClosedAt);

        var history = closed.History!;
        Assert.Equal(["report", "register", "dispatch", "accept", "feedback", "verify"], history.Select(h => h.Action));
        Assert.Equal([worker.Id, op.Id, op.Id, worker.Id, worker.Id, inspector.Id], history.Select(h => h.ActorId!.Value));
        Assert.Equal(after.Ref, history[4].Evidence[0].GetString());
        Assert.Equal(history.Count, closed.Version);
    }

    [Fact]
    public async Task Rework_sends_the_case_back_to_handling_and_counts()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 1);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        await worker.StepOkAsync(c.Id, "accept");
        await worker.StepOkAsync(c.Id, "feedback");

        var missingReason = await inspector.StepAsync(c.Id, "rework");
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);

        var rework = await inspector.StepOkAsync(c.Id, "rework", new { reason = "Garbage still there" });
        Assert.Equal("in_progress", rework.State);
        Assert.Equal(1, rework.ReworkCount);
        await worker.StepOkAsync(c.Id, "feedback");
        Assert.Equal("closed", (await inspector.StepOkAsync(c.Id, "verify")).State);
    }

    [Fact]
    public async Task Return_then_redispatch_to_another_unit_and_person()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[2]);
        var dispatcher = await world.PersonAsync([Role.Dispatcher], []);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 2);
        await op.StepOkAsync(c.Id, "register");
        await dispatcher.StepOkAsync(c.Id, "dispatch");

        var returned = await worker.StepOkAsync(c.Id, "return", new { reason = "Not garbage: a road defect" });
        Assert.Equal("returned", returned.State);
        Assert.Null(returned.AssigneeId);
        Assert.Null(returned.Deadline);

        var again = await dispatcher.StepOkAsync(c.Id, "dispatch", new { unitId = TestCatalogue.OtherUnit, assigneeId = head.Id });
        Assert.Equal("dispatched", again.State);
        Assert.Equal(TestCatalogue.OtherUnit, again.AssignedUnitId);
        Assert.Equal(head.Id, again.AssigneeId);
    }

    [Fact]
    public async Task Extension_moves_the_deadline_and_hold_pauses_the_clock_until_resume()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var lead = await world.PersonAsync([Role.ShiftLead], []);
        var c = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        await lead.StepOkAsync(c.Id, "register");
        var dispatched = await lead.StepOkAsync(c.Id, "dispatch");
        await worker.StepOkAsync(c.Id, "accept");

        var tooEarly = await lead.StepAsync(c.Id, "extend", new { reason = "Parts on order", deadline = dispatched.Deadline!.Value.AddHours(-1) });
        Assert.Equal(HttpStatusCode.BadRequest, tooEarly.StatusCode);
        var newDeadline = dispatched.Deadline!.Value.AddDays(7);
        var extended = await lead.StepOkAsync(c.Id, "extend", new { reason = "Parts on order", deadline = newDeadline });
        Assert.Equal(newDeadline, extended.Deadline);
        Assert.Equal(1, extended.ExtensionCount);
        Assert.Equal("in_progress", extended.State);

        var held = await lead.StepOkAsync(c.Id, "hold", new { reason = "Needs road works permit" });
        Assert.Equal("on_hold", held.State);
        Assert.True(held.Clock.Paused);
        Assert.NotNull(held.Clock.RemainingSeconds);

        var resumed = await lead.StepOkAsync(c.Id, "resume");
        Assert.Equal("in_progress", resumed.State);
        Assert.False(resumed.Clock.Paused);
        // Resuming gives back the working time that was left, give or take the seconds between the calls.
        Assert.InRange(resumed.Clock.RemainingSeconds!.Value, held.Clock.RemainingSeconds!.Value - 60, held.Clock.RemainingSeconds!.Value + 1);
    }

    [Fact]
    public async Task A_light_case_can_be_handled_by_the_grid_worker_himself_but_a_component_cannot()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var light = await world.ReportAsync(worker, 0, TestCatalogue.LightEvent);
        var photo = await worker.UploadOkAsync(TestImages.Jpeg(salt: "swept" + Guid.NewGuid()));
        var done = await worker.StepOkAsync(light.Id, "self-handle", new { note = "Swept it up", evidence = new[] { photo.Ref } });
        Assert.Equal("resolved", done.State);
        Assert.Equal(worker.Id, done.AssigneeId);

        var component = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        var refused = await worker.StepAsync(component.Id, "self-handle");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("not a light case", await refused.Content.ReadAsStringAsync());
        Assert.Equal("reported", (await worker.GetCaseAsync(component.Id)).State);
    }

    [Fact]
    public async Task Reopen_after_close_puts_the_case_back_for_dispatch_and_cancel_is_final()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await worker.StepOkAsync(c.Id, "self-handle");
        await inspector.StepOkAsync(c.Id, "verify");
        var reopened = await op.StepOkAsync(c.Id, "reopen", new { reason = "Garbage is back the next day" });
        Assert.Equal("registered", reopened.State);
        Assert.Null(reopened.ClosedAt);

        var cancelled = await op.StepOkAsync(c.Id, "cancel", new { reason = "Duplicate of another case" });
        Assert.Equal("cancelled", cancelled.State);
        var again = await op.StepAsync(c.Id, "register");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("final", await again.Content.ReadAsStringAsync());
    }
}

public sealed class CaseEventTests
{
    [Fact]
    public async Task Every_change_writes_one_event_in_order_with_the_stored_state()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await op.StepAsync(c.Id, "register")).StatusCode); // refused: writes nothing

        await using var conn = await server.Db.OpenConnectionAsync();
        var events = (await Dapper.SqlMapper.QueryAsync<(long Seq, string Kind, string State, string Action)>(conn,
            "select seq, kind, payload->>'state', payload->>'action' from case_events where case_id = @Id order by seq", new { c.Id })).ToList();
        Assert.Equal([("case_reported", "reported", "report"), ("case_changed", "registered", "register"), ("case_changed", "dispatched", "dispatch")],
            events.Select(e => (e.Kind, e.State, e.Action)));
        Assert.True(events[0].Seq < events[1].Seq && events[1].Seq < events[2].Seq);
    }
}
