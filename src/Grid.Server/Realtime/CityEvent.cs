using System.Text.Json;

namespace Grid.Server.Realtime;

/// <summary>What a hub client receives for each row of case_events (method "event").</summary>
public sealed record CityEvent(long Seq, DateTimeOffset At, string Kind, long? CaseId, string? CellCode, Guid? PersonId, JsonElement Payload);

/// <summary>A case_events row with the facts the audience rule needs (who reported, assignee and unit at the time).</summary>
public sealed class EventRow
{
    public long Seq { get; init; }
    /// <summary>The writing transaction (case_events.xact_id); with Seq the reading order.</summary>
    public long Xact { get; init; }
    public EventPosition Position => new(Xact, Seq);
    public DateTimeOffset At { get; init; }
    public string Kind { get; init; } = "";
    public long? CaseId { get; init; }
    public string? CellCode { get; init; }
    public Guid? PersonId { get; init; }
    public string Payload { get; init; } = "{}";
    public Guid? ReportedBy { get; init; }
    public Guid? AssigneeId { get; init; }
    public string? UnitId { get; init; }

    public CityEvent ToMessage()
    {
        using var doc = JsonDocument.Parse(Payload);
        return new CityEvent(Seq, At, Kind, CaseId, CellCode, PersonId, doc.RootElement.Clone());
    }
}

/// <summary>An event as a circuit on this node receives it, with its place in the listener's order.</summary>
public sealed record PositionedEvent(CityEvent Event, EventPosition Position);

/// <summary>An event read by a node's listener: the message, the hub message (serialised on its first write and then shared by every connection) and the audience facts.</summary>
public sealed record LiveEvent(EventRow Row, CityEvent Message, Microsoft.AspNetCore.SignalR.SerializedHubMessage Serialized);
