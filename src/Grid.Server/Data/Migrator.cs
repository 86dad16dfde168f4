using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Grid.Server.Data;

/// <summary>
/// Applies db/migrations/NNNN_*.sql in order, each in its own transaction, recording name and
/// checksum. Refuses to start if a landed file was edited. Holds an advisory lock so that two
/// nodes starting at once take turns instead of racing.
/// </summary>
public sealed class Migrator(NpgsqlDataSource db, ILogger<Migrator> log)
{
    // An arbitrary constant that names "GridCity schema migrations" among advisory locks.
    private const long LockKey = 0x47726964_43697479;

    public sealed record Script(string Name, string Sql, string Checksum);

    public static IReadOnlyList<Script> LoadScripts(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new InvalidOperationException($"Migrations folder '{folder}' does not exist. Set Grid:MigrationsPath.");
        }
        return Directory.GetFiles(folder, "*.sql")
            .Select(path => new FileInfo(path))
            .Where(f => f.Name.Length > 5 && char.IsDigit(f.Name[0]))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f =>
            {
                var sql = File.ReadAllText(f.FullName);
                var sum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));
                return new Script(f.Name, sql, sum);
            })
            .ToList();
    }

    private const string CreateLedgerSql = """
        create table if not exists schema_migrations (
            name        text primary key,
            checksum    text not null,
            applied_at  timestamptz not null default now()
        )
        """;

    private const string SelectAppliedSql = "select name, checksum from schema_migrations";

    private const string InsertAppliedSql = "insert into schema_migrations (name, checksum) values (@Name, @Checksum)";

    // Plain Npgsql commands: the migrator runs before the schema the EF model maps exists, and a
    // script is sent as written (EF's raw SQL would read the braces of array literals as format items).
    public async Task ApplyAsync(IReadOnlyList<Script> scripts, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await ExecuteAsync(conn, null, "select pg_advisory_lock(@LockKey)", ct, ("LockKey", LockKey));
        try
        {
            await ExecuteAsync(conn, null, CreateLedgerSql, ct);
            var applied = new Dictionary<string, string>();
            await using (var select = new NpgsqlCommand(SelectAppliedSql, conn))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct)) applied[reader.GetString(0)] = reader.GetString(1);
            }

            foreach (var script in scripts)
            {
                if (applied.TryGetValue(script.Name, out var sum))
                {
                    if (sum != script.Checksum)
                    {
                        throw new InvalidOperationException(
                            $"Migration {script.Name} was edited after it was applied (checksum {sum[..12]}… in the database, " +
                            $"{script.Checksum[..12]}… on disk). Landed migrations are never edited: restore the file and add a new one.");
                    }
                    continue;
                }
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var apply = new NpgsqlCommand(script.Sql, conn, tx) { CommandTimeout = 600 })
                {
                    await apply.ExecuteNonQueryAsync(ct);
                }
                await ExecuteAsync(conn, tx, InsertAppliedSql, ct, ("Name", script.Name), ("Checksum", script.Checksum));
                await tx.CommitAsync(ct);
                log.LogInformation("Applied migration {Name}", script.Name);
            }
        }
        finally
        {
            await ExecuteAsync(conn, null, "select pg_advisory_unlock(@LockKey)", CancellationToken.None, ("LockKey", LockKey));
        }
        // Types created by migrations (postgis geometry) must be known to pooled connections.
        await conn.ReloadTypesAsync(ct);
    }

    private static async Task ExecuteAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql, CancellationToken ct,
        params (string Name, object Value)[] args)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
