using System.Text.Json;

namespace Grid.Web.Live;

/// <summary>One row of the node's event stream (case_events), as desk components receive it.</summary>
/// <param name="Kind">case_reported, case_changed, case_escalated or staff_position.</param>
public sealed record DeskEvent(long Seq, DateTimeOffset At, string Kind, long? CaseId, string? CellCode, Guid? PersonId, JsonElement Payload);

/// <summary>
/// The node's live event stream inside one circuit, filtered by the same audience rule as the hub
/// (a street-scoped operator gets only its street). Implemented by the server; scoped to the circuit,
/// so the subscription ends with it.
/// </summary>
public interface IDeskFeed
{
    /// <summary>
    /// Calls <paramref name="onEvent"/> for every later event the signed-in person may see, once each, in the order of
    /// the transactions that wrote them (not by seq: see docs/realtime.md), and
    /// <paramref name="onResync"/> when the circuit fell too far behind to replay (reload state then).
    /// Handlers run on the feed's thread: components marshal with InvokeAsync. Dispose to stop.
    /// </summary>
    Task<IAsyncDisposable> FollowAsync(Func<DeskEvent, Task> onEvent, Func<Task>? onResync = null);

    /// <summary>The last seq delivered to this circuit (0 before the first).</summary>
    long LastSeq { get; }
}
