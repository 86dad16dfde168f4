using Grid.Server.Data;
using Grid.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Data;

/// <summary>
/// The server's connections run without PostgreSQL's JIT: the figures' queries are costed high enough
/// to be compiled for about a second each, for nothing (see GridApp and docs/data-access.md).
/// </summary>
public sealed class ConnectionSettingsTests
{
    [Fact]
    public async Task The_servers_connections_and_EF_contexts_run_with_jit_off()
    {
        var server = await TestServer.SharedAsync();
        await using (var conn = await server.Db.OpenConnectionAsync())
        await using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "show jit";
            Assert.Equal("off", await cmd.ExecuteScalarAsync());
        }

        await using var db = await server.App.Services.GetRequiredService<IDbContextFactory<GridDbContext>>().CreateDbContextAsync();
        var jit = await db.Database.SqlQueryRaw<string>("select current_setting('jit') as \"Value\"").SingleAsync();
        Assert.Equal("off", jit);
    }
}
