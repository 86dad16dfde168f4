using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Hotline;
using Grid.Server.Intake;
using Grid.Server.Tests.Infrastructure;
using static Grid.Server.Tests.Intake.IntakeHelpers;

namespace Grid.Server.Tests.Intake;

public sealed class DuplicateTests
{
    [Fact]
    public async Task Reports_from_two_channels_at_one_spot_are_flagged_merged_and_each_reporter_is_told()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var key = await IssueKeyAsync(world);
        var field = await world.ReportAsync(worker, 0);

        var hotline = server.Anonymous();
        hotline.DefaultRequestHeaders.Add("X-Api-Key", key);
        var (lat, lon) = world.Inside(0, 0.52, 0.5);
        var ticketId = "T-" + Guid.NewGuid().ToString("N")[..8];
        var receipt = await TestWorld.ReadAsync<TicketReceipt>(await hotline.PostAsJsonAsync("/api/hotline/tickets", new
        {
            ticketId, callerName = "赵六", callerPhone = "13700002222", lat, lon, categoryCode = TestCatalogue.LightEvent, description = "Garbage again",
        }), HttpStatusCode.Created);
        Assert.Equal([field.Id], receipt.LikelyDuplicates);

        var flags = await TestWorld.ReadAsync<List<DuplicateView>>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={receipt.CaseId}"));
        var flag = Assert.Single(flags);
        Assert.Equal(field.Id, flag.Candidate.Id);
        Assert.True(flag.DistanceM < 10);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { })).StatusCode);

        var merged = await TestWorld.ReadAsync<DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { reason = "Same pile" }));
        Assert.Equal("merged", merged.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { })).StatusCode);

        // One case keeps both histories and both reporters.
        var kept = await op.GetCaseAsync(field.Id);
        Assert.Contains(kept.History!, h => h.Action == "merge_in");
        Assert.Contains(kept.History!, h => h.Action == "merge");
        var reporters = await TestWorld.ReadAsync<RevealView>(await op.Client.PostAsJsonAsync($"/api/cases/{field.Id}/reveal-reporter", new { reason = "check merge" }));
        Assert.Contains(reporters.Reporters, r => r.Phone == "13700002222" && r.Source == "hotline");
        Assert.Contains(reporters.Reporters, r => r.Source == "field");

        // The field reporter's own case history tells him; the hotline feed tells the caller.
        var dup = await op.GetCaseAsync(receipt.CaseId);
        Assert.Equal("cancelled", dup.State);
        await op.StepOkAsync(field.Id, "register");
        var feed = new List<FeedItem>();
        long after = 0;
        for (var i = 0; i < 200; i++)
        {
            var page = await TestWorld.ReadAsync<FeedPage>(await hotline.GetAsync($"/api/hotline/feed?after={after}&limit=1000"));
            feed.AddRange(page.Items.Where(x => x.TicketId == ticketId));
            if (page.Items.Count == 0) break;
            after = page.Cursor;
        }
        Assert.Contains(feed, f => f.Action == "merge" && f.Note!.Contains(field.CaseNo));
        Assert.Equal("register", feed[^1].Action);
    }

    [Fact]
    public async Task An_open311_request_merged_into_a_case_shows_that_case_in_its_status_notes_and_kept_apart_is_recorded()
    {
        var server = await TestServer.SharedAsync();
        await EnsureAttributesAsync(server);
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var op = await world.PersonAsync([Role.Operator], []);
        var key = await IssueKeyAsync(world);
        var first = await world.ReportAsync(worker, 2);
        var (lat, lon) = world.Inside(2);
        var client = server.Anonymous();
        var post = await client.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["api_key"] = key, ["service_code"] = TestCatalogue.LightEvent, ["lat"] = F(lat), ["long"] = F(lon), ["description"] = "Trash",
        }));
        var id = (await TestWorld.ReadAsync<JsonElement>(post, HttpStatusCode.Created))[0].GetProperty("service_request_id").GetString();
        var flags = await TestWorld.ReadAsync<List<DuplicateView>>(await op.Client.GetAsync($"/api/duplicates?caseId={first.Id}"));
        var flag = flags.Single(f => f.Report.CaseNo == id);
        Assert.Equal(HttpStatusCode.OK, (await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { })).StatusCode);
        var r = JsonDocument.Parse(await client.GetStringAsync($"/open311/v2/requests/{id}.json")).RootElement[0];
        Assert.Equal("open", r.GetProperty("status").GetString());
        Assert.Contains(first.CaseNo, r.GetProperty("status_notes").GetString());

        // A third report at the same spot that is a different problem is kept apart, with a reason.
        var third = await world.ReportAsync(worker, 2);
        var flag3 = (await TestWorld.ReadAsync<List<DuplicateView>>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={third.Id}"))).Single();
        Assert.Equal(HttpStatusCode.BadRequest, (await op.Client.PostAsJsonAsync($"/api/duplicates/{flag3.Id}/keep-apart", new { })).StatusCode);
        var apart = await TestWorld.ReadAsync<DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flag3.Id}/keep-apart", new { reason = "Other side of the road" }));
        Assert.Equal("kept_apart", apart.Status);
        var history = (await op.GetCaseAsync(third.Id)).History!;
        Assert.Equal(["report", "duplicate_flagged", "duplicate_kept_apart"], history.Select(h => h.Action));
    }

    [Fact]
    public async Task A_flag_is_written_to_the_new_cases_history_with_the_report_and_is_not_a_lifecycle_step()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var first = await world.ReportAsync(worker, 1);
        var second = await world.ReportAsync(worker, 1);

        // The new case's history says which case it probably repeats, at the moment of the report.
        var view = await op.GetCaseAsync(second.Id);
        Assert.Equal(["report", "duplicate_flagged"], view.History!.Select(h => h.Action));
        var flag = view.History![1];
        Assert.Contains($"likely duplicate of case {first.CaseNo}", flag.Reason);
        Assert.Equal(("reported", "reported"), (flag.FromState, flag.ToState));
        Assert.Equal(view.History[0].At, flag.At);
        Assert.Equal(first.Id, flag.Details.GetProperty("candidates")[0].GetProperty("caseId").GetInt64());
        // Not a step: the version is the report's, so a step on it still goes through.
        Assert.Equal(1, view.Version);
        Assert.Equal("registered", (await op.StepOkAsync(second.Id, "register", new { version = 1 })).State);
        // The older case is not touched.
        Assert.Equal(["report"], (await op.GetCaseAsync(first.Id)).History!.Select(h => h.Action));

        await using var conn = await server.Db.OpenConnectionAsync();
        // Rows written by one transaction share its id (xmin); history rows are never updated.
        var sameTx = await Dapper.SqlMapper.ExecuteScalarAsync<bool>(conn, """
            select count(distinct xmin::text) = 1 from case_history where case_id = @Id and action in ('report', 'duplicate_flagged')
            """, new { second.Id });
        Assert.True(sameTx, "The flag's history row is written in the report's transaction.");
    }
}
