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

    [Fact]
    public async Task Two_administrators_editing_the_same_device_or_kind_lose_cleanly_with_what_is_stored_and_changes_are_audited_before_and_after()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var system = "sys_" + Guid.NewGuid().ToString("N")[..8];
        var kind = "ver_" + Guid.NewGuid().ToString("N")[..8];
        await TestWorld.ReadAsync<SystemSecret>(await admin.Client.PostAsJsonAsync("/api/monitoring/systems", new { id = system, name = "Lights" }), HttpStatusCode.Created);

        // A kind: new (version 0), then a second "new" one with the same code loses, then edits on versions.
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync("/api/monitoring/kinds",
            new { kind, systemId = system, categoryCode = TestCatalogue.Component, version = 0 })).StatusCode);
        var again = await admin.Client.PostAsJsonAsync("/api/monitoring/kinds", new { kind, systemId = system, categoryCode = TestCatalogue.LightEvent, version = 0 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var kindNow = (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current");
        Assert.Equal((TestCatalogue.Component, 1), (kindNow.GetProperty("categoryCode").GetString(), kindNow.GetProperty("version").GetInt32()));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync("/api/monitoring/kinds",
            new { kind, systemId = system, categoryCode = TestCatalogue.LightEvent, priority = "urgent", version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Client.PostAsJsonAsync("/api/monitoring/kinds",
            new { kind, systemId = system, categoryCode = TestCatalogue.Component, version = 1 })).StatusCode);

        var (lat, lon) = world.Inside(1);
        var id = "LAMP-" + Guid.NewGuid().ToString("N")[..8];
        var created = await TestWorld.ReadAsync<DeviceView>(await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id, kind, name = "Lamp", lat, lon, version = 0 }));
        Assert.Equal(1, created.Version);
        // Administrator A moves it (made on version 1) ...
        var (lat2, lon2) = world.Inside(2);
        var moved = await TestWorld.ReadAsync<DeviceView>(await admin.Client.PostAsJsonAsync("/api/monitoring/devices",
            new { id, kind, name = "Lamp by the bridge", lat = lat2, lon = lon2, version = 1 }));
        Assert.Equal((2, world.Cells[2]), (moved.Version, moved.CellCode));
        // ... administrator B, who also started from version 1, loses and is shown the device as A saved it.
        var stale = await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id, kind, name = "Lamp 7", lat, lon, version = 1 });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var current = (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current");
        Assert.Equal(("Lamp by the bridge", 2), (current.GetProperty("name").GetString(), current.GetProperty("version").GetInt32()));
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id, kind, name = "Twin", lat, lon, version = 0 })).StatusCode);
        var stored = await TestWorld.ReadAsync<DeviceView>(await admin.Client.GetAsync($"/api/monitoring/devices/{id}"));
        Assert.Equal(("Lamp by the bridge", 2), (stored.Name, stored.Version));
        var negative = await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id, kind, name = "x", lat, lon, version = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        // A client that sends no version saves as before (last writer wins).
        Assert.Equal(3, (await TestWorld.ReadAsync<DeviceView>(await admin.Client.PostAsJsonAsync("/api/monitoring/devices", new { id, kind, name = "Lamp 7", lat, lon }))).Version);

        await using var conn = await server.Db.OpenConnectionAsync();
        var audits = (await conn.QueryAsync<string>("""
            select details::text from audit_log where action = 'monitoring_device_saved' and subject = @Subject order by id
            """, new { Subject = "monitoring_device:" + id })).Select(d => JsonDocument.Parse(d).RootElement).ToList();
        Assert.Equal(3, audits.Count);
        Assert.Equal(JsonValueKind.Null, audits[0].GetProperty("before").ValueKind);
        Assert.Equal(("Lamp", "Lamp by the bridge"), (audits[1].GetProperty("before").GetProperty("name").GetString(), audits[1].GetProperty("after").GetProperty("name").GetString()));
    }
}
