using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Realtime;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Realtime;

/// <summary>The hub through a real npm SignalR client; operators follow their own test street so other tests' events stay out.</summary>
public sealed class HubTests
{
    private static async Task<TestUser> OperatorAsync(TestWorld world) =>
        await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);

    [Fact]
    public async Task An_operator_receives_a_report_and_its_registration_live_in_order()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await OperatorAsync(world);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await using var hub = await HubClient.ConnectAsync(server, op.Username);
        Assert.Equal($"street:{world.Street}", hub.Subscription.Follows);

        var reported = await world.ReportAsync(worker);
        await op.StepOkAsync(reported.Id, "register");

        var events = await hub.WaitForCaseAsync(reported.Id, "registered");
        var mine = events.Where(e => e.CaseId == reported.Id).ToList();
        Assert.Equal(["case_reported", "case_changed"], mine.Select(e => e.Kind));
        Assert.Equal("register", mine[1].Payload.GetProperty("action").GetString());
        Assert.True(mine[0].Seq < mine[1].Seq);
        Assert.Equal(world.Cells[0], mine[0].CellCode);
    }

    [Fact]
    public async Task A_client_on_node_B_sees_a_case_changed_through_node_A()
    {
        var nodeA = await TestServer.SharedAsync();
        await using var nodeB = await TestServer.StartAsync("node-b", nodeA.ConnectionString);
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await OperatorAsync(world);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        await using var onB = await HubClient.ConnectAsync(nodeB, op.Username);

        var reported = await world.ReportAsync(worker, 1);
        await op.StepOkAsync(reported.Id, "register");
        var dispatched = await op.StepOkAsync(reported.Id, "dispatch");

        var events = await onB.WaitForCaseAsync(reported.Id, "dispatched");
        var last = events.Last(e => e.CaseId == reported.Id);
        Assert.Equal(dispatched.AssigneeId?.ToString(), last.Payload.GetProperty("assigneeId").GetString());
        Assert.Equal(dispatched.Version, last.Payload.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task A_client_that_reconnects_with_its_last_seq_receives_exactly_the_missed_events()
    {
        var nodeA = await TestServer.SharedAsync();
        await using var nodeB = await TestServer.StartAsync("node-b2", nodeA.ConnectionString);
        var world = await TestWorld.CreateAsync(nodeA);
        var elsewhere = await TestWorld.CreateAsync(nodeA);
        var op = await OperatorAsync(world);
        var otherOp = await OperatorAsync(elsewhere);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var otherWorker = await elsewhere.PersonAsync(Role.GridWorker, elsewhere.Cells[0]);

        var first = await world.ReportAsync(worker);
        long lastSeq;
        await using (var before = await HubClient.ConnectAsync(nodeB, op.Username))
        {
            await op.StepOkAsync(first.Id, "register");
            var seen = await before.WaitForCaseAsync(first.Id, "registered");
            lastSeq = seen.Max(e => e.Seq);
            await before.QuitAsync();
        }

        // Missed while away: changes through both nodes, and a change in a street this operator does not follow.
        await op.StepOkAsync(first.Id, "dispatch");
        var second = await world.ReportAsync(worker, 2);
        var other = await elsewhere.ReportAsync(otherWorker);
        await otherOp.StepOkAsync(other.Id, "register");
        using (var viaB = await nodeB.SignInAsync(op.Username))
        {
            (await viaB.PostAsJsonAsync($"/api/cases/{second.Id}/cancel", new { reason = "duplicate of " + first.CaseNo })).EnsureSuccessStatusCode();
        }
        await using var conn = await nodeA.Db.OpenConnectionAsync();
        var missed = (await conn.QueryAsync<long>(
            "select seq from case_events where case_id = any(@Ids) and seq > @After order by seq",
            new { Ids = new[] { first.Id, second.Id }, After = lastSeq })).ToList();
        Assert.Equal(3, missed.Count);

        await using var after = await HubClient.ConnectAsync(nodeB, op.Username, lastSeq);
        await after.WaitForCaseAsync(second.Id, "cancelled");
        // Then live again, right after the replay.
        await op.StepOkAsync(first.Id, "return", new { reason = "wrong unit" });
        var all = await after.WaitForCaseAsync(first.Id, "returned");

        var seqs = all.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order().Distinct(), seqs);
        Assert.Equal(missed, seqs.Take(3));
        Assert.Equal(4, seqs.Count);
        Assert.DoesNotContain(all, e => e.CaseId == other.Id);
    }

    [Fact]
    public async Task A_field_worker_receives_the_cells_they_serve_and_not_the_others()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var mine = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var neighbour = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        await using var hub = await HubClient.ConnectAsync(server, mine.Username);
        Assert.Equal("cells:1", hub.Subscription.Follows);

        var theirs = await world.ReportAsync(neighbour, 1);
        var ours = await world.ReportAsync(neighbour, 0);

        // Events arrive in seq order, so once ours is here the neighbour's would have come first.
        var events = await hub.WaitForCaseAsync(ours.Id, "reported");
        Assert.DoesNotContain(events, e => e.CaseId == theirs.Id);
        Assert.All(events, e => Assert.Equal(world.Cells[0], e.CellCode));
    }

    [Fact]
    public async Task Field_staff_cannot_follow_a_street_and_strangers_cannot_connect()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await using var refused = await HubClient.StartAsync(server, await HubClient.CookieAsync(server, worker.Username), null, world.Street);
        Assert.Equal("error", refused.Subscription.Type);
        Assert.Contains("field staff follow the cells they serve", refused.Subscription.Message);

        var negotiate = await server.Anonymous().PostAsync("/hubs/city/negotiate?negotiateVersion=1", null);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
    }

    [Fact]
    public async Task A_node_that_lost_its_LISTEN_connection_listens_again_and_delivers_what_happened_meanwhile()
    {
        var nodeA = await TestServer.SharedAsync();
        await using var nodeB = await TestServer.StartAsync("node-b3", nodeA.ConnectionString,
            new Dictionary<string, string?> { ["Grid:Realtime:ReconnectSeconds"] = "0.2" });
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await OperatorAsync(world);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await using var onB = await HubClient.ConnectAsync(nodeB, op.Username);
        var feed = nodeB.App.Services.GetRequiredService<CityFeed>();

        await using (var conn = await nodeA.Db.OpenConnectionAsync())
        {
            var killed = await conn.ExecuteScalarAsync<int>(
                "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity where application_name = @Name) k",
                new { Name = feed.ListenerName });
            Assert.Equal(1, killed);
        }
        var reported = await world.ReportAsync(worker);

        await onB.WaitForCaseAsync(reported.Id, "reported");
        Assert.True(feed.Reconnects >= 1);
    }

    [Fact]
    public async Task A_field_workers_position_reaches_the_operator_live_and_on_the_map_list()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await OperatorAsync(world);
        var worker = await world.PersonAsync(Role.Patroller, world.Cells[2]);
        await using var hub = await HubClient.ConnectAsync(server, op.Username);
        var (lat, lon) = world.Inside(2);

        var response = await worker.Client.PostAsJsonAsync("/api/staff/position", new { lat, lon, accuracy = 12.5 });
        var accepted = await TestWorld.ReadAsync<PositionAccepted>(response, HttpStatusCode.Accepted);
        Assert.Equal(world.Cells[2], accepted.CellCode);

        var events = await hub.WaitForAsync(es => es.Any(e => e.Seq == accepted.Seq), "the position event");
        var position = events.Single(e => e.Seq == accepted.Seq);
        Assert.Equal("staff_position", position.Kind);
        Assert.Equal(worker.Id, position.PersonId);
        Assert.Equal(lat, position.Payload.GetProperty("lat").GetDouble(), 6);

        var latest = await TestWorld.ReadAsync<List<StaffPosition>>(await op.Client.GetAsync("/api/staff/positions"));
        Assert.Equal(accepted.Seq, Assert.Single(latest, p => p.PersonId == worker.Id).Seq);
        Assert.DoesNotContain(latest, p => p.CellCode is not null && !p.CellCode.StartsWith(world.Street));
    }

    [Fact]
    public async Task Positions_are_for_field_staff_and_must_be_on_the_map()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await OperatorAsync(world);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var (lat, lon) = world.Inside(0);

        var refused = await op.Client.PostAsJsonAsync("/api/staff/position", new { lat, lon });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var invalid = await worker.Client.PostAsJsonAsync("/api/staff/position", new { lat = 200, lon, accuracy = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var body = await invalid.Content.ReadAsStringAsync();
        Assert.Contains("accuracy", body);
        Assert.Contains("Latitude", body);
    }

    [Fact]
    public async Task A_client_whose_queue_overflows_gets_the_rest_from_the_table_in_order_without_duplicates()
    {
        var nodeA = await TestServer.SharedAsync();
        // A queue of one: a burst of events overflows it, as it would for a slow client.
        await using var node = await TestServer.StartAsync("node-q", nodeA.ConnectionString,
            new Dictionary<string, string?> { ["Grid:Realtime:QueueCapacity"] = "1" });
        var world = await TestWorld.CreateAsync(nodeA);
        var op = await OperatorAsync(world);
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        await using var hub = await HubClient.ConnectAsync(node, op.Username);
        var feed = node.App.Services.GetRequiredService<CityFeed>();

        // Thirty positions in one transaction: the listener reads and offers them in one go.
        await using (var conn = await nodeA.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                with e as (
                    insert into case_events (at, kind, cell_code, person_id, payload)
                    select now(), 'staff_position', @Cell, @Person, jsonb_build_object('personId', @Person, 'lat', 0, 'lon', 0, 'n', n)
                    from generate_series(1, 30) n
                    returning seq)
                select pg_notify('grid_events', max(seq)::text) from e
                """, new { Cell = world.Cells[0], Person = patroller.Id });
        }

        var events = await hub.WaitForAsync(es => es.Count(e => e.PersonId == patroller.Id) >= 30, "30 positions");
        var burst = events.Where(e => e.PersonId == patroller.Id).ToList();
        Assert.Equal(Enumerable.Range(1, 30), burst.Select(e => e.Payload.GetProperty("n").GetInt32()));
        Assert.Equal(burst.Select(e => e.Seq).Distinct().Count(), burst.Count);
        Assert.True(feed.Dropped > 0, "the burst should have overflowed the one-event queue");
        // Nothing is delivered twice: a marker sent after the burst arrives after all of it (events
        // come in order), so once it is here every duplicate would be here too.
        await using (var conn = await nodeA.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                with e as (
                    insert into case_events (at, kind, cell_code, person_id, payload)
                    values (now(), 'staff_position', @Cell, @Person, jsonb_build_object('personId', @Person, 'lat', 0, 'lon', 0, 'n', 31))
                    returning seq)
                select pg_notify('grid_events', seq::text) from e
                """, new { Cell = world.Cells[0], Person = patroller.Id });
        }
        var all = await hub.WaitForAsync(es => es.Any(e => e.PersonId == patroller.Id && e.Payload.GetProperty("n").GetInt32() == 31), "the marker after the burst");
        Assert.Equal(Enumerable.Range(1, 31), all.Where(e => e.PersonId == patroller.Id).Select(e => e.Payload.GetProperty("n").GetInt32()));
    }
}
