using Grid.Domain.Escalation;
using Microsoft.Extensions.Options;
using Quartz;

namespace Grid.Server.Escalation;

/// <summary>
/// Keeps one Quartz trigger per case with a running clock, at the moment its next rung is due.
/// Trigger group "case-{id}", name "at-{unix ms}": a changed due time is a new trigger, never an
/// edit of one that may be firing on another node.
/// </summary>
public sealed class CaseTriggers(ISchedulerFactory schedulers, EscalationRepository repo, IOptions<EscalationOptions> options)
{
    public static readonly JobKey EscalateJob = new("escalate-case", "escalation");
    public static string GroupOf(long caseId) => $"case-{caseId}";

    /// <summary>Brings the case's trigger in line with the case as stored: scheduled, moved or removed.</summary>
    public async Task SyncAsync(long caseId, CancellationToken ct)
    {
        var scheduler = await schedulers.GetScheduler(ct);
        var c = await repo.FindCaseAsync(caseId);
        LadderStep? next = null;
        if (c is { ClockRuns: true })
        {
            var done = await repo.DoneLevelsAsync(caseId, c.Deadline!.Value);
            next = options.Value.LadderFor(c.CategoryCode, c.Priority).Next(c.Deadline.Value, c.Limit, done);
        }
        var group = GroupOf(caseId);
        var wanted = next is null ? null : new TriggerKey($"at-{next.DueAt.ToUnixTimeMilliseconds()}", group);
        var existing = await scheduler.GetTriggerKeys(GroupMatcher<TriggerKey>.GroupEquals(group), ct);
        foreach (var key in existing.Where(k => !k.Equals(wanted)))
        {
            await scheduler.UnscheduleJob(key, ct);
        }
        if (wanted is not null && !existing.Contains(wanted))
        {
            var trigger = TriggerBuilder.Create()
                .WithIdentity(wanted)
                .ForJob(EscalateJob)
                .UsingJobData("caseId", caseId)
                .StartAt(next!.DueAt)
                // A rung whose moment passed while every node was down fires as soon as one is up.
                .WithSimpleSchedule(s => s.WithMisfireInstruction(SimpleTriggerMisfireInstruction.FireNow))
                .Build();
            try
            {
                await scheduler.ScheduleJob(trigger, default(ScheduleJobOptions), ct);
            }
            catch (ObjectAlreadyExistsException)
            {
                // Another pass scheduled the same rung first: that is the wanted state.
            }
        }
    }
}

/// <summary>Fires the due rungs of one case. Idempotent: run twice, the second run inserts nothing.</summary>
public sealed class EscalateCaseJob(EscalationRepository repo, IOptions<EscalationOptions> options, TimeProvider clock, ILogger<EscalateCaseJob> log) : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var caseId = context.MergedJobDataMap.GetLong("caseId");
        var fired = await repo.FireDueRungsAsync(caseId, c => options.Value.LadderFor(c.CategoryCode, c.Priority), clock.GetUtcNow());
        foreach (var rung in fired)
        {
            log.LogInformation("Case {CaseId} escalated: {Level} (due {DueAt:O}) to {Targets} people", caseId, rung.Level.ToCode(), rung.DueAt, rung.Targets.Count);
        }
        // The rung's case_escalated event makes FollowCaseEventsJob schedule the next rung.
    }
}

/// <summary>
/// Reads case_events after the persisted cursor and syncs the trigger of every case mentioned.
/// A step acknowledged to a client has committed its event row, so a node dying right after the
/// commit loses nothing: whichever node runs this job next reads the row.
/// </summary>
public sealed class FollowCaseEventsJob(EscalationRepository repo, CaseTriggers triggers, IOptions<EscalationOptions> options, TimeProvider clock) : IJob
{
    public static readonly JobKey Key = new("follow-case-events", "escalation");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        // Several batches per run when a burst arrived, but never longer than a few seconds.
        for (var i = 0; i < 10; i++)
        {
            var read = await repo.FollowEventsAsync(async ids =>
            {
                foreach (var id in ids) await triggers.SyncAsync(id, ct);
            }, TimeSpan.FromSeconds(options.Value.EventGapGraceSeconds), clock.GetUtcNow());
            if (read < 2000) break;
        }
    }
}

/// <summary>The safety net: rungs overdue by more than the grace (a lost trigger, a long outage) fire now.</summary>
public sealed class SweepOverdueJob(EscalationRepository repo, CaseTriggers triggers, IOptions<EscalationOptions> options, TimeProvider clock, ILogger<SweepOverdueJob> log) : IJob
{
    public static readonly JobKey Key = new("sweep-overdue", "escalation");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        foreach (var id in await repo.SweepCandidatesAsync(o.EarliestFraction, now.AddSeconds(-o.SweepGraceSeconds)))
        {
            var fired = await repo.FireDueRungsAsync(id, c => o.LadderFor(c.CategoryCode, c.Priority), clock.GetUtcNow());
            if (fired.Count > 0)
            {
                log.LogWarning("Sweep fired {Count} overdue rung(s) of case {CaseId}; its trigger had not", fired.Count, id);
            }
            await triggers.SyncAsync(id, ct);
        }
    }
}
