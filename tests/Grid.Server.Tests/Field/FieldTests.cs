using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Field;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;

namespace Grid.Server.Tests.Field;

public static class KeyedClient
{
    public static Task<HttpResponseMessage> PostKeyedAsync(this TestUser user, string url, object body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return user.Client.SendAsync(request);
    }
}

public sealed class FieldTests
{
    private static async Task<(TestWorld World, TestUser Worker, TestUser Op, CaseView Case)> DispatchedAsync()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch");
        return (world, worker, op, c);
    }

    [Fact]
    public async Task An_action_resent_with_the_same_key_is_applied_once_and_answered_twice()
    {
        var (_, worker, _, c) = await DispatchedAsync();
        var key = Guid.NewGuid().ToString();
        var first = await worker.PostKeyedAsync($"/api/cases/{c.Id}/accept", new { version = 3 }, key);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var again = await worker.PostKeyedAsync($"/api/cases/{c.Id}/accept", new { version = 3 }, key);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        var view = await TestWorld.ReadAsync<CaseView>(again);
        Assert.Equal("in_progress", view.State);
        Assert.Single(view.History!, h => h.Action == "accept");

        // Without the key the same action is refused: the case has moved on.
        Assert.Equal(HttpStatusCode.Conflict, (await worker.StepAsync(c.Id, "accept")).StatusCode);

        // The key names one action: reusing it for something else is an error, not a replay.
        var reused = await worker.PostKeyedAsync($"/api/cases/{c.Id}/feedback", new { note = "done" }, key);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Contains("already used", await reused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Concurrent_resends_of_one_keyed_action_make_one_history_row()
    {
        var (_, worker, _, c) = await DispatchedAsync();
        var key = Guid.NewGuid().ToString();
        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => worker.PostKeyedAsync($"/api/cases/{c.Id}/accept", new { }, key)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var view = await worker.GetCaseAsync(c.Id);
        Assert.Single(view.History!, h => h.Action == "accept");
    }

    [Fact]
    public async Task A_plus_one_with_photos_lands_once_in_the_history_of_the_existing_case()
    {
        var (world, _, _, c) = await DispatchedAsync();
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var photo = await patroller.UploadOkAsync(TestImages.Jpeg(salt: Guid.NewGuid().ToString()));
        var key = Guid.NewGuid().ToString();
        var body = new { note = "Still there this morning", photos = new[] { photo.Ref } };
        Assert.Equal(HttpStatusCode.OK, (await patroller.PostKeyedAsync($"/api/field/cases/{c.Id}/support", body, key)).StatusCode);
        var again = await patroller.PostKeyedAsync($"/api/field/cases/{c.Id}/support", body, key);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.True(again.Headers.Contains("Idempotent-Replayed"));
        var view = await TestWorld.ReadAsync<CaseView>(again);
        var support = Assert.Single(view.History!, h => h.Action == FieldEndpoints.SupportAction);
        Assert.Equal(patroller.Id, support.ActorId);
        Assert.Equal("dispatched", support.ToState);
        Assert.Equal(photo.Ref, support.Evidence[0].GetString());
        Assert.Equal("Still there this morning", support.Reason);

        var noKey = await patroller.Client.PostAsJsonAsync($"/api/field/cases/{c.Id}/support", body);
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        Assert.Contains("Idempotency-Key", await noKey.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_the_reporter_adds_report_photos_and_nobody_outside_the_cell_adds_a_plus_one()
    {
        var (world, _, _, c) = await DispatchedAsync();
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var stranger = await world.PersonAsync(Role.GridWorker, world.Cells[4]);
        var mine = await patroller.UploadOkAsync(TestImages.Jpeg(salt: Guid.NewGuid().ToString()));
        var theirs = await stranger.UploadOkAsync(TestImages.Jpeg(salt: Guid.NewGuid().ToString()));
        var notReporter = await patroller.PostKeyedAsync($"/api/field/cases/{c.Id}/photos", new { photos = new[] { mine.Ref } }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Forbidden, notReporter.StatusCode);
        var outside = await stranger.PostKeyedAsync($"/api/field/cases/{c.Id}/support", new { note = "x", photos = new[] { theirs.Ref } }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
    }

    [Fact]
    public async Task A_patrol_shift_keeps_its_track_and_each_position_goes_to_the_event_stream()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var other = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var (lat0, lon0) = world.Inside(0);
        var noShift = await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat = lat0, lon = lon0 });
        Assert.Equal(HttpStatusCode.Conflict, noShift.StatusCode);

        var start = await patroller.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = true });
        var shift = await TestWorld.ReadAsync<ShiftView>(start, HttpStatusCode.Created);
        var again = await TestWorld.ReadAsync<ShiftView>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = true }));
        Assert.Equal(shift.Id, again.Id);

        var (lat, lon) = world.Inside(1);
        var accepted = await TestWorld.ReadAsync<PositionAccepted>(
            await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat, lon, accuracy = 8.5 }));
        Assert.Equal(world.Cells[1], accepted.CellCode);
        var (lat2, lon2) = world.Inside(2);
        await TestWorld.ReadAsync<PositionAccepted>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat = lat2, lon = lon2, accuracy = 12 }));

        await using (var conn = await world.Server.Db.OpenConnectionAsync())
        {
            var events = (await conn.QueryAsync<(string Kind, string? CellCode, string Payload)>(
                "select kind, cell_code, payload::text from case_events where person_id = @Id order by seq", new { patroller.Id })).ToList();
            Assert.Equal(2, events.Count);
            Assert.All(events, e => Assert.Equal("staff_position", e.Kind));
            Assert.Equal(world.Cells[1], events[0].CellCode);
            var payload = JsonDocument.Parse(events[0].Payload).RootElement;
            Assert.Equal(patroller.Id, payload.GetProperty("personId").GetGuid());
            Assert.Equal(lat, payload.GetProperty("lat").GetDouble(), 6);
            Assert.Equal(8.5, payload.GetProperty("accuracy").GetDouble());
            // The same shape as POST /api/staff/position, which the command-center map labels with.
            Assert.Equal(patroller.Username, payload.GetProperty("displayName").GetString());
            Assert.True(payload.TryGetProperty("at", out _));
        }

        var ended = await TestWorld.ReadAsync<ShiftView>(await patroller.Client.PostAsync("/api/field/patrol/end", null));
        Assert.NotNull(ended.EndedAt);
        Assert.Equal(2, ended.Points);
        var afterEnd = await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat, lon, accuracy = 5 });
        Assert.Equal(HttpStatusCode.Conflict, afterEnd.StatusCode);

        var track = await TestWorld.ReadAsync<TrackView>(await patroller.Client.GetAsync($"/api/field/patrol/shifts/{shift.Id}/track"));
        Assert.Equal([world.Cells[1], world.Cells[2]], track.Points.Select(p => p.CellCode));
        Assert.Equal(HttpStatusCode.Forbidden, (await other.Client.GetAsync($"/api/field/patrol/shifts/{shift.Id}/track")).StatusCode);
    }

    [Fact]
    public async Task Without_consent_no_position_is_taken()
    {
        var world = await TestWorld.CreateAsync(await TestServer.SharedAsync());
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        await TestWorld.ReadAsync<ShiftView>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = false }), HttpStatusCode.Created);
        var (lat, lon) = world.Inside(0);
        var refused = await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat, lon, accuracy = 5 });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("consent", await refused.Content.ReadAsStringAsync());
        var op = await world.PersonAsync([Role.Operator], []);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = true })).StatusCode);
    }

    [Fact]
    public async Task The_service_worker_is_served_from_the_field_app_with_its_scope()
    {
        var server = await TestServer.SharedAsync();
        var response = await server.Anonymous().GetAsync("/m/sw.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/m", response.Headers.GetValues("Service-Worker-Allowed").Single());
        Assert.Contains("javascript", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task The_service_worker_carries_a_version_of_the_field_app()
    {
        var server = await TestServer.SharedAsync();
        var body = await (await server.Anonymous().GetAsync("/m/sw.js")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("__FIELD_APP_VERSION__", body);
        Assert.Matches("const VERSION = '[0-9a-f]{16}';", body);
    }

    [Fact]
    public void The_field_app_version_changes_with_its_files_and_only_with_them()
    {
        var root = Directory.CreateTempSubdirectory("gridcity-fieldversion-");
        try
        {
            var field = Directory.CreateDirectory(Path.Combine(root.FullName, "_content", "Grid.Web", "js", "field"));
            var script = Path.Combine(field.FullName, "tasks.js");
            File.WriteAllText(script, "console.log(1);");
            using var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(root.FullName);
            var first = FieldEndpoints.FieldAppVersion(files);
            Assert.Equal(first, FieldEndpoints.FieldAppVersion(files));
            File.WriteAllText(script, "console.log(2);");
            var second = FieldEndpoints.FieldAppVersion(files);
            Assert.NotEqual(first, second);
            File.WriteAllText(Path.Combine(root.FullName, "_content", "Grid.Web", "field.webmanifest"), "{}");
            Assert.NotEqual(second, FieldEndpoints.FieldAppVersion(files));
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }
}
