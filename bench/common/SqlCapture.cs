// Records the SQL the server runs (Npgsql's command log, with parameter values when the server runs
// with Grid:LogSqlParameters=true) so a benchmark can EXPLAIN ANALYZE exactly those statements.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace GridBench;

public sealed record CapturedSql(string Text, object?[] Parameters);

public sealed class SqlCapture : ILoggerProvider, ILogger
{
    private readonly ConcurrentQueue<CapturedSql> captured = new();
    private volatile bool on;

    public void Start() { captured.Clear(); on = true; }

    public IReadOnlyList<CapturedSql> Stop() { on = false; return captured.ToList(); }

    public ILogger CreateLogger(string categoryName) => categoryName == "Npgsql.Command" ? this : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
    public void Dispose() { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => on;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!on || state is not IReadOnlyList<KeyValuePair<string, object?>> fields) return;
        var text = fields.FirstOrDefault(f => f.Key == "CommandText").Value as string;
        if (text is null || !formatter(state, exception).StartsWith("Command execution completed", StringComparison.Ordinal)) return;
        var parameters = fields.FirstOrDefault(f => f.Key == "Parameters").Value as IEnumerable<object>;
        // Npgsql logs a null parameter as the text "NULL" and an array as "[a, b, c]" (our arrays are of text).
        captured.Enqueue(new CapturedSql(text, parameters?.Select(p => p switch
        {
            "NULL" => null,
            string a when a.StartsWith('[') && a.EndsWith(']') => (object)(a.Length == 2 ? Array.Empty<string>() : a[1..^1].Split(", ")),
            _ => p,
        }).ToArray() ?? []));
    }

    /// <summary>EXPLAIN (ANALYZE) of each read the request ran, with its parameters; the sum of
    /// planning and execution time as PostgreSQL measured it, and the text of each plan.</summary>
    public static async Task<(double TotalMs, List<(string Sql, double Ms)> Statements)> ExplainAsync(string cs, IReadOnlyList<CapturedSql> statements)
    {
        // Geometry parameters (EF sends NetTopologySuite values) need the plugin on this side too.
        // One connection for the whole run, and each statement planned once before the measured run:
        // the server's pooled connections have the catalog cached, while a fresh backend's first
        // plan loads it (20-50 ms of "planning" of the 200-case page query that no request pays).
        _explainSource ??= Source(cs);
        await using var conn = await _explainSource.OpenConnectionAsync();
        var rows = new List<(string, double)>();
        double total = 0;
        foreach (var s in statements)
        {
            var head = s.Text.TrimStart().ToLowerInvariant();
            if (!(head.StartsWith("select") || head.StartsWith("with")) || head.Contains("insert ") || head.Contains("update ")) continue;
            NpgsqlCommand Explain()
            {
                var cmd = new NpgsqlCommand("explain (analyze, format json) " + s.Text, conn);
                foreach (var p in s.Parameters) cmd.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
                return cmd;
            }
            string json;
            try
            {
                await using (var warm = Explain()) await warm.ExecuteScalarAsync();
                await using var cmd = Explain();
                json = (string)(await cmd.ExecuteScalarAsync())!;
            }
            catch (PostgresException e)
            {
                throw new InvalidOperationException($"EXPLAIN failed ({e.MessageText}); parameters: " +
                    string.Join(", ", s.Parameters.Select((p, i) => $"${i + 1} {p?.GetType().Name ?? "null"} {p}")), e);
            }
            var plan = JsonDocument.Parse(json).RootElement[0];
            var ms = plan.GetProperty("Planning Time").GetDouble() + plan.GetProperty("Execution Time").GetDouble();
            total += ms;
            rows.Add((s.Text, ms));
        }
        return (total, rows);
    }

    private static NpgsqlDataSource? _explainSource;

    private static NpgsqlDataSource Source(string cs)
    {
        var builder = new NpgsqlDataSourceBuilder(cs);
        builder.UseNetTopologySuite();
        builder.ConnectionStringBuilder.Options = "-c jit=off"; // as the server runs its SQL (GridApp)
        return builder.Build();
    }

    public static string OneLine(string sql)
    {
        var flat = string.Join(' ', sql.Split((char[])['\n', '\r', ' '], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length > 110 ? flat[..110] + "..." : flat;
    }

    public static string Format(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
}
