using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Intake;

namespace Grid.Server.Tests.Background;

/// <summary>
/// Every change the live screens must see writes its case_events row (the feed of the hub and of the
/// escalation follower), in the same transaction: each lifecycle action, and the changes that are
/// not lifecycle steps (duplicate flag, merge, keep apart, supervision, "+1"). A refused step writes
/// none. Checked in the database, so the test holds whatever schedules or serves the events.
/// </summary>
public sealed class CaseEventsWrittenTests
{
    private sealed record Ev(long Seq, string Kind, long CaseId, string? Action, string? State, int? Version);

    private static async Task<long> LastSeqAsync(TestServer server)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("select coalesce(max(seq), 0) from case_events");
    }

    private static async Task<List<Ev>> EventsAsync(TestServer server, long after, params long[] caseIds)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<Ev>("""
            select seq, kind, case_id, payload->>'action' as action, payload->>'state' as state, (payload->>'version')::int as version
            from case_events where seq > @After and case_id = any(@Ids) order by seq
            """, new { After = after, Ids = caseIds })).ToList();
    }

    /// <summary>Runs <paramref name="act"/> and asserts it wrote exactly one event for the case, with that action, state and version.</summary>
    private static async Task<JsonElement> ExpectOneEventAsync(TestServer server, long caseId, string action, string kind, Func<Task<HttpResponseMessage>> act,
        HttpStatusCode status = HttpStatusCode.OK)
    {
        var before = await LastSeqAsync(server);
        var response = await act();
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{action}: expected {(int)status}, got {(int)response.StatusCode}: {body}");
        var events = await EventsAsync(server, before, caseId);
        var e = Assert.Single(events);
        Assert.Equal((kind, action), (e.Kind, e.Action));
        await using var conn = await server.Db.OpenConnectionAsync();
        var (state, version) = await conn.QuerySingleAsync<(string, int)>("select state, version from cases where id = @Id", new { Id = caseId });
        Assert.Equal((state, version), (e.State, e.Version));
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Fact]
    public async Task Every_lifecycle_action_writes_one_event_with_the_state_it_left_and_a_refused_one_writes_none()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead, Role.Dispatcher], []);
        var (lat, lon) = world.Inside(0);

        var before = await LastSeqAsync(server);
        var created = await TestWorld.ReadAsync<JsonElement>(await worker.Client.PostAsJsonAsync("/api/cases",
            new { lat, lon, categoryCode = TestCatalogue.Component, description = "Cover missing" }), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetInt64();
        var first = Assert.Single(await EventsAsync(server, before, id));
        Assert.Equal(("case_reported", "report", "reported"), (first.Kind, first.Action, first.State));

        async Task Step(TestUser who, string action, object body, string code) =>
            await ExpectOneEventAsync(server, id, code, "case_changed", () => who.StepAsync(id, action, body));

        await Step(op, "register", new { }, "register");
        await Step(op, "dispatch", new { assigneeId = worker.Id }, "dispatch");
        await Step(worker, "accept", new { }, "accept");
        await Step(op, "extend", new { deadline = DateTimeOffset.UtcNow.AddDays(10), reason = "Parts on order" }, "extend");
        await Step(op, "hold", new { reason = "Road works" }, "hold");
        await Step(op, "resume", new { }, "resume");
        await Step(worker, "feedback", new { note = "Fixed" }, "feedback");
        await Step(inspector, "rework", new { reason = "Still loose" }, "rework");
        await Step(worker, "feedback", new { note = "Fixed again" }, "feedback");
        await Step(inspector, "verify", new { note = "OK" }, "verify");
        await Step(op, "reopen", new { reason = "Missing again" }, "reopen");
        await Step(op, "dispatch", new { assigneeId = worker.Id }, "dispatch");
        await Step(worker, "return", new { reason = "Not our cell" }, "return");
        await Step(op, "cancel", new { reason = "Handled by the water company" }, "cancel");

        // Refused steps (wrong state, stale version) write nothing.
        before = await LastSeqAsync(server);
        Assert.Equal(HttpStatusCode.Conflict, (await op.StepAsync(id, "register")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await op.StepAsync(id, "cancel", new { version = 1, reason = "x" })).StatusCode);
        Assert.Empty(await EventsAsync(server, before, id));

        // Self-handling by the grid worker, a step of its own.
        var light = await world.ReportAsync(worker, 0);
        await ExpectOneEventAsync(server, light.Id, "self_handle", "case_changed",
            () => worker.StepAsync(light.Id, "self-handle", new { note = "Swept it up" }));
    }

    [Fact]
    public async Task Duplicate_flags_merges_keep_apart_supervision_and_a_plus_one_each_write_their_event()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var informant = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        var first = await world.ReportAsync(worker, 0);

        // A second report at the same spot: its own case_reported, then the flag on the new case.
        var before = await LastSeqAsync(server);
        var second = await world.ReportAsync(informant, 0);
        var events = await EventsAsync(server, before, first.Id, second.Id);
        Assert.Equal([("case_reported", "report", second.Id), ("case_changed", "duplicate_flagged", second.Id)],
            events.Select(e => (e.Kind, e.Action!, e.CaseId)));

        var flags = await TestWorld.ReadAsync<JsonElement>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={second.Id}"));
        var flag = flags.EnumerateArray().Single(f => f.GetProperty("candidate").GetProperty("id").GetInt64() == first.Id);
        before = await LastSeqAsync(server);
        var merged = await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.GetProperty("id").GetInt64()}/merge", new { reason = "Same pile" });
        Assert.Equal(HttpStatusCode.OK, merged.StatusCode);
        events = await EventsAsync(server, before, first.Id, second.Id);
        Assert.Equal([("merge", second.Id, "cancelled"), ("merge_in", first.Id, "reported")], events.Select(e => (e.Action!, e.CaseId, e.State!)));

        // Keep apart: a third report, flagged, then judged a different problem.
        var third = await world.ReportAsync(informant, 0);
        flags = await TestWorld.ReadAsync<JsonElement>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={third.Id}"));
        var flag3 = flags.EnumerateArray().First(f => f.GetProperty("report").GetProperty("id").GetInt64() == third.Id);
        await ExpectOneEventAsync(server, third.Id, "duplicate_kept_apart", "case_changed",
            () => op.Client.PostAsJsonAsync($"/api/duplicates/{flag3.GetProperty("id").GetInt64()}/keep-apart", new { reason = "Other side of the road" }));

        // Supervision ordered by hand (督办).
        await op.StepOkAsync(first.Id, "register");
        await op.StepOkAsync(first.Id, "dispatch", new { assigneeId = worker.Id });
        await ExpectOneEventAsync(server, first.Id, "supervise", "case_escalated",
            () => supervisor.Client.PostAsJsonAsync($"/api/cases/{first.Id}/supervise", new { note = "Today please" }), HttpStatusCode.Created);

        // A "+1" from another reporter.
        await ExpectOneEventAsync(server, first.Id, "support", "case_changed", () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{first.Id}/support")
            {
                Content = JsonContent.Create(new { note = "Still there at 9" }),
            };
            request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            return informant.Client.SendAsync(request);
        });
    }

    [Fact]
    public async Task A_citizens_plus_one_and_a_follow_up_answer_each_write_their_event()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await Citizens.CitizenHelpers.PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(2);
        var filed = await Citizens.CitizenHelpers.ReportAsync(server, citizen, key, lat, lon, more: [("phone", "13800009999")]);

        // A "+1" from another phone on the citizens' page (its own route, not the field app's).
        await ExpectOneEventAsync(server, filed.CaseId, "support", "case_changed",
            () => server.Anonymous().PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support",
                new { deviceId = Citizens.CitizenHelpers.NewDevice(), phone = "13900004444" }), HttpStatusCode.Created);

        // Closed, then the reporter's answer recorded by a call taker (satisfied: no reopening, one event).
        await Citizens.CitizenHelpers.CloseAsync(world, filed.CaseId, cell: 2);
        var caller = await world.PersonAsync([Role.Operator], []);
        await ExpectOneEventAsync(server, filed.CaseId, "followup", "case_changed",
            () => caller.Client.PostAsJsonAsync($"/api/followups/{filed.CaseId}", new { solved = true, satisfaction = "satisfied" }));
    }
}
