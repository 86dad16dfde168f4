using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.Escalation;
using Grid.Domain.People;
using Grid.Server.Escalation;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Grid.Server.Tests.Escalation;

public sealed class EscalationTests(EscalationCluster cluster) : IClassFixture<EscalationCluster>
{
    private static readonly string[] Ladder = ["warning", "assignee", "grid_head", "street_leader", "district"];

    private sealed record Team(TestWorld World, TestUser Worker, TestUser Head, TestUser Inspector, TestUser Op, TestUser StreetLeader, TestUser DistrictSupervisor);

    private static async Task<Team> TeamAsync(TestServer server)
    {
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var head = await world.PersonAsync(Role.GridHead, world.Cells[0]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var street = await world.PersonAsync([Role.Supervisor], [], street: world.Street);
        var district = await world.PersonAsync([Role.Supervisor], []);
        return new Team(world, worker, head, inspector, op, street, district);
    }

    private static async Task<long> DispatchedCaseAsync(Team t)
    {
        var c = await t.World.ReportAsync(t.Worker, 0);
        await t.Op.StepOkAsync(c.Id, "register");
        await t.Op.StepOkAsync(c.Id, "dispatch");
        return c.Id;
    }

    private static async Task<long> UnreadAsync(TestUser user) =>
        (await TestWorld.ReadAsync<UnreadCount>(await user.Client.GetAsync("/api/inbox/unread-count"))).Unread;

    [Fact]
    public async Task An_overdue_case_climbs_the_ladder_in_order_at_the_right_times_once_each()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);
        // Dispatched 2 s ago, due in 2 s: the warning (half-way) is due now, then a rung every 2 s.
        await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 5, TimeSpan.FromSeconds(40));
        Assert.Equal(Ladder, rungs.Select(r => r.Level));
        foreach (var r in rungs)
        {
            Assert.True(r.At >= r.DueAt, $"{r.Level} fired at {r.At:O}, before it was due at {r.DueAt:O}");
            Assert.True(r.At - r.DueAt < TimeSpan.FromSeconds(5), $"{r.Level} fired {(r.At - r.DueAt).TotalSeconds:0.0} s late");
        }
        Assert.Equal([2, 2, 2], rungs.Skip(2).Zip(rungs.Skip(1), (b, a) => (int)Math.Round((b.DueAt - a.DueAt).TotalSeconds)));

        // Nothing more comes: the ladder is finished and the case has no next rung.
        Assert.Null(await EscalationCluster.PollAsync(() => EscalationCluster.NextRungAsync(cluster.A, id), n => n is null, TimeSpan.FromSeconds(10)));
        await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.A, id), l => l == string.Join(",", Ladder),
            TimeSpan.FromSeconds(1.5), "the finished ladder");

        var c = await t.Op.GetCaseAsync(id);
        var escalated = c.History!.Where(h => h.Action == "escalate").ToList();
        Assert.Equal(Ladder, escalated.Select(h => h.Details.GetProperty("details").GetProperty("level").GetString()));
        await using (var conn = await cluster.A.Db.OpenConnectionAsync())
        {
            Assert.Equal(5, await conn.ExecuteScalarAsync<int>("select count(*)::int from case_events where case_id = @Id and kind = 'case_escalated'", new { Id = id }));
        }

        // Each rung reached its person: assignee twice (warning, overdue), then head, street leader, district.
        Assert.Equal(2, await UnreadAsync(t.Worker));
        Assert.Equal(1, await UnreadAsync(t.Head));
        Assert.Equal(1, await UnreadAsync(t.StreetLeader));
        Assert.Equal(1, await UnreadAsync(t.DistrictSupervisor));
        var inbox = await TestWorld.ReadAsync<InboxPage>(await t.Head.Client.GetAsync("/api/inbox"));
        Assert.Equal("grid_head", Assert.Single(inbox.Items).Level);
        Assert.Equal(HttpStatusCode.NoContent, (await t.Head.Client.PostAsync($"/api/inbox/{inbox.Items[0].Id}/read", null)).StatusCode);
        Assert.Equal(0, await UnreadAsync(t.Head));
        Assert.Equal(HttpStatusCode.NotFound, (await t.Worker.Client.PostAsync($"/api/inbox/{inbox.Items[0].Id}/read", null)).StatusCode);
    }

    /// <summary>
    /// A rung reaches only people who can still sign in: a deactivated assignee counts as nobody named (his warning
    /// and overdue rungs go to the grid head, as for a case with nobody named), a deactivated supervisor hears of
    /// nothing, and the escalation's history names only who was told.
    /// </summary>
    [Fact]
    public async Task A_deactivated_person_hears_of_no_rung_and_the_grid_head_answers_for_a_deactivated_assignee()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);
        Assert.Equal(t.Worker.Id, (await t.Op.GetCaseAsync(id)).AssigneeId);
        var admin = await t.World.PersonAsync([Role.Admin], []);
        foreach (var gone in new[] { t.Worker, t.StreetLeader })
            Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{gone.Id}/deactivate", null)).StatusCode);
        await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));

        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 5, TimeSpan.FromSeconds(40));
        Assert.Equal(Ladder, rungs.Select(r => r.Level));
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        async Task<string[]> LevelsToldAsync(TestUser who) => (await conn.QueryAsync<string>("""
            select e.level from inbox_items i join escalations e on e.id = i.escalation_id
            where i.case_id = @Case and i.person_id = @Person order by e.id
            """, new { Case = id, Person = who.Id })).ToArray();
        Assert.Empty(await LevelsToldAsync(t.Worker));
        Assert.Empty(await LevelsToldAsync(t.StreetLeader));
        Assert.Equal(["warning", "assignee", "grid_head"], await LevelsToldAsync(t.Head));
        Assert.Equal(["district"], await LevelsToldAsync(t.DistrictSupervisor));
        var targets = (await t.Op.GetCaseAsync(id)).History!.Where(h => h.Action == "escalate").ToDictionary(
            h => h.Details.GetProperty("details").GetProperty("level").GetString()!,
            h => h.Details.GetProperty("targets").EnumerateArray().Select(e => e.GetGuid()).ToArray());
        Assert.Equal([t.Head.Id], targets["warning"]);
        Assert.Empty(targets["street_leader"]);

        // 督办 by hand follows the same rule (EscalationRepository, in LINQ): the grid head, not the deactivated assignee.
        Assert.Equal(HttpStatusCode.Created,
            (await t.DistrictSupervisor.Client.PostAsJsonAsync($"/api/cases/{id}/supervise", new { note = "请网格长跟进" })).StatusCode);
        Assert.Equal(["warning", "assignee", "grid_head", "supervise"], await LevelsToldAsync(t.Head));
        Assert.Empty(await LevelsToldAsync(t.Worker));
    }

    [Fact]
    public async Task An_extension_stops_the_ladder_of_the_old_deadline()
    {
        var t = await TeamAsync(cluster.B);
        var id = await DispatchedCaseAsync(t);
        await EscalationCluster.SetClockAsync(cluster.B, id, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1));
        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.B, id, 2, TimeSpan.FromSeconds(20));
        Assert.Equal(["warning", "assignee"], rungs.Select(r => r.Level));

        var extended = await t.Op.StepOkAsync(id, "extend", new { deadline = DateTimeOffset.UtcNow.AddDays(3), reason = "Parts on order" });

        // The grid head's rung was due 2 s after the old deadline; wait well past it.
        await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.B, id), l => l == "warning,assignee",
            TimeSpan.FromSeconds(5), "the old deadline's rungs");
        // The new deadline has its own next rung, at its warning, written by the extension itself.
        var next = await EscalationCluster.NextRungAsync(cluster.B, id);
        Assert.True(next > DateTimeOffset.UtcNow.AddHours(1), $"The next rung is due at {next:O}");
        Assert.Equal(extended.Deadline!.Value.ToUniversalTime(), (await t.Op.GetCaseAsync(id)).Deadline!.Value.ToUniversalTime());
    }

    [Fact]
    public async Task After_an_extension_the_warning_comes_before_the_new_deadline_not_at_once()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);
        // A 15 s limit, dispatched 11 s ago: warned (half-way) at once, overdue in 4 s.
        await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromSeconds(11), TimeSpan.FromSeconds(4));
        var old = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 1, TimeSpan.FromSeconds(20));
        Assert.Equal("warning", Assert.Single(old).Level);
        var oldDeadline = old[0].Deadline!.Value.ToUniversalTime();
        var limit = oldDeadline - await DispatchedAtAsync(id);

        // Extended 10 s ahead before the old deadline. Measured from dispatch, the new warning (half of
        // the 21 s since) would be due at once; it is due half the 15 s limit before the new deadline.
        var extended = await t.Op.StepOkAsync(id, "extend", new { deadline = DateTimeOffset.UtcNow.AddSeconds(10), reason = "Parts on order" });
        var deadline = extended.Deadline!.Value.ToUniversalTime();

        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 3, TimeSpan.FromSeconds(30));
        Assert.Equal(["warning", "warning", "assignee"], rungs.Select(r => r.Level));
        var fresh = rungs.Skip(1).ToList();
        Assert.All(fresh, r => Assert.Equal(deadline, r.Deadline!.Value.ToUniversalTime()));
        AssertSameMoment(deadline - limit / 2, fresh[0].DueAt);
        AssertSameMoment(deadline, fresh[1].DueAt);
        foreach (var r in fresh)
        {
            Assert.True(r.At >= r.DueAt, $"{r.Level} fired at {r.At:O}, before it was due at {r.DueAt:O}");
            Assert.True(r.At - r.DueAt < TimeSpan.FromSeconds(5), $"{r.Level} fired {(r.At - r.DueAt).TotalSeconds:0.0} s late");
        }

        // The old deadline's pending rungs never came; stop the new ladder and count.
        await t.Op.StepOkAsync(id, "hold", new { reason = "Test over" });
        Assert.Null(await EscalationCluster.NextRungAsync(cluster.A, id));
        rungs = await EscalationCluster.RungsAsync(cluster.A, id);
        Assert.Equal(["warning", "warning", "assignee"], rungs.Select(r => r.Level));
        Assert.Single(rungs, r => r.Deadline!.Value.ToUniversalTime() == oldDeadline);
        Assert.Equal(3, await UnreadAsync(t.Worker));
    }

    [Fact]
    public async Task A_returned_case_loses_its_pending_rungs_and_redispatch_starts_from_the_new_deadline()
    {
        var t = await TeamAsync(cluster.B);
        var id = await DispatchedCaseAsync(t);
        // A 20 s limit, dispatched 12 s ago: warned now, overdue in 8 s (room for a claim run that comes a few
        // seconds late on a busy machine, so the warning is not claimed together with the assignee rung).
        await EscalationCluster.SetClockAsync(cluster.B, id, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(8));
        var warned = await EscalationCluster.WaitForRungsAsync(cluster.B, id, 1, TimeSpan.FromSeconds(20));
        Assert.Equal("warning", Assert.Single(warned).Level);
        Assert.NotNull(await EscalationCluster.PollAsync(() => EscalationCluster.NextRungAsync(cluster.B, id), n => n is not null, TimeSpan.FromSeconds(10)));

        await t.Op.StepOkAsync(id, "return", new { reason = "Not our unit's street" });
        Assert.Null(await EscalationCluster.NextRungAsync(cluster.B, id));
        // The old deadline and its assignee (0 s) and grid head (2 s) rungs pass: nothing fires.
        await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.B, id), l => l == "warning",
            TimeSpan.FromSeconds(13), "the returned case's rungs");

        // Re-dispatched: the next rung is the new deadline's warning, half its limit before it.
        var again = await t.Op.StepOkAsync(id, "dispatch");
        var deadline = again.Deadline!.Value.ToUniversalTime();
        var dispatchedAt = await DispatchedAtAsync(id);
        var expected = deadline - (deadline - dispatchedAt) / 2;
        AssertSameMoment(expected, (await EscalationCluster.NextRungAsync(cluster.B, id))!.Value);

        // With the new clock moved close (as a data fix would), its ladder fires from the new deadline.
        await EscalationCluster.SetClockAsync(cluster.B, id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));
        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.B, id, 3, TimeSpan.FromSeconds(20));
        Assert.Equal(["warning", "warning", "assignee"], rungs.Select(r => r.Level));
        var newDeadline = (await t.Op.GetCaseAsync(id)).Deadline!.Value.ToUniversalTime();
        Assert.All(rungs.Skip(1), r => Assert.Equal(newDeadline, r.Deadline!.Value.ToUniversalTime()));
        Assert.NotEqual(newDeadline, rungs[0].Deadline!.Value.ToUniversalTime());
        await t.Op.StepOkAsync(id, "hold", new { reason = "Test over" });
    }

    /// <summary>Equal to the millisecond: .NET keeps ticks, PostgreSQL microseconds.</summary>
    private static void AssertSameMoment(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True((expected - actual).Duration() < TimeSpan.FromMilliseconds(1), $"Expected {expected:O}, got {actual:O}");

    private async Task<DateTimeOffset> DispatchedAtAsync(long id)
    {
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<DateTime>("select dispatched_at from cases where id = @Id", new { Id = id })).ToUniversalTime();
    }

    [Fact]
    public async Task Closing_a_case_clears_its_next_rung_and_nothing_fires()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);
        await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.NotNull(await EscalationCluster.PollAsync(() => EscalationCluster.NextRungAsync(cluster.A, id), n => n is not null, TimeSpan.FromSeconds(10)));

        await t.Worker.StepOkAsync(id, "accept");
        await t.Worker.StepOkAsync(id, "feedback", new { note = "Cleared" });
        await t.Inspector.StepOkAsync(id, "verify", new { note = "Checked" });

        Assert.Null(await EscalationCluster.NextRungAsync(cluster.A, id));
        await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.A, id), l => l == "",
            TimeSpan.FromSeconds(6), "no rungs for the resolved case");
    }

    /// <summary>
    /// Feedback stops the clock and so the ladder; a rework (返工) gives the case a new deadline, the category's limit
    /// from the rework, and a new deadline starts the ladder of that deadline (DOMAIN.md, "Duty, escalation and
    /// publishing"): the step itself writes the moment of the new deadline's warning, and the old deadline's rungs
    /// still pending when the case was fixed never fire.
    /// </summary>
    [Fact]
    public async Task Feedback_stops_the_ladder_and_a_rework_starts_the_ladder_of_its_new_deadline()
    {
        var t = await TeamAsync(cluster.B);
        var id = await DispatchedCaseAsync(t);
        await t.Worker.StepOkAsync(id, "accept");
        // An 18 s limit dispatched 12 s ago: the warning (half-way) is due now, the overdue reminder in 6 s.
        await EscalationCluster.SetClockAsync(cluster.B, id, TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(6));
        var warning = Assert.Single(await EscalationCluster.WaitForRungsAsync(cluster.B, id, 1, TimeSpan.FromSeconds(20)));
        Assert.Equal("warning", warning.Level);

        await t.Worker.StepOkAsync(id, "feedback", new { note = "Cleared" });
        Assert.Null(await EscalationCluster.NextRungAsync(cluster.B, id));
        var reworked = await t.Inspector.StepOkAsync(id, "rework", new { reason = "Still there" });
        var deadline = reworked.Deadline!.Value.ToUniversalTime();
        // One working day from the rework (this calendar works around the clock), not the 6 s left of the old one.
        Assert.True(deadline > DateTimeOffset.UtcNow.AddHours(23), $"The rework's deadline is {deadline:O}");
        Assert.False(reworked.Clock.Overdue);
        // Written by the rework in its own transaction: the new deadline's warning, half the 18 s dispatch limit before it.
        AssertSameMoment(deadline - TimeSpan.FromSeconds(9), (await EscalationCluster.NextRungAsync(cluster.B, id))!.Value);

        // The old deadline's overdue reminder and grid-head rung (due 6 s and 8 s after the warning) never come.
        await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.B, id), l => l == "warning",
            TimeSpan.FromSeconds(10), "the old deadline's rungs after the rework");
        await t.Op.StepOkAsync(id, "hold", new { reason = "Test over" });
    }

    [Fact]
    public async Task A_hold_clears_the_next_rung_and_resuming_places_the_new_deadlines()
    {
        var t = await TeamAsync(cluster.B);
        var id = await DispatchedCaseAsync(t);
        await EscalationCluster.SetClockAsync(cluster.B, id, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.NotNull(await EscalationCluster.PollAsync(() => EscalationCluster.NextRungAsync(cluster.B, id), n => n is not null, TimeSpan.FromSeconds(10)));

        await t.Op.StepOkAsync(id, "hold", new { reason = "Road works until spring" });
        Assert.Null(await EscalationCluster.NextRungAsync(cluster.B, id));

        // The clock resumes with the working time left at the hold; on a rest day that may be none,
        // so the new deadline has either a rung waiting or rungs that fired already.
        var resumed = await t.Op.StepOkAsync(id, "resume");
        var deadline = resumed.Deadline!.Value.ToUniversalTime();
        var followed = await EscalationCluster.PollAsync(async () =>
            (await EscalationCluster.NextRungAsync(cluster.B, id) is null ? 0 : 1)
            + (await EscalationCluster.RungsAsync(cluster.B, id)).Count(r => r.Deadline!.Value.ToUniversalTime() == deadline),
            n => n > 0, TimeSpan.FromSeconds(10));
        Assert.True(followed > 0, "Nothing was scheduled for the deadline set on resume.");
        Assert.DoesNotContain(await EscalationCluster.RungsAsync(cluster.B, id), r => r.Deadline!.Value.ToUniversalTime() != deadline);

        // The new deadline's warning is half the 31 s limit given at dispatch before it (waiting, or
        // fired already when the resume left less than that), not half-way from dispatch to it.
        var warning = await EscalationCluster.PollAsync(async () =>
            (await EscalationCluster.RungsAsync(cluster.B, id)).FirstOrDefault(r => r.Level == "warning")?.DueAt
            ?? await EscalationCluster.NextRungAsync(cluster.B, id), w => w is not null, TimeSpan.FromSeconds(10));
        AssertSameMoment(deadline - TimeSpan.FromSeconds(31) / 2, warning!.Value);
    }

    [Fact]
    public async Task Two_nodes_fire_each_rung_of_many_cases_exactly_once()
    {
        var t = await TeamAsync(cluster.A);
        var ids = new List<long>();
        for (var i = 0; i < 6; i++) ids.Add(await DispatchedCaseAsync(t));
        // Half the clocks are set through node A's database handle and half through B's: same database.
        for (var i = 0; i < ids.Count; i++)
        {
            await EscalationCluster.SetClockAsync(i % 2 == 0 ? cluster.A : cluster.B, ids[i], TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1 + i % 3));
        }
        foreach (var id in ids)
        {
            var rungs = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 5, TimeSpan.FromSeconds(40));
            Assert.Equal(Ladder, rungs.Select(r => r.Level));
        }
        foreach (var id in ids)
        {
            await EscalationCluster.AssertStaysAsync(() => EscalationCluster.LevelsAsync(cluster.A, id), l => l == string.Join(",", Ladder),
                TimeSpan.FromSeconds(0.3), $"the finished ladder of case {id}");
        }
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        var perCase = await conn.QueryAsync<(long CaseId, int Rungs, int Events, int History)>("""
            select c.id, (select count(*)::int from escalations e where e.case_id = c.id),
                   (select count(*)::int from case_events v where v.case_id = c.id and v.kind = 'case_escalated'),
                   (select count(*)::int from case_history h where h.case_id = c.id and h.action = 'escalate')
            from cases c where c.id = any(@Ids)
            """, new { Ids = ids.ToArray() });
        Assert.Equal(ids.Count, perCase.Count());
        Assert.All(perCase, p => Assert.Equal((5, 5, 5), (p.Rungs, p.Events, p.History)));
        Assert.Equal(ids.Count * 2, await UnreadAsync(t.Worker));
    }

    /// <summary>
    /// Hangfire's tables do not grow with the number of open cases: while cases open and climb their ladders, every
    /// job Hangfire gets is a run of one of the recurring jobs, and nothing waits in its schedule (no delayed job per
    /// case or rung).
    /// </summary>
    [Fact]
    public async Task Open_cases_and_their_rungs_put_no_job_of_their_own_in_Hangfire()
    {
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        var before = await conn.ExecuteScalarAsync<long>("select coalesce(max(id), 0) from hangfire.job");
        var t = await TeamAsync(cluster.A);
        var ids = new List<long>();
        for (var i = 0; i < 12; i++) ids.Add(await DispatchedCaseAsync(t));
        // A third climb the whole ladder now; the others wait for their warning.
        foreach (var id in ids.Take(4)) await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
        foreach (var id in ids.Take(4))
        {
            Assert.Equal(Ladder, (await EscalationCluster.WaitForRungsAsync(cluster.A, id, 5, TimeSpan.FromSeconds(40))).Select(r => r.Level));
        }
        foreach (var id in ids.Skip(4)) Assert.NotNull(await EscalationCluster.NextRungAsync(cluster.A, id));

        var jobs = (await conn.QueryAsync<(long Id, string? Recurring)>("""
            select j.id, (select p.value from hangfire.jobparameter p where p.jobid = j.id and p.name = 'RecurringJobId')
            from hangfire.job j where j.id > @Before
            """, new { Before = before })).ToList();
        Assert.Contains(jobs, j => j.Recurring == "\"escalation-claim\"");
        string[] recurring = ["\"escalation-claim\"", "\"hotline-push\"", "\"monthly-evaluation\"", "\"retention\""];
        Assert.All(jobs, j => Assert.Contains(j.Recurring, recurring));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*)::int from hangfire.set where key = 'schedule'"));
        foreach (var id in ids) await t.Op.StepOkAsync(id, "hold", new { reason = "Test over" });
    }

    [Fact]
    public async Task When_a_node_stops_mid_way_the_others_finish_the_ladder()
    {
        var third = await TestServer.StartAsync("node-c", cluster.A.ConnectionString, EscalationCluster.Settings);
        var stopped = false;
        try
        {
            var t = await TeamAsync(third);
            var ids = new List<long>();
            for (var i = 0; i < 3; i++) ids.Add(await DispatchedCaseAsync(t));
            foreach (var id in ids) await EscalationCluster.SetClockAsync(third, id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
            await EscalationCluster.WaitForRungsAsync(cluster.A, ids[0], 2, TimeSpan.FromSeconds(20));

            await third.DisposeAsync();
            stopped = true;

            foreach (var id in ids)
            {
                var rungs = await EscalationCluster.WaitForRungsAsync(cluster.A, id, 5, TimeSpan.FromSeconds(40));
                Assert.Equal(Ladder, rungs.Select(r => r.Level));
            }
        }
        finally
        {
            if (!stopped) await third.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_rung_fires_once_when_its_job_runs_twice()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);
        // A 3 h limit dispatched 2 h ago: the warning (half-way) is due, the overdue reminder an hour away.
        await EscalationCluster.SetClockAsync(cluster.A, id, TimeSpan.FromHours(2), TimeSpan.FromHours(1));
        var warning = Assert.Single(await EscalationCluster.WaitForRungsAsync(cluster.A, id, 1, TimeSpan.FromSeconds(20)));
        Assert.Equal("warning", warning.Level);

        // Hangfire delivers at least once: the case is claimable again as a second delivery would find it,
        // and the job runs twice at once, on both nodes.
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("update cases set next_rung_at = @At where id = @Id", new { At = warning.DueAt, Id = id });
        await Task.WhenAll(RunClaimJobAsync(cluster.A), RunClaimJobAsync(cluster.B));

        Assert.Single(await EscalationCluster.RungsAsync(cluster.A, id));
        var counts = await conn.QuerySingleAsync<(int Events, int History, int Inbox)>("""
            select (select count(*)::int from case_events where case_id = @Id and kind = 'case_escalated'),
                   (select count(*)::int from case_history where case_id = @Id and action = 'escalate'),
                   (select count(*)::int from inbox_items where case_id = @Id)
            """, new { Id = id });
        Assert.Equal((1, 1, 1), counts);
        Assert.Equal(1, await UnreadAsync(t.Worker));
        // The case waits for its overdue reminder again, at the deadline.
        AssertSameMoment(warning.Deadline!.Value, (await EscalationCluster.NextRungAsync(cluster.A, id))!.Value);
    }

    /// <summary>
    /// The guard in the database itself, below the claim's own check of what fired: the statement of a rung, run a
    /// second time for the same case, deadline and level (as a batch replayed after its first delivery committed
    /// would), inserts no row and writes no inbox item or history entry (events are written only for rungs inserted).
    /// </summary>
    [Fact]
    public async Task The_rung_statement_run_again_inserts_nothing_and_tells_no_one()
    {
        var t = await TeamAsync(cluster.A);
        // Dispatched now: its warning is hours away, so the claim job leaves it alone meanwhile.
        var id = await DispatchedCaseAsync(t);
        await using var conn = await cluster.A.Db.OpenConnectionAsync();
        var c = await conn.QuerySingleAsync<LadderCase>("""
            select id, state, deadline, dispatched_at as DispatchedAt, dispatch_deadline as DispatchDeadline, category_code as CategoryCode,
                   priority, cell_code as CellCode, assigned_unit_id as AssignedUnitId, assignee_id as AssigneeId
            from cases where id = @Id
            """, new { Id = id });

        async Task<List<long>> FireWarningAsync()
        {
            await using var tx = await conn.BeginTransactionAsync();
            await using var batch = new NpgsqlBatch(conn, tx);
            batch.BatchCommands.Add(RungClaims.FireCommand(c, new LadderStep(EscalationLevel.Warning, DateTimeOffset.UtcNow), DateTimeOffset.UtcNow));
            var inserted = new List<long>();
            await using (var reader = await batch.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) inserted.Add(reader.GetInt64(0));
            }
            await tx.CommitAsync();
            return inserted;
        }

        Assert.Single(await FireWarningAsync());
        Assert.Empty(await FireWarningAsync());
        var counts = await conn.QuerySingleAsync<(int Rungs, int History, int Inbox)>("""
            select (select count(*)::int from escalations where case_id = @Id),
                   (select count(*)::int from case_history where case_id = @Id and action = 'escalate'),
                   (select count(*)::int from inbox_items where case_id = @Id)
            """, new { Id = id });
        Assert.Equal((1, 1, 1), counts);
        await t.Op.StepOkAsync(id, "hold", new { reason = "Test over" });
    }

    private static async Task RunClaimJobAsync(TestServer server)
    {
        using var scope = server.App.Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<ClaimDueRungsJob>().RunAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_ladder_changed_by_an_administrator_applies_to_the_next_rung()
    {
        var t = await TeamAsync(cluster.B);
        var admin = await t.World.PersonAsync([Role.Admin], []);
        // Component cases of this database get a slow ladder of their own: the grid head a minute after the deadline.
        var slow = await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = TestCatalogue.Component, warningFraction = 0.5, delaysSeconds = new[] { 0, 60, 60, 60 } });
        var rule = await TestWorld.ReadAsync<LadderRow>(slow);
        Assert.Equal(TestCatalogue.Component, rule.CategoryPrefix);

        var c = await t.World.ReportAsync(t.Worker, 0, TestCatalogue.Component);
        await t.Op.StepOkAsync(c.Id, "register");
        await t.Op.StepOkAsync(c.Id, "dispatch");
        await EscalationCluster.SetClockAsync(cluster.B, c.Id, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
        var rungs = await EscalationCluster.WaitForRungsAsync(cluster.B, c.Id, 2, TimeSpan.FromSeconds(20));
        Assert.Equal(["warning", "assignee"], rungs.Select(r => r.Level));
        AssertSameMoment(rungs[1].DueAt.AddSeconds(60), (await EscalationCluster.NextRungAsync(cluster.B, c.Id))!.Value);

        // Changed without a restart: the next rung (grid head) follows the new ladder, 3 s after the deadline.
        var fast = await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = TestCatalogue.Component, warningFraction = 0.5, delaysSeconds = new[] { 0, 3, 3, 3 } });
        Assert.Equal(rule.Id, (await TestWorld.ReadAsync<LadderRow>(fast)).Id);
        rungs = await EscalationCluster.WaitForRungsAsync(cluster.B, c.Id, 3, TimeSpan.FromSeconds(20));
        Assert.Equal(["warning", "assignee", "grid_head"], rungs.Select(r => r.Level));
        AssertSameMoment(rungs[1].DueAt.AddSeconds(3), rungs[2].DueAt);
        // The rungs already fired stay as they were.
        Assert.Equal(2, (await EscalationCluster.RungsAsync(cluster.B, c.Id)).Count(r => r.At < rungs[2].At));

        await using (var conn = await cluster.B.Db.OpenConnectionAsync())
        {
            Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
                "select count(*)::int from audit_log where action = 'escalation_ladder_saved' and subject = @S and actor_id = @A",
                new { S = $"escalation_ladder:{rule.Id}", A = admin.Id }));
        }
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.DeleteAsync($"/api/escalation/ladders/{rule.Id}")).StatusCode);
        await t.Op.StepOkAsync(c.Id, "hold", new { reason = "Test over" });
    }

    [Fact]
    public async Task Only_administrators_change_ladders_and_bad_ladders_are_refused_with_reasons()
    {
        var t = await TeamAsync(cluster.A);
        var admin = await t.World.PersonAsync([Role.Admin], []);
        var ladders = await TestWorld.ReadAsync<List<LadderRow>>(await t.DistrictSupervisor.Client.GetAsync("/api/escalation/ladders"));
        Assert.Contains(ladders, l => l.CategoryPrefix is null && l.Priority is null);
        var byWorker = await t.Worker.Client.GetAsync("/api/escalation/ladders");
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        var bySupervisor = await t.DistrictSupervisor.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = "E01", warningFraction = 0.8, delaysSeconds = new[] { 0 } });
        Assert.Equal(HttpStatusCode.Forbidden, bySupervisor.StatusCode);

        var bad = await admin.Client.PostAsJsonAsync("/api/escalation/ladders",
            new { categoryPrefix = "X9", priority = "asap", warningFraction = 1.5, delaysSeconds = new[] { 0, -1, 2, 3, 4 } });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await bad.Content.ReadAsStringAsync();
        foreach (var field in new[] { "categoryPrefix", "priority", "warningFraction", "delaysSeconds" }) Assert.Contains(field, body);

        var defaultId = ladders.Single(l => l.CategoryPrefix is null && l.Priority is null).Id;
        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.DeleteAsync($"/api/escalation/ladders/{defaultId}")).StatusCode);
    }

    [Fact]
    public async Task A_supervisor_orders_supervision_by_hand_with_a_note()
    {
        var t = await TeamAsync(cluster.A);
        var id = await DispatchedCaseAsync(t);

        var empty = await t.StreetLeader.Client.PostAsJsonAsync($"/api/cases/{id}/supervise", new { note = " " });
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        var byWorker = await t.Worker.Client.PostAsJsonAsync($"/api/cases/{id}/supervise", new { note = "Hurry" });
        Assert.Equal(HttpStatusCode.Forbidden, byWorker.StatusCode);
        var otherWorld = await TestWorld.CreateAsync(cluster.A);
        var otherStreetLeader = await otherWorld.PersonAsync([Role.Supervisor], [], street: otherWorld.Street);
        Assert.Equal(HttpStatusCode.Forbidden, (await otherStreetLeader.Client.PostAsJsonAsync($"/api/cases/{id}/supervise", new { note = "Hurry" })).StatusCode);

        var made = await TestWorld.ReadAsync<EscalationView>(
            await t.StreetLeader.Client.PostAsJsonAsync($"/api/cases/{id}/supervise", new { note = "Fix by 17:00 and report back" }), HttpStatusCode.Created);
        Assert.Equal("supervise", made.Level);
        Assert.Equal(2, made.Targets);

        var inbox = await TestWorld.ReadAsync<InboxPage>(await t.Worker.Client.GetAsync("/api/inbox"));
        var item = Assert.Single(inbox.Items);
        Assert.Equal("Fix by 17:00 and report back", item.Note);
        Assert.Equal(1, await UnreadAsync(t.Head));
        var c = await t.Op.GetCaseAsync(id);
        var h = c.History!.Last();
        Assert.Equal(("supervise", t.StreetLeader.Id, "Fix by 17:00 and report back"), (h.Action, h.ActorId!.Value, h.Reason!));
        var list = await TestWorld.ReadAsync<List<EscalationView>>(await t.Op.Client.GetAsync($"/api/cases/{id}/escalations"));
        Assert.Equal("supervise", Assert.Single(list).Level);

        // The street leader's escalation figures list it, and the per-day trend counts it.
        var figures = await TestWorld.ReadAsync<global::Grid.Web.Pages.EscalationFigures>(await t.StreetLeader.Client.GetAsync("/api/stats/escalations"));
        var row = Assert.Single(figures.Rows, r => r.CaseId == id);
        Assert.Equal(("supervise", true, "Fix by 17:00 and report back"), (row.Level, row.Current, row.Note));
        Assert.Equal(1, figures.Trend.Single().Count);
        var csv = await t.StreetLeader.Client.GetStringAsync("/api/stats/escalations.csv?level=supervise");
        Assert.Contains("Fix by 17:00 and report back", csv);
    }
}
