using System.Net;
using System.Net.Sockets;

namespace Grid.Server.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay in front of the real PostgreSQL, so a test can take the database away from
/// a server (every connection dropped, new ones refused) and give it back, as a restart or a
/// failover does, without touching the cluster the other tests use.
/// </summary>
public sealed class TcpCutter : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _down;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public TcpCutter(string host, int port)
    {
        _target = new IPEndPoint(Dns.GetHostAddresses(host).First(a => a.AddressFamily == AddressFamily.InterNetwork), port);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>Drops every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _down = true;
        lock (_open)
        {
            foreach (var c in _open) c.Close();
            _open.Clear();
        }
    }

    public void Restore() => _down = false;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            if (_down)
            {
                client.Close();
                continue;
            }
            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        try
        {
            await server.ConnectAsync(_target);
            lock (_open) { _open.Add(client); _open.Add(server); }
            var a = client.GetStream().CopyToAsync(server.GetStream());
            var b = server.GetStream().CopyToAsync(client.GetStream());
            await Task.WhenAny(a, b);
        }
        catch (Exception)
        {
            // A cut connection ends here.
        }
        finally
        {
            client.Close();
            server.Close();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        return ValueTask.CompletedTask;
    }
}
