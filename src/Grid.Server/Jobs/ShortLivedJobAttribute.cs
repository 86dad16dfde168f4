using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;

namespace Grid.Server.Jobs;

/// <summary>
/// A frequent recurring job (every few seconds) keeps its finished runs for an hour instead of
/// Hangfire's day, so its own tables stay small; a failed run stays until someone deletes it.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method)]
public sealed class ShortLivedJobAttribute : JobFilterAttribute, IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction) =>
        context.JobExpirationTimeout = TimeSpan.FromHours(1);

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
