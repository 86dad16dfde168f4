// The server as a process of its own (the real binary, copied beside the benchmark), so that its
// CPU is measured apart from the loader's: the loader is this process.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GridBench;

public sealed class BenchServer : IAsyncDisposable
{
    private readonly Process _process;

    private BenchServer(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts Grid.Server.dll on a free loopback port against <paramref name="cs"/> (migrated already) and waits for /health.</summary>
    public static async Task<BenchServer> StartAsync(string cs, params string[] extra)
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        var address = new Uri($"http://127.0.0.1:{port}");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Grid.Server.dll"));
        foreach (var a in (string[])[
            $"--urls={address}", $"--ConnectionStrings:Grid={cs}", "--Logging:LogLevel:Default=Warning", "--environment=Production",
            "--Grid:Escalation:Enabled=false", "--Grid:Jobs:Enabled=false",
            "--Grid:MinLon=117.9", "--Grid:MaxLon=118.1", "--Grid:MinLat=28.9", "--Grid:MaxLat=29.1", .. extra])
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info)!;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var probeClient = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException("The server exited:\n" + string.Join('\n', log));
            try
            {
                if ((await probeClient.GetAsync(new Uri(address, "/health"))).IsSuccessStatusCode) break;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow > until) throw new TimeoutException("The server did not answer /health within 2 minutes:\n" + string.Join('\n', log));
            await Task.Delay(250);
        }
        return new BenchServer(process, address);
    }

    /// <summary>CPU seconds the server process has used so far.</summary>
    public double CpuSeconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>A client signed in as <paramref name="username"/>, with its cookie jar.</summary>
    public async Task<(HttpClient Client, CookieContainer Cookies)> SignInAsync(string username, TimeSpan timeout)
    {
        var cookies = new CookieContainer();
        var client = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies, MaxConnectionsPerServer = 1000 })
        {
            BaseAddress = Address, Timeout = timeout,
        };
        (await client.PostAsJsonAsync("/api/auth/login", new { username, password = BenchCity.Password })).EnsureSuccessStatusCode();
        return (client, cookies);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}

/// <summary>CPU of this process and of its finished children (pgbench), as the kernel counts them.</summary>
public static class Cpu
{
    [DllImport("libc", SetLastError = true)]
    private static extern int getrusage(int who, [Out] long[] usage);

    /// <summary>User + system seconds of children that have ended and been waited for (RUSAGE_CHILDREN).</summary>
    public static double ChildrenSeconds()
    {
        var u = new long[18];
        if (getrusage(-1, u) != 0) return double.NaN;
        return u[0] + u[1] / 1e6 + u[2] + u[3] / 1e6;
    }

    public static double SelfSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    public static string Cores(double seconds, double wall) => (seconds / wall).ToString("0.00", CultureInfo.InvariantCulture) + " cores";
}
