using System.Security.Cryptography;
using System.Text;
using Dapper;
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

    private const string SelectAppliedSql = "select name as Name, checksum as Checksum from schema_migrations";

    private const string InsertAppliedSql = "insert into schema_migrations (name, checksum) values (@Name, @Checksum)";

    public async Task ApplyAsync(IReadOnlyList<Script> scripts, CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition("select pg_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: ct));
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(CreateLedgerSql, cancellationToken: ct));
            var applied = (await conn.QueryAsync<(string Name, string Checksum)>(SelectAppliedSql))
                .ToDictionary(r => r.Name, r => r.Checksum);

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
                await conn.ExecuteAsync(new CommandDefinition(script.Sql, transaction: tx, cancellationToken: ct, commandTimeout: 600));
                await conn.ExecuteAsync(new CommandDefinition(InsertAppliedSql, new { script.Name, script.Checksum }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                log.LogInformation("Applied migration {Name}", script.Name);
            }
        }
        finally
        {
            await conn.ExecuteAsync("select pg_advisory_unlock(@LockKey)", new { LockKey });
        }
        // Types created by migrations (postgis geometry) must be known to pooled connections.
        await conn.ReloadTypesAsync(ct);
    }
}
