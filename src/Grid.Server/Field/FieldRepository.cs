using System.Text.Json;
using Grid.Server.Data;
using Grid.Server.Incidents;
using Microsoft.EntityFrameworkCore;
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

/// <summary>Data of the field app: notes added to a case ("+1", the reporter's photos) and patrol tracks.</summary>
public sealed class FieldRepository(IDbContextFactory<GridDbContext> contexts)
{
    public enum NoteOutcome { Added, Replayed, KeyReused, CaseChanged }

    // A note changes no state: from_state = to_state. The state in the insert's where clause makes a
    // note on a case that was just closed lose cleanly instead of landing on the closed case.
    // (jsonb_build_object() is '{}': EF runs raw SQL through string.Format, so no braces here.)
    private const string InsertNoteSql = """
        insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
        select @CaseId, @Now, @PersonId, @Action, c.state, c.state, @Note, @Evidence::jsonb, jsonb_build_object()
        from cases c where c.id = @CaseId and c.state = @State
        """;

    /// <summary>Adds a note with evidence to a case's history, once per idempotency key.</summary>
    public async Task<(NoteOutcome Outcome, long CaseId, string Action)> AddNoteAsync(CaseNote note)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        await db.Database.ExecuteSqlRawAsync("select pg_advisory_xact_lock(hashtextextended(@Lock, 0))",
            new NpgsqlParameter("Lock", $"request:{note.PersonId}:{note.Key}"));
        var prior = await db.Set<RequestKeyRecord>().Where(k => k.PersonId == note.PersonId && k.Key == note.Key)
            .Select(k => new { k.CaseId, k.Action, k.RequestHash }).FirstOrDefaultAsync();
        if (prior is not null)
        {
            await tx.RollbackAsync();
            var same = prior.CaseId == note.CaseId && prior.Action == note.Action && prior.RequestHash == note.RequestHash;
            return (same ? NoteOutcome.Replayed : NoteOutcome.KeyReused, prior.CaseId, prior.Action);
        }
        var added = await db.Database.ExecuteSqlRawAsync(InsertNoteSql,
            new NpgsqlParameter("CaseId", note.CaseId), new NpgsqlParameter("Now", note.Now), new NpgsqlParameter("PersonId", note.PersonId),
            new NpgsqlParameter("Action", note.Action), new NpgsqlParameter("State", note.State),
            new NpgsqlParameter("Note", NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)note.Note ?? DBNull.Value },
            new NpgsqlParameter("Evidence", JsonSerializer.Serialize(note.Evidence)));
        if (added == 0)
        {
            await tx.RollbackAsync();
            return (NoteOutcome.CaseChanged, note.CaseId, note.Action);
        }
        db.Add(new RequestKeyRecord { PersonId = note.PersonId, Key = note.Key, CaseId = note.CaseId, Action = note.Action, RequestHash = note.RequestHash, CreatedAt = note.Now });
        await db.SaveChangesAsync();
        await db.Database.ExecuteSqlRawAsync(CaseRepository.InsertCaseEventSql, new NpgsqlParameter("At", note.Now),
            new NpgsqlParameter("Kind", "case_changed"), new NpgsqlParameter("Action", note.Action), new NpgsqlParameter("CaseId", note.CaseId));
        await tx.CommitAsync();
        return (NoteOutcome.Added, note.CaseId, note.Action);
    }

    private static IQueryable<ShiftRow> Shifts(GridDbContext db, IQueryable<PatrolShiftRecord> shifts) => shifts.Select(s => new ShiftRow
    {
        Id = s.Id, PersonId = s.PersonId, StartedAt = s.StartedAt, EndedAt = s.EndedAt, Consent = s.Consent,
        Points = db.Set<PatrolPointRecord>().Count(p => p.ShiftId == s.Id),
    });

    public async Task<ShiftRow?> OpenShiftAsync(Guid person)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Shifts(db, db.Set<PatrolShiftRecord>().Where(s => s.PersonId == person && s.EndedAt == null)).SingleOrDefaultAsync();
    }

    public async Task<ShiftRow?> FindShiftAsync(long id)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await Shifts(db, db.Set<PatrolShiftRecord>().Where(s => s.Id == id)).SingleOrDefaultAsync();
    }

    // The partial unique index allows one open shift per person; a second start inserts nothing and
    // gets the open one back.
    private const string InsertShiftSql = """
        insert into patrol_shifts (person_id, started_at, consent) values (@Person, @Now, @Consent)
        on conflict (person_id) where ended_at is null do nothing
        """;

    /// <summary>Starts a shift; false when one was already open (it is left as it is).</summary>
    public async Task<(bool Started, ShiftRow Shift)> StartShiftAsync(Guid person, bool consent, DateTimeOffset now)
    {
        bool started;
        await using (var db = await contexts.CreateDbContextAsync())
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            started = await db.Database.ExecuteSqlRawAsync(InsertShiftSql, new NpgsqlParameter("Person", person), new NpgsqlParameter("Now", now),
                new NpgsqlParameter("Consent", consent)) == 1;
            if (started)
            {
                var id = await db.Set<PatrolShiftRecord>().Where(s => s.PersonId == person && s.EndedAt == null).Select(s => s.Id).SingleAsync();
                db.Add(new AuditLogRecord { At = now, ActorId = person, Action = "patrol_started", Subject = $"patrol_shift:{id}",
                    Details = JsonSerializer.Serialize(new { consent }) });
                await db.SaveChangesAsync();
            }
            await tx.CommitAsync();
        }
        return (started, (await OpenShiftAsync(person))!);
    }

    public async Task<ShiftRow?> EndShiftAsync(Guid person, DateTimeOffset now)
    {
        long? id;
        await using (var db = await contexts.CreateDbContextAsync())
        await using (var tx = await db.Database.BeginTransactionAsync())
        {
            id = await db.Set<PatrolShiftRecord>().Where(s => s.PersonId == person && s.EndedAt == null).Select(s => (long?)s.Id).FirstOrDefaultAsync();
            // Guarded by "still open": of two concurrent ends one updates the row, the other nothing.
            if (id is not null && await db.Set<PatrolShiftRecord>().Where(s => s.Id == id && s.EndedAt == null)
                    .ExecuteUpdateAsync(u => u.SetProperty(s => s.EndedAt, now)) == 1)
            {
                db.Add(new AuditLogRecord { At = now, ActorId = person, Action = "patrol_ended", Subject = $"patrol_shift:{id}", Details = "{}" });
                await db.SaveChangesAsync();
            }
            else id = null;
            await tx.CommitAsync();
        }
        return id is null ? null : await FindShiftAsync(id.Value);
    }

    /// <summary>The point is kept with the shift (the track), and the same position goes out as a
    /// staff_position event for the command-center map, announced by NOTIFY at commit like every case event.</summary>
    public async Task AddPointAsync(long shiftId, Guid person, double lat, double lon, double? accuracy, string? cell, DateTimeOffset at)
    {
        await using var db = await contexts.CreateDbContextAsync();
        await using var tx = await db.Database.BeginTransactionAsync();
        db.Add(new PatrolPointRecord { ShiftId = shiftId, At = at, Location = Grid.Geo.Point(lon, lat), AccuracyM = accuracy, CellCode = cell });
        await db.SaveChangesAsync();
        await db.Database.ExecuteSqlRawAsync(Realtime.EventRepository.InsertPositionEventSql,
            Realtime.EventRepository.PositionEventArgs(person, lat, lon, accuracy, cell, at));
        await tx.CommitAsync();
    }

    public async Task<IReadOnlyList<PointRow>> TrackAsync(long shiftId)
    {
        await using var db = await contexts.CreateDbContextAsync();
        return await db.Set<PatrolPointRecord>().Where(p => p.ShiftId == shiftId).OrderBy(p => p.At).ThenBy(p => p.Id)
            .Select(p => new PointRow { At = p.At, Lat = p.Location.Y, Lon = p.Location.X, AccuracyM = p.AccuracyM, CellCode = p.CellCode })
            .ToListAsync();
    }
}
