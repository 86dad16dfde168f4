using Grid.Domain.People;
using Grid.Server.Realtime;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Live;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Grid.Server.Tests.Realtime;

/// <summary>
/// A desk page's circuit stops following the city's events while its browser is away (Blazor keeps the circuit for
/// minutes) and, when the browser is back, gets what it missed, once each and in order.
/// </summary>
public sealed class CircuitFeedPauseTests
{
    /// <summary>A circuit's services as the server builds them for a signed-in person, and what its feed delivered.</summary>
    private sealed class Circuit : IAsyncDisposable
    {
        private readonly DeskScope _desk;
        private readonly Lock _gate = new();
        private readonly List<DeskEvent> _events = [];

        private Circuit(DeskScope desk) => _desk = desk;

        public CircuitFeed Feed => (CircuitFeed)_desk.Get<IDeskFeed>();
        public IEnumerable<CircuitHandler> Handlers => _desk.Get<IEnumerable<CircuitHandler>>();

        public static async Task<Circuit> OpenAsync(TestServer server, TestUser user)
        {
            var circuit = new Circuit(await DeskScope.ForAsync(server, user));
            await circuit.Feed.FollowAsync(e =>
            {
                lock (circuit._gate) circuit._events.Add(e);
                return Task.CompletedTask;
            });
            return circuit;
        }

        /// <summary>The seqs delivered of one case's events.</summary>
        public List<long> SeqsOf(long caseId)
        {
            lock (_gate) return _events.Where(e => e.CaseId == caseId).Select(e => e.Seq).ToList();
        }

        public async Task WaitForAsync(long caseId, int count, string what)
        {
            var until = DateTime.UtcNow.AddSeconds(20);
            while (SeqsOf(caseId).Count < count)
            {
                if (DateTime.UtcNow > until) throw new TimeoutException($"{what}: {SeqsOf(caseId).Count} of {count} events of case {caseId} within 20 s.");
                await Task.Delay(50);
            }
        }

        public ValueTask DisposeAsync() => _desk.DisposeAsync();
    }

    [Fact]
    public async Task A_circuit_whose_browser_is_away_follows_nothing_and_gets_what_it_missed_when_the_browser_is_back()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], [], street: world.Street);
        await using var away = await Circuit.OpenAsync(server, op);
        await using var watching = await Circuit.OpenAsync(server, op);

        var first = await world.ReportAsync(worker, 0);
        await away.WaitForAsync(first.Id, 1, "before the browser went away");

        // The browser's connection goes down, as Blazor tells the circuit's handlers.
        var handler = Assert.Single(away.Handlers.OfType<CircuitFeedConnection>());
        await handler.OnConnectionDownAsync(null!, CancellationToken.None);
        var missed = await world.ReportAsync(worker, 0);
        await op.StepOkAsync(missed.Id, "register");
        // The circuit whose browser is there has both events; the one away gets none, watched for a second after that
        // (a bounded poll that fails at the first one: the same fan-out reaches both within milliseconds).
        await watching.WaitForAsync(missed.Id, 2, "the circuit whose browser is there");
        await Escalation.EscalationCluster.AssertStaysAsync(() => Task.FromResult(away.SeqsOf(missed.Id).Count), n => n == 0,
            TimeSpan.FromSeconds(1), "no event of the case reported while the browser was away");

        await handler.OnConnectionUpAsync(null!, CancellationToken.None);
        await away.WaitForAsync(missed.Id, 2, "replayed when the browser is back");
        var later = await world.ReportAsync(worker, 0);
        await away.WaitForAsync(later.Id, 1, "live again");
        await watching.WaitForAsync(later.Id, 1, "the circuit whose browser is there");
        // What it missed, once each and in the order the other circuit had them; then the live stream.
        Assert.Equal(watching.SeqsOf(missed.Id), away.SeqsOf(missed.Id));
        Assert.Equal(watching.SeqsOf(later.Id), away.SeqsOf(later.Id));
    }
}
