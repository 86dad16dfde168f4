using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace Grid.Server.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide (static), while each host has its own logger factory.
/// When several hosts share a process (test nodes side by side) and one stops, the loggers bound to
/// its disposed factory must not take the others' workers down: a logger of a disposed factory is
/// silent instead of throwing.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory factory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(factory);

    public ILog GetLogger(string name)
    {
        try
        {
            return new Guarded(_inner.GetLogger(name));
        }
        catch (ObjectDisposedException)
        {
            return new Guarded(null);
        }
    }

    private sealed class Guarded(ILog? inner) : ILog
    {
        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string> messageFunc, Exception exception)
        {
            if (inner is null) return false;
            try
            {
                return inner.Log(logLevel, messageFunc, exception);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }
    }
}
