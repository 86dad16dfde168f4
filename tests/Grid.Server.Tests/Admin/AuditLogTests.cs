using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>The audit log for administrators: each filter excludes what it must, paging is the server's, exports carry the same rows.</summary>
public sealed class AuditLogTests
{
    private sealed record Item(long id, DateTimeOffset at, Guid? actorId, string? actorUsername, string action, string subject, string details);
    private sealed record Page(List<Item> items, int total, int page, int pageSize);

    private static async Task<Page> QueryAsync(TestUser admin, string query) =>
        await TestWorld.ReadAsync<Page>(await admin.Client.GetAsync("/api/admin/audit?" + query));

    [Fact]
    public async Task Filters_by_person_kind_and_time_exclude_the_rows_they_must_and_exports_carry_the_same_rows()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var one = await world.PersonAsync([Role.Admin], []);
        var two = await world.PersonAsync([Role.Admin], []);
        var year = 2060 + Random.Shared.Next(0, 30);
        // Each administrator saves a calendar year (audited) and signed in (audited as login).
        async Task SaveAsync(TestUser who, int y)
        {
            var current = await TestWorld.ReadAsync<JsonElement>(await who.Client.GetAsync($"/api/admin/calendar/{y}"));
            await TestWorld.ReadAsync<JsonElement>(await who.Client.PutAsJsonAsync($"/api/admin/calendar/{y}/days",
                new { version = current.GetProperty("version").GetInt32(), days = new[] { new { day = $"{y}-03-03", kind = "holiday", note = who.Username } } }));
        }
        await SaveAsync(one, year);
        var between = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        await SaveAsync(two, year);

        var byOne = await QueryAsync(one, $"person={one.Username}");
        Assert.NotEmpty(byOne.items);
        Assert.All(byOne.items, i => Assert.Equal(one.Id, i.actorId));
        Assert.Contains(byOne.items, i => i.action == "calendar_days_saved" && i.subject == $"calendar:{year}");
        Assert.Contains(byOne.items, i => i.action == "login");

        var saves = await QueryAsync(one, $"action=calendar_days_saved&person={one.Username}");
        Assert.Equal(["calendar_days_saved"], saves.items.Select(i => i.action).Distinct());
        var details = JsonDocument.Parse(saves.items.First(i => i.subject == $"calendar:{year}").details).RootElement;
        Assert.Equal(one.Username, details.GetProperty("after")[0].GetProperty("note").GetString());

        var later = await QueryAsync(one, $"action=calendar_days_saved&from={Uri.EscapeDataString(between.ToString("O"))}");
        Assert.Contains(later.items, i => i.actorId == two.Id && i.subject == $"calendar:{year}");
        Assert.DoesNotContain(later.items, i => i.actorId == one.Id && i.subject == $"calendar:{year}");
        var earlier = await QueryAsync(one, $"action=calendar_days_saved&to={Uri.EscapeDataString(between.ToString("O"))}");
        Assert.DoesNotContain(earlier.items, i => i.actorId == two.Id && i.subject == $"calendar:{year}");

        // Paging is the server's: a page of one, and the total of all.
        var paged = await QueryAsync(one, $"person={one.Username}&pageSize=1&page=2");
        Assert.Single(paged.items);
        Assert.Equal(byOne.total, paged.total);
        Assert.Equal(byOne.items[1].id, paged.items[0].id);

        var csv = await one.Client.GetStringAsync($"/api/admin/audit.csv?person={two.Username}&action=calendar_days_saved");
        Assert.Contains(two.Username, csv);
        Assert.DoesNotContain($",{one.Id},", csv);
        var xlsx = await one.Client.GetAsync($"/api/admin/audit.xlsx?person={two.Username}");
        Assert.Equal("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.BadRequest, (await one.Client.GetAsync("/api/admin/audit?pageSize=5000")).StatusCode);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        foreach (var path in new[] { "/api/admin/audit", "/api/admin/audit.csv", "/api/admin/audit.xlsx", "/api/admin/audit/actions" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await supervisor.Client.GetAsync(path)).StatusCode);
        }
    }

    [Fact]
    public async Task A_street_administrator_sees_only_what_people_of_its_street_did()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var streetAdmin = await world.PersonAsync([Role.Admin], [], street: world.Street);
        var streetOperator = await world.PersonAsync([Role.Operator], [], street: world.Street);
        var cityAdmin = await world.PersonAsync([Role.Admin], []);
        var logins = await QueryAsync(streetAdmin, "action=login&pageSize=200");
        Assert.Contains(logins.items, i => i.actorId == streetOperator.Id);
        Assert.DoesNotContain(logins.items, i => i.actorId == cityAdmin.Id);
    }
}
