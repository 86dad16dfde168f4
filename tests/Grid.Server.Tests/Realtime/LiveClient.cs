using System.Collections.Concurrent;
using System.Text.Json;
using Grid.Server.Realtime;
using Grid.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;

namespace Grid.Server.Tests.Realtime;

/// <summary>
/// A client of /hubs/city on the .NET SignalR client (WebSockets, the sign-in cookie of a real
/// login): records every event and resync in arrival order.
/// </summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<CityEvent> _events = new();

    private LiveClient(HubConnection connection)
    {
        _connection = connection;
        connection.On<CityEvent>("event", e => _events.Enqueue(e));
        connection.On<JsonElement>("resync", r => Resyncs++);
    }

    public SubscribeResult Subscription { get; private set; } = null!;
    public int Resyncs { get; private set; }
    public IReadOnlyList<CityEvent> Events => _events.ToList();

    public static async Task<LiveClient> ConnectAsync(TestServer server, string username, long? afterSeq = null, string? street = null)
    {
        var cookie = await HubClient.CookieAsync(server, username);
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, RealtimeEndpoints.HubPath), o =>
            {
                o.Transports = HttpTransportType.WebSockets;
                o.SkipNegotiation = true;
                o.Headers["Cookie"] = cookie;
            })
            .Build();
        var client = new LiveClient(connection);
        try
        {
            await connection.StartAsync();
            client.Subscription = await connection.InvokeAsync<SubscribeResult>("Subscribe", new SubscribeRequest(afterSeq, street));
            return client;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
