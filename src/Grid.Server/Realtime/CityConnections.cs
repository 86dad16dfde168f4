using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;

namespace Grid.Server.Realtime;

/// <summary>
/// SignalR's own connection bookkeeping for /hubs/city, plus a way to reach a connection directly:
/// the feed writes one already-serialised message to every connection that should have it
/// (<see cref="HubConnectionContext.WriteAsync(SerializedHubMessage, CancellationToken)"/>), so the
/// serialising cost of an event does not grow with the number of connections.
/// </summary>
public sealed class CityConnections(ILogger<DefaultHubLifetimeManager<CityHub>> logger) : DefaultHubLifetimeManager<CityHub>(logger)
{
    private readonly ConcurrentDictionary<string, HubConnectionContext> _connections = new();

    public HubConnectionContext? Find(string connectionId) => _connections.GetValueOrDefault(connectionId);

    public override Task OnConnectedAsync(HubConnectionContext connection)
    {
        _connections[connection.ConnectionId] = connection;
        return base.OnConnectedAsync(connection);
    }

    public override Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        _connections.TryRemove(connection.ConnectionId, out _);
        return base.OnDisconnectedAsync(connection);
    }
}
