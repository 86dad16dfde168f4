using System.Text.Json;
using Grid.Server.Data;
using Npgsql;
using NpgsqlTypes;

namespace Grid.Server.Escalation;

public sealed record LadderRow(long Id, string? CategoryPrefix, string? Priority, double WarningFraction, int[] DelaysSeconds,
    DateTimeOffset UpdatedAt, Guid? UpdatedBy, int Version = 1);

/// <summary>The escalation ladders an administrator keeps (table escalation_ladders).</summary>
public sealed class LadderRepository(NpgsqlDataSource db)
{
    private const string SelectSql = """
        select id, category_prefix, priority, warning_fraction::float8, delays_s, updated_at, updated_by, version
        from escalation_ladders
        order by category_prefix nulls first, priority nulls first
        """;

    private const string UpsertSql = """
        insert into escalation_ladders (category_prefix, priority, warning_fraction, delays_s, updated_at, updated_by)
        values (@Prefix, @Priority, @Fraction, @Delays, @Now, @Actor)
        on conflict ((coalesce(category_prefix, '')), (coalesce(priority, ''))) do update
            set warning_fraction = excluded.warning_fraction, delays_s = excluded.delays_s,
                updated_at = excluded.updated_at, updated_by = excluded.updated_by, version = escalation_ladders.version + 1
            where @Version::integer is null or escalation_ladders.version = @Version::integer
        returning id
        """;

    private const string DeleteRuleSql = """
        delete from escalation_ladders where id = @Id and (category_prefix is not null or priority is not null)
            and (@Version::integer is null or version = @Version::integer)
        returning category_prefix, priority, warning_fraction::float8, delays_s
        """;

    private const string SelectRuleSql = """
        select warning_fraction::float8, delays_s, version from escalation_ladders
        where coalesce(category_prefix, '') = coalesce(@Prefix, '') and coalesce(priority, '') = coalesce(@Priority, '')
        """;

    // A changed ladder applies to the next rung of every open case it may concern: those cases are
    // looked at by the next claim, which writes their next moment on the new ladder. Rungs already
    // fired stay; a rung the new ladder puts in the past fires then.
    private const string RecheckCasesSql = """
        update cases set next_rung_at = @Now
        where state in ('dispatched','in_progress') and deadline is not null and dispatched_at is not null
          and (@Prefix is null or starts_with(category_code, @Prefix))
          and (@Priority is null or priority = @Priority)
        """;

    public async Task<IReadOnlyList<LadderRow>> ListAsync()
    {
        var rows = new List<LadderRow>();
        await using var cmd = db.CreateCommand(SelectSql);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(new LadderRow(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.GetDouble(3), r.GetFieldValue<int[]>(4), r.GetFieldValue<DateTimeOffset>(5), r.IsDBNull(6) ? null : r.GetGuid(6), r.GetInt32(7)));
        }
        return rows;
    }

    /// <summary>Creates or replaces the ladder of (prefix, priority); audited with before and after; open cases it
    /// concerns are rechecked. Null when <paramref name="version"/> is given and the rule has another one now (409).</summary>
    public async Task<long?> SaveAsync(string? prefix, string? priority, double fraction, int[] delays, Guid actor, DateTimeOffset now, int? version = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        object? before = null;
        await using (var read = new NpgsqlCommand(SelectRuleSql, conn, tx))
        {
            AddRule(read.Parameters, prefix, priority);
            await using var r = await read.ExecuteReaderAsync();
            if (await r.ReadAsync()) before = new { warningFraction = r.GetDouble(0), delaysSeconds = r.GetFieldValue<int[]>(1), version = r.GetInt32(2) };
        }
        long id;
        await using (var cmd = new NpgsqlCommand(UpsertSql, conn, tx))
        {
            AddRule(cmd.Parameters, prefix, priority);
            cmd.Parameters.AddWithValue("Fraction", fraction);
            cmd.Parameters.AddWithValue("Delays", delays);
            cmd.Parameters.AddWithValue("Now", now);
            cmd.Parameters.AddWithValue("Actor", actor);
            cmd.Parameters.Add(new NpgsqlParameter("Version", NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
            if (await cmd.ExecuteScalarAsync() is not long saved) return null;
            id = saved;
        }
        await RecheckAsync(conn, tx, prefix, priority, now);
        await AuditAsync(conn, tx, "escalation_ladder_saved", id, actor, now,
            new { categoryPrefix = prefix, priority, before, after = new { warningFraction = fraction, delaysSeconds = delays } });
        await tx.CommitAsync();
        return id;
    }

    /// <summary>Removes a rule (never the default); false when there is no such rule.</summary>
    public async Task<bool> DeleteAsync(long id, Guid actor, DateTimeOffset now, int? version = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        string? prefix, priority;
        object before;
        await using (var cmd = new NpgsqlCommand(DeleteRuleSql, conn, tx))
        {
            cmd.Parameters.AddWithValue("Id", id);
            cmd.Parameters.Add(new NpgsqlParameter("Version", NpgsqlDbType.Integer) { Value = (object?)version ?? DBNull.Value });
            await using var r = await cmd.ExecuteReaderAsync();
            if (!await r.ReadAsync()) return false;
            (prefix, priority) = (r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1));
            before = new { warningFraction = r.GetDouble(2), delaysSeconds = r.GetFieldValue<int[]>(3) };
        }
        await RecheckAsync(conn, tx, prefix, priority, now);
        await AuditAsync(conn, tx, "escalation_ladder_deleted", id, actor, now, new { categoryPrefix = prefix, priority, before, after = (object?)null });
        await tx.CommitAsync();
        return true;
    }

    private static async Task RecheckAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string? prefix, string? priority, DateTimeOffset now)
    {
        await using var cmd = new NpgsqlCommand(RecheckCasesSql, conn, tx);
        AddRule(cmd.Parameters, prefix, priority);
        cmd.Parameters.AddWithValue("Now", now);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string action, long id, Guid actor, DateTimeOffset now, object details)
    {
        await using var cmd = new NpgsqlCommand(AuditLog.InsertSql, conn, tx);
        cmd.Parameters.AddWithValue("Now", now);
        cmd.Parameters.AddWithValue("Actor", actor);
        cmd.Parameters.AddWithValue("Action", action);
        cmd.Parameters.AddWithValue("Subject", $"escalation_ladder:{id}");
        cmd.Parameters.AddWithValue("Details", JsonSerializer.Serialize(details));
        await cmd.ExecuteNonQueryAsync();
    }

    private static void AddRule(NpgsqlParameterCollection p, string? prefix, string? priority)
    {
        p.Add(new NpgsqlParameter("Prefix", NpgsqlDbType.Text) { Value = (object?)prefix ?? DBNull.Value });
        p.Add(new NpgsqlParameter("Priority", NpgsqlDbType.Text) { Value = (object?)priority ?? DBNull.Value });
    }
}
