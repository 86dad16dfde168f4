using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Monitoring;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>A monitoring system's alarm secret rotated from the console: the new one works, the old one stops at once.</summary>
public sealed class DeviceAdminTests
{
    [Fact]
    public async Task A_rotated_secret_is_shown_once_the_old_secret_is_refused_and_the_rotation_is_audited()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var system = "sys_" + Guid.NewGuid().ToString("N")[..8];
        var kind = "rot_" + Guid.NewGuid().ToString("N")[..8];
        var first = await TestWorld.ReadAsync<SystemSecret>(await admin.Client.PostAsJsonAsync("/api/monitoring/systems", new { id = system, name = "Water" }), HttpStatusCode.Created);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync("/api/monitoring/kinds", new { kind, systemId = system, categoryCode = TestCatalogue.Component })).StatusCode);
        var (lat, lon) = world.Inside(2);
        var device = "GAUGE-" + Guid.NewGuid().ToString("N")[..8];
        await TestWorld.ReadAsync<DeviceView>(await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id = device, kind, name = "Gauge", lat, lon }));

        async Task<HttpStatusCode> AlarmAsync(string secret)
        {
            var client = server.Anonymous();
            client.DefaultRequestHeaders.Add("X-Monitoring-Secret", secret);
            return (await client.PostAsJsonAsync($"/api/monitoring/alarms/{kind}", new { deviceId = device, alarmType = "level_high" })).StatusCode;
        }
        Assert.True((int)await AlarmAsync(first.Secret) < 300);

        var rotated = await TestWorld.ReadAsync<JsonElement>(await admin.Client.PostAsync($"/api/monitoring/systems/{system}/rotate-secret", null));
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(first.Secret, secret);
        Assert.Equal(HttpStatusCode.Forbidden, await AlarmAsync(first.Secret));
        Assert.True((int)await AlarmAsync(secret) < 300);

        await using var conn = await server.Db.OpenConnectionAsync();
        var details = await conn.QuerySingleAsync<string>("""
            select details::text from audit_log where action = 'monitoring_secret_rotated' and subject = @Subject and actor_id = @Id
            """, new { Subject = "monitoring_system:" + system, admin.Id });
        Assert.DoesNotContain(secret, details);
        Assert.DoesNotContain(first.Secret, details);
        Assert.Contains("before", details);

        Assert.Equal(HttpStatusCode.NotFound, (await admin.Client.PostAsync("/api/monitoring/systems/no_such_system/rotate-secret", null)).StatusCode);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.Client.PostAsync($"/api/monitoring/systems/{system}/rotate-secret", null)).StatusCode);
        Assert.True((int)await AlarmAsync(secret) < 300);
    }
}
