namespace Grid.Server.Realtime;

/// <summary>
/// Where a reader of case_events stands: the writing transaction's id and the row's seq. Readers
/// walk rows in this order and only over transactions that have ended (see
/// <see cref="EventRepository.StableRowsAfterSql"/>), so a position never has to be revisited.
/// Clients only ever see the seq; the server finds the transaction of a seq it handed out.
/// </summary>
public readonly record struct EventPosition(long Xact, long Seq) : IComparable<EventPosition>
{
    /// <summary>Before every event.</summary>
    public static readonly EventPosition Start = new(0, 0);

    public int CompareTo(EventPosition other) => Xact != other.Xact ? Xact.CompareTo(other.Xact) : Seq.CompareTo(other.Seq);

    public static bool operator >(EventPosition a, EventPosition b) => a.CompareTo(b) > 0;
    public static bool operator <(EventPosition a, EventPosition b) => a.CompareTo(b) < 0;
    public static bool operator >=(EventPosition a, EventPosition b) => a.CompareTo(b) >= 0;
    public static bool operator <=(EventPosition a, EventPosition b) => a.CompareTo(b) <= 0;
}
