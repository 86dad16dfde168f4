using Dapper;
using Grid.Domain.People;
using Grid.Server.Jobs;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Server.Tests.Jobs;

/// <summary>The daily retention job prunes old patrol points, spent idempotency keys and rate windows (API keys' and the citizen
/// page's), in batches; new rows stay.</summary>
public sealed class RetentionTests
{
    [Fact]
    public async Task Old_rows_are_pruned_in_batches_and_recent_ones_kept()
    {
        // Batches of two, so every table takes several statements.
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("retention"), settings: new Dictionary<string, string?>
        {
            ["Grid:Retention:BatchSize"] = "2", ["Grid:Retention:PatrolPointDays"] = "90", ["Grid:Retention:IdempotencyKeyDays"] = "30",
            ["Grid:Retention:UsageWindowHours"] = "24",
        });
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var c = await world.ReportAsync(worker, 0);
        await using var conn = await server.Db.OpenConnectionAsync();
        var shift = await conn.ExecuteScalarAsync<long>(
            "insert into patrol_shifts (person_id, started_at, ended_at, consent) values (@P, now() - interval '200 days', now() - interval '1 day', true) returning id",
            new { P = worker.Id });
        var (lat, lon) = world.Inside(0);
        foreach (var daysAgo in new[] { 200, 150, 120, 91, 89, 1 })
        {
            await conn.ExecuteAsync("insert into patrol_points (shift_id, at, location) values (@S, now() - make_interval(days => @D), ST_SetSRID(ST_MakePoint(@Lon, @Lat), 4326))",
                new { S = shift, D = daysAgo, Lat = lat, Lon = lon });
        }
        // The windows in which an API key's requests are counted (its rate limit).
        var apiKey = await conn.ExecuteScalarAsync<long>("""
            insert into open311_api_keys (name, key_prefix, key_hash, rate_per_minute, created_by, created_at)
            values ('Retention test', 'rt', md5(random()::text), 10, @P, now()) returning id
            """, new { P = worker.Id });
        for (var i = 0; i < 5; i++)
        {
            var old = i < 3;
            await conn.ExecuteAsync("insert into idempotency_keys (person_id, key, request_hash, case_id, created_at) values (@P, @K, 'h', @C, now() - make_interval(days => @D))",
                new { P = worker.Id, K = $"old-{i}", C = c.Id, D = old ? 40 : 2 });
            await conn.ExecuteAsync("insert into request_keys (person_id, key, case_id, action, request_hash, created_at) values (@P, @K, @C, 'accept', 'h', now() - make_interval(days => @D))",
                new { P = worker.Id, K = $"step-{i}", C = c.Id, D = old ? 40 : 2 });
            await conn.ExecuteAsync("insert into citizen_rate_usage (subject, window_start, count) values (@S, now() - make_interval(hours => @H), 1)",
                new { S = $"test-{world.Street}-{i}", H = old ? 48 : 1 });
            await conn.ExecuteAsync("insert into open311_key_usage (key_id, window_start, count) values (@K, date_trunc('minute', now()) - make_interval(hours => @H, mins => @I), 1)",
                new { K = apiKey, H = old ? 48 : 1, I = i });
        }

        RetentionOutcome outcome;
        using (var scope = server.App.Services.CreateScope())
        {
            outcome = await scope.ServiceProvider.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);
        }
        Assert.Equal(new RetentionOutcome(4, 3, 3, 3, 3), outcome);
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*)::int from patrol_points where shift_id = @S", new { S = shift }));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*)::int from patrol_points where shift_id = @S and at < now() - interval '90 days'", new { S = shift }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*)::int from idempotency_keys where person_id = @P", new { P = worker.Id }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*)::int from request_keys where person_id = @P", new { P = worker.Id }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*)::int from citizen_rate_usage where subject like @S", new { S = $"test-{world.Street}-%" }));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("select count(*)::int from open311_key_usage where key_id = @K", new { K = apiKey }));

        // Run again (a second delivery, another node): nothing left to delete.
        using (var scope = server.App.Services.CreateScope())
        {
            outcome = await scope.ServiceProvider.GetRequiredService<RetentionJob>().RunAsync(CancellationToken.None);
        }
        Assert.Equal(new RetentionOutcome(0, 0, 0, 0, 0), outcome);
    }
}
