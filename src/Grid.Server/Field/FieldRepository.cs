using System.Text.Json;
using Dapper;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Npgsql;

namespace Grid.Server.Field;

public sealed record CaseNote(long CaseId, Guid PersonId, string Action, string State, string? Note, IReadOnlyList<string> Evidence,
    string Key, string RequestHash, DateTimeOffset Now);

public sealed class ShiftRow
{
    public long Id { get; init; }
    public Guid PersonId { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public bool Consent { get; init; }
    public int Points { get; init; }
}

public sealed class PointRow
{
    public DateTimeOffset At { get; init; }
    public double Lat { get; init; }
    public double Lon { get; init; }
    public double? AccuracyM { get; init; }
    public string? CellCode { get; init; }
}

/// <summary>SQL of the field app: notes added to a case ("+1", the reporter's photos) and patrol tracks.</summary>
public sealed class FieldRepository(NpgsqlDataSource db)
{
    public enum NoteOutcome { Added, Replayed, KeyReused, CaseChanged }

    // A note changes no state: from_state = to_state. The state in the insert's where clause makes a
    // note on a case that was just closed lose cleanly instead of landing on the closed case.
    private const string InsertNoteSql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
        select @CaseId, @Now, @PersonId, @Action, c.state, c.state, @Note, @Evidence::jsonb, '{}'::jsonb
        from cases c where c.id = @CaseId and c.state = @State
        """;

    private const string InsertKeySql = """
        insert into request_keys (person_id, key, case_id, action, request_hash, created_at)
        values (@PersonId, @Key, @CaseId, @Action, @RequestHash, @Now)
        """;

    /// <summary>Adds a note with evidence to a case's history, once per idempotency key.</summary>
    public async Task<(NoteOutcome Outcome, long CaseId, string Action)> AddNoteAsync(CaseNote note)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync("select pg_advisory_xact_lock(hashtextextended(@Lock, 0))", new { Lock = $"request:{note.PersonId}:{note.Key}" }, tx);
        var prior = await conn.QueryFirstOrNullAsync<(long CaseId, string Action, string RequestHash)>(
            "select case_id, action, request_hash from request_keys where person_id = @PersonId and key = @Key", new { note.PersonId, note.Key }, tx);
        if (prior is { } p)
        {
            await tx.RollbackAsync();
            var same = p.CaseId == note.CaseId && p.Action == note.Action && p.RequestHash == note.RequestHash;
            return (same ? NoteOutcome.Replayed : NoteOutcome.KeyReused, p.CaseId, p.Action);
        }
        var added = await conn.ExecuteAsync(InsertNoteSql, new
        {
            note.CaseId, note.Now, note.PersonId, note.Action, note.State, note.Note, Evidence = JsonSerializer.Serialize(note.Evidence),
        }, tx);
        if (added == 0)
        {
            await tx.RollbackAsync();
            return (NoteOutcome.CaseChanged, note.CaseId, note.Action);
        }
        await conn.ExecuteAsync(InsertKeySql, new { note.PersonId, note.Key, note.CaseId, note.Action, note.RequestHash, note.Now }, tx);
        await conn.ExecuteAsync(CaseRepository.InsertCaseEventSql, new { At = note.Now, Kind = "case_changed", note.Action, note.CaseId }, tx);
        await tx.CommitAsync();
        return (NoteOutcome.Added, note.CaseId, note.Action);
    }

    private const string SelectShiftColumns = """
        select s.id as Id, s.person_id as PersonId, s.started_at as StartedAt, s.ended_at as EndedAt, s.consent as Consent,
               (select count(*)::int from patrol_points p where p.shift_id = s.id) as Points
        from patrol_shifts s
        """;

    public async Task<ShiftRow?> OpenShiftAsync(Guid person)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<ShiftRow>(SelectShiftColumns + " where s.person_id = @Person and s.ended_at is null", new { Person = person });
    }

    public async Task<ShiftRow?> FindShiftAsync(long id)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<ShiftRow>(SelectShiftColumns + " where s.id = @Id", new { Id = id });
    }

    // The partial unique index allows one open shift per person; a second start gets the open one back.
    private const string InsertShiftSql = """
        insert into patrol_shifts (person_id, started_at, consent) values (@Person, @Now, @Consent)
        on conflict (person_id) where ended_at is null do nothing
        returning id
        """;

    /// <summary>Starts a shift; false when one was already open (it is left as it is).</summary>
    public async Task<(bool Started, ShiftRow Shift)> StartShiftAsync(Guid person, bool consent, DateTimeOffset now)
    {
        await using (var conn = await db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var id = await conn.QuerySingleOrDefaultAsync<long?>(InsertShiftSql, new { Person = person, Now = now, Consent = consent }, tx);
            if (id is { } started)
            {
                await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = person, Action = "patrol_started", Subject = $"patrol_shift:{started}",
                    Details = JsonSerializer.Serialize(new { consent }) }, tx);
            }
            await tx.CommitAsync();
            if (id is null) return (false, (await OpenShiftAsync(person))!);
        }
        return (true, (await OpenShiftAsync(person))!);
    }

    private const string EndShiftSql = """
        update patrol_shifts set ended_at = @Now where person_id = @Person and ended_at is null returning id
        """;

    public async Task<ShiftRow?> EndShiftAsync(Guid person, DateTimeOffset now)
    {
        long? id;
        await using (var conn = await db.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            id = await conn.QuerySingleOrDefaultAsync<long?>(EndShiftSql, new { Person = person, Now = now }, tx);
            if (id is not null)
            {
                await conn.ExecuteAsync(AuditLog.InsertSql, new { Now = now, Actor = person, Action = "patrol_ended", Subject = $"patrol_shift:{id}", Details = "{}" }, tx);
            }
            await tx.CommitAsync();
        }
        return id is null ? null : await FindShiftAsync(id.Value);
    }

    // The point is kept with the shift (the track), and the same position goes out as a staff_position
    // event for the command-center map, announced by NOTIFY at commit like every case event.
    private const string InsertPointSql = """
        insert into patrol_points (shift_id, at, location, accuracy_m, cell_code)
        values (@ShiftId, @At, ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326), @Accuracy, @Cell)
        """;

    public async Task AddPointAsync(long shiftId, Guid person, double lat, double lon, double? accuracy, string? cell, DateTimeOffset at)
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var args = new { ShiftId = shiftId, Person = person, Lat = lat, Lon = lon, Accuracy = accuracy, Cell = cell, At = at };
        await conn.ExecuteAsync(InsertPointSql, args, tx);
        await conn.ExecuteAsync(Realtime.EventRepository.InsertPositionEventSql, args, tx);
        await tx.CommitAsync();
    }

    private const string SelectTrackSql = """
        select at as At, ST_Y(location) as Lat, ST_X(location) as Lon, accuracy_m as AccuracyM, cell_code as CellCode
        from patrol_points where shift_id = @Id order by at, id
        """;

    public async Task<IReadOnlyList<PointRow>> TrackAsync(long shiftId)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<PointRow>(SelectTrackSql, new { Id = shiftId })).ToList();
    }
}
