using System.Data;
using Dapper;

namespace Grid.Server.Data;

public static class DapperExtensions
{
    /// <summary>The first row as a nullable value tuple; Dapper does not map <c>Nullable&lt;ValueTuple&gt;</c> itself.</summary>
    public static async Task<T?> QueryFirstOrNullAsync<T>(this IDbConnection conn, string sql, object? args = null, IDbTransaction? tx = null)
        where T : struct =>
        (await conn.QueryAsync<T>(sql, args, tx)).Select(r => (T?)r).FirstOrDefault();
}
