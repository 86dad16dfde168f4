using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Grid.Server.Data;

/// <summary>
/// A race lost on a unique key: the same resend twice at the same moment, where the first one made the
/// rows. EF wraps what SaveChanges hits in a <see cref="DbUpdateException"/>; raw SQL through EF throws
/// PostgreSQL's error itself. Both are the same fact here.
/// </summary>
public static class UniqueViolation
{
    public static bool On(Exception e, string constraint) =>
        (e as PostgresException ?? e.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation } p
        && p.ConstraintName == constraint;
}
