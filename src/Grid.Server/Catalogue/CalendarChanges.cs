using Npgsql;

namespace Grid.Server.Catalogue;

/// <summary>
/// Carries a change of the working calendar to every node: the administrator's transaction sends
/// NOTIFY grid_calendar (delivered at commit), and each node's listener makes its catalogue forget the
/// cached calendar, so the next deadline, ladder rung or remaining time anywhere is computed on the new
/// calendar without a restart. A node that lost its listening connection forgets the calendar when it
/// listens again (it may have missed a change) and, meanwhile, reloads it at least once a minute.
/// </summary>
public sealed class CalendarChanges(IConfiguration configuration, CatalogueRepository catalogue, ILogger<CalendarChanges> log) : BackgroundService
{
    public const string Channel = "grid_calendar";

    /// <summary>Sent inside the transaction that changed the calendar.</summary>
    public const string NotifySql = "select pg_notify('grid_calendar', '')";

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(configuration.GetConnectionString("Grid"))
                {
                    ApplicationName = "gridcity-calendar-listener", Pooling = false, KeepAlive = 10,
                };
                await using var conn = new NpgsqlConnection(builder.ConnectionString);
                conn.Notification += (_, _) => catalogue.InvalidateCalendar();
                await conn.OpenAsync(ct);
                await using (var listen = new NpgsqlCommand($"listen {Channel}", conn))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                catalogue.InvalidateCalendar();
                delay = TimeSpan.FromSeconds(1);
                while (!ct.IsCancellationRequested) await conn.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                log.LogWarning(ex, "LISTEN {Channel} connection lost; listening again in {Delay}", Channel, delay);
                try { await Task.Delay(delay, ct); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
