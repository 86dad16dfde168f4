using Grid.Server.Jobs;
using Hangfire;
using Microsoft.Extensions.Options;

namespace Grid.Server.Escalation;

/// <summary>
/// The one recurring job of the escalation ladder (every couple of seconds, on whichever node's
/// Hangfire server takes it). It claims due cases in bounded batches while full batches keep
/// coming (a backlog after an outage or an import drains at once, not one batch per tick), then
/// waits inside its window for rungs falling due before the next run starts. Running twice, or on
/// two nodes at once, is safe: rows are claimed with skip locked and each rung is guarded in the
/// database. Not retried: the next run, two seconds later, is the retry.
/// </summary>
[AutomaticRetry(Attempts = 0)]
[ShortLivedJob]
public sealed class ClaimDueRungsJob(RungClaims claims, IOptions<EscalationOptions> options, TimeProvider clock, ILogger<ClaimDueRungsJob> log)
{
    public const string Id = "escalation-claim";

    public async Task RunAsync(CancellationToken ct)
    {
        var o = options.Value;
        var started = clock.GetUtcNow();
        var windowEnd = started.AddSeconds(o.WindowSeconds);
        var drainEnd = started.AddSeconds(o.MaxDrainSeconds);
        while (!ct.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var outcome = await claims.ClaimDueAsync(now, o.BatchSize, ct);
            if (outcome.Fired > 0) log.LogInformation("Escalation: {Fired} rung(s) fired over {Claimed} case(s)", outcome.Fired, outcome.Claimed);
            if (outcome.Claimed == o.BatchSize && now < drainEnd) continue;

            var next = await claims.EarliestAsync(ct);
            now = clock.GetUtcNow();
            if (next is null || next >= windowEnd || now >= windowEnd) return;
            // Due already yet not claimed: another node holds it. Look again shortly.
            var wait = next.Value > now ? next.Value - now : TimeSpan.FromMilliseconds(200);
            await Task.Delay(wait, clock, ct);
        }
    }
}
