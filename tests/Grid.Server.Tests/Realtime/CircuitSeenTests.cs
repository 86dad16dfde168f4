using Grid.Domain.People;
using Grid.Server.Realtime;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Live;
using Grid.Web.Pages.Command;

namespace Grid.Server.Tests.Realtime;

/// <summary>
/// Open command centers share their reads of the list, the counts and the cell colours (SharedReads), up to what each
/// circuit has been told of (CircuitFeed.Seen). A reload a change asks for must show that change, however soon after
/// it is delivered and whatever other page read the same thing just before.
/// </summary>
public sealed class CircuitSeenTests
{
    [Fact]
    public async Task A_reload_asked_for_by_an_event_shows_its_change_though_a_page_read_the_same_list_just_before()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);
        await using var first = await DeskScope.ForAsync(server, op);
        await using var second = await DeskScope.ForAsync(server, op);
        var query = new CaseQuery(Street: world.Street);
        var seen = new List<(string Circuit, long? CaseId, bool Listed, bool SeenMoved)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task FollowAsync(DeskScope desk, string name)
        {
            var feed = (CircuitFeed)desk.Get<IDeskFeed>();
            var before = feed.Seen;
            await feed.FollowAsync(async e =>
            {
                // What the page does on a change, at once: read the list again (through the shared reads).
                var listed = (await desk.Get<ICommandSource>().ListAsync(query)).Items.Any(c => c.Id == e.CaseId);
                lock (seen)
                {
                    seen.Add((name, e.CaseId, listed, feed.Seen > before));
                    if (seen.Select(s => (s.Circuit, s.CaseId)).Distinct().Count() == 4) done.TrySetResult();
                }
                before = feed.Seen;
            });
        }

        await FollowAsync(first, "first");
        await FollowAsync(second, "second");
        // Both pages read the list (one shared read, begun before the reports) ...
        Assert.Equal((await first.Get<ICommandSource>().ListAsync(query)).Items.Select(c => c.Id),
            (await second.Get<ICommandSource>().ListAsync(query)).Items.Select(c => c.Id));
        // ... then two cases are reported within the second a read is shared.
        var a = await world.ReportAsync(worker, 0);
        var b = await world.ReportAsync(worker, 0);
        var all = await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(20)));
        Assert.Same(done.Task, all);

        lock (seen)
        {
            Assert.Equal(4, seen.Select(s => (s.Circuit, s.CaseId)).Distinct().Count());
            Assert.All(seen, s => Assert.True(s.Listed, $"the {s.Circuit} page's reload did not list case {s.CaseId}"));
            Assert.All(seen, s => Assert.True(s.SeenMoved, $"the {s.Circuit} page's place did not move forward with the report of case {s.CaseId}"));
            Assert.Equal([a.Id, b.Id], seen.Where(s => s.Circuit == "first").Select(s => s.CaseId).Distinct().ToList());
            Assert.Equal([a.Id, b.Id], seen.Where(s => s.Circuit == "second").Select(s => s.CaseId).Distinct().ToList());
        }
    }
}
