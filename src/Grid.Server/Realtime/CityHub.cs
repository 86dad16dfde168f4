using Grid.Server.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Grid.Server.Realtime;

/// <param name="AfterSeq">The seq of the last event the client received (or the FromSeq / resync lastSeq it was given); it gets
/// every event after that one it may see. Null: only new events.</param>
/// <param name="Street">Command center only: follow one street instead of the whole area.</param>
public sealed record SubscribeRequest(long? AfterSeq, string? Street);

/// <param name="Follows">"all", "street:CODE" or "cells:N".</param>
/// <param name="FromSeq">The seq the stream starts after; a client that sent no AfterSeq keeps this as its position.</param>
public sealed record SubscribeResult(string Follows, long FromSeq);

/// <summary>
/// /hubs/city: the live feed of case and staff-position events. A client calls Subscribe after every
/// (re)connect with the seq of the last event it received and then receives "event" messages (see
/// <see cref="CityEvent"/>) each exactly once, and "resync" when it was too far behind to replay.
/// Events come in the order their transactions began writing, not by seq: a later seq may come
/// first when its transaction started earlier (docs/realtime.md), so a client must not drop an
/// event for having a lower seq than the last one.
/// </summary>
[Authorize]
public sealed class CityHub(CityFeed feed, EventRepository events, HubSessions sessions) : Hub
{
    public override Task OnConnectedAsync()
    {
        // Watched so that a sign-out, password reset or deactivation elsewhere closes this connection too.
        sessions.Opened(Context);
        return base.OnConnectedAsync();
    }

    public async Task<SubscribeResult> Subscribe(SubscribeRequest request)
    {
        if (request.AfterSeq is < 0) throw new HubException("'afterSeq' is the last seq you received (0 or more), or null for only new events.");
        var viewer = Viewer.From(Context.User!);
        var (audience, error) = Audience.For(viewer, request.Street, await events.CellsServedAsync(viewer.PersonId));
        if (audience is null) throw new HubException(error);
        long from;
        try
        {
            from = await feed.SubscribeAsync(Context.ConnectionId, audience, request.AfterSeq);
        }
        catch (UnknownSeqException e)
        {
            throw new HubException(e.Message);
        }
        return new SubscribeResult(audience.Describe(), from);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        feed.Unsubscribe(Context.ConnectionId);
        sessions.Closed(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
