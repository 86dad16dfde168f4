using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Units;

/// <summary>
/// Issue 11, responsible units and their staff: the console's rules as any client meets them through
/// /api/admin/units. Decision tested here: a unit serves the whole district (only district administrators
/// manage it and its staff) or belongs to one street (that street's administrators manage it too).
/// </summary>
public sealed class UnitsAdminTests
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<List<(string Action, JsonElement Details)>> AuditAsync(TestServer server, string subject, Guid actor)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        var rows = await conn.QueryAsync<(string Action, string Details)>(
            "select action, details::text from audit_log where subject = @Subject and actor_id = @Actor order by id", new { Subject = subject, Actor = actor });
        return rows.Select(r => (r.Action, JsonDocument.Parse(r.Details).RootElement.Clone())).ToList();
    }

    [Fact]
    public async Task Create_edit_deactivate_and_reactivate_are_each_audited_with_the_unit_before_and_after_and_nothing_is_deleted()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var id = "u_" + Tag();

        var created = await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync("/api/admin/units",
            new { id, nameZh = "测试排水所" + id, phone = "0510-1234567" }), HttpStatusCode.Created);
        Assert.Equal((id, 1, true, (string?)null), (created.Id, created.Version, created.Active, created.StreetCode));
        Assert.Equal(created.NameZh, created.NameEn); // no English name: the Chinese one stands in

        var edited = await TestWorld.ReadAsync<UnitItem>(await admin.Client.PutAsJsonAsync($"/api/admin/units/{id}",
            new { nameZh = "测试排水管理所" + id, nameEn = "Test drainage", phone = "0510-7654321", streetCode = world.Street, version = 1 }));
        Assert.Equal((2, world.Street, "Test drainage"), (edited.Version, edited.StreetCode, edited.NameEn));

        var off = await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/deactivate", new { version = 2 }));
        Assert.False(off.Active);
        var listed = await TestWorld.ReadAsync<List<UnitItem>>(await admin.Client.GetAsync("/api/admin/units"));
        Assert.DoesNotContain(listed, u => u.Id == id);
        var all = await TestWorld.ReadAsync<List<UnitItem>>(await admin.Client.GetAsync("/api/admin/units?inactive=true"));
        Assert.Contains(all, u => u.Id == id && !u.Active);
        Assert.Equal("Test street", all.Single(u => u.Id == id).StreetName); // the street's name, what the list shows a person
        // A deactivated unit takes no new staff.
        var person = await world.PersonAsync([Role.Operator], []);
        var joined = await admin.Client.PutAsJsonAsync($"/api/admin/people/{person.Id}",
            new { displayName = "X", roles = new[] { "operator", "unit_staff" }, unitId = id, onDuty = true, version = 1 });
        Assert.Contains("is deactivated", (await ProblemAsync(joined, HttpStatusCode.BadRequest)).GetProperty("errors").GetProperty("unitId")[0].GetString());

        var on = await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/reactivate", new { version = 3 }));
        Assert.True(on.Active);

        var audit = await AuditAsync(server, $"unit:{id}", admin.Id);
        Assert.Equal(["unit_created", "unit_updated", "unit_deactivated", "unit_reactivated"], audit.Select(a => a.Action));
        Assert.Equal(JsonValueKind.Null, audit[0].Details.GetProperty("before").ValueKind);
        Assert.Equal(created.NameZh, audit[0].Details.GetProperty("after").GetProperty("nameZh").GetString());
        Assert.Equal(created.NameZh, audit[1].Details.GetProperty("before").GetProperty("nameZh").GetString());
        Assert.Equal(edited.NameZh, audit[1].Details.GetProperty("after").GetProperty("nameZh").GetString());
        Assert.True(audit[2].Details.GetProperty("before").GetProperty("active").GetBoolean());
        Assert.False(audit[2].Details.GetProperty("after").GetProperty("active").GetBoolean());
        Assert.False(audit[3].Details.GetProperty("before").GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task A_stale_edit_loses_with_409_naming_what_changed_and_carrying_the_unit_as_it_is_now()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var other = await world.PersonAsync([Role.Admin], []);
        var id = "u_" + Tag();
        await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync("/api/admin/units", new { id, nameZh = "甲" + id }), HttpStatusCode.Created);

        // Both opened version 1; the other administrator saves first.
        await TestWorld.ReadAsync<UnitItem>(await other.Client.PutAsJsonAsync($"/api/admin/units/{id}", new { nameZh = "乙" + id, phone = "0510-5550000", version = 1 }));
        var stale = await ProblemAsync(await admin.Client.PutAsJsonAsync($"/api/admin/units/{id}", new { nameZh = "丙" + id, version = 1 }), HttpStatusCode.Conflict);
        var detail = stale.GetProperty("detail").GetString()!;
        Assert.Contains("version 1 is now 2", detail);
        Assert.Contains($"name is now '乙{id}'", detail);
        Assert.Contains("phone is now '0510-5550000'", detail);
        Assert.Equal("乙" + id, stale.GetProperty("current").GetProperty("nameZh").GetString());
        Assert.Equal(2, stale.GetProperty("current").GetProperty("version").GetInt32());
        // Deactivating from the old version loses the same way; nothing was written by either refusal.
        await ProblemAsync(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/deactivate", new { version = 1 }), HttpStatusCode.Conflict);
        var now = await TestWorld.ReadAsync<UnitDetail>(await admin.Client.GetAsync($"/api/admin/units/{id}"));
        Assert.Equal(("乙" + id, 2, true), (now.Unit.NameZh, now.Unit.Version, now.Unit.Active));
        Assert.Equal(["unit_created"], (await AuditAsync(server, $"unit:{id}", admin.Id)).Select(a => a.Action));
    }

    [Fact]
    public async Task A_bad_unit_is_refused_field_by_field_with_what_to_write_and_a_unit_categories_default_to_stays_active()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);

        var bad = await ProblemAsync(await admin.Client.PostAsJsonAsync("/api/admin/units",
            new { id = "Bad Id!", nameZh = " ", phone = "call me", streetCode = "000000999" }), HttpStatusCode.BadRequest);
        var errors = bad.GetProperty("errors");
        Assert.Contains("may use only a-z, 0-9 and '_'", errors.GetProperty("id")[0].GetString());
        Assert.Contains("Enter the unit's name", errors.GetProperty("nameZh")[0].GetString());
        Assert.Contains("is not a phone number", errors.GetProperty("phone")[0].GetString());
        Assert.Contains("There is no street 000000999", errors.GetProperty("streetCode")[0].GetString());

        var taken = await ProblemAsync(await admin.Client.PostAsJsonAsync("/api/admin/units", new { id = TestCatalogue.Unit, nameZh = "重复" + Tag() }), HttpStatusCode.BadRequest);
        Assert.Contains($"The id '{TestCatalogue.Unit}' is", taken.GetProperty("errors").GetProperty("id")[0].GetString());

        var detail = await TestWorld.ReadAsync<UnitDetail>(await admin.Client.GetAsync($"/api/admin/units/{TestCatalogue.Unit}"));
        Assert.Contains(TestCatalogue.LightEvent, detail.Unit.DefaultFor);
        var refused = await ProblemAsync(await admin.Client.PostAsJsonAsync($"/api/admin/units/{TestCatalogue.Unit}/deactivate",
            new { version = detail.Unit.Version }), HttpStatusCode.Conflict);
        Assert.Contains($"default unit of", refused.GetProperty("detail").GetString());
        Assert.Contains(TestCatalogue.LightEvent, refused.GetProperty("detail").GetString());
        Assert.Contains("give them another default unit on the categories page first", refused.GetProperty("detail").GetString());
        var still = await TestWorld.ReadAsync<UnitDetail>(await admin.Client.GetAsync($"/api/admin/units/{TestCatalogue.Unit}"));
        Assert.True(still.Unit.Active);
    }

    [Fact]
    public async Task Unit_staff_are_added_and_removed_through_the_people_service_audited_and_a_stale_person_loses_with_409()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var id = "u_" + Tag();
        await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync("/api/admin/units", new { id, nameZh = "测试养护" + id }), HttpStatusCode.Created);
        var worker = await world.PersonAsync([Role.Operator], [], street: world.Street);

        var candidates = await TestWorld.ReadAsync<List<PersonRow>>(await admin.Client.GetAsync($"/api/admin/units/{id}/candidates?q={worker.Username}"));
        var him = Assert.Single(candidates);
        var added = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/members", new { personId = worker.Id, version = him.Version }));
        Assert.Equal(id, added.UnitId);
        Assert.Equal(["operator", "unit_staff"], added.Roles);
        var detail = await TestWorld.ReadAsync<UnitDetail>(await admin.Client.GetAsync($"/api/admin/units/{id}"));
        Assert.Equal([worker.Id], detail.Members.Select(m => m.Id));
        Assert.Equal(1, detail.Unit.Members);

        // The page still shows the version before the add: removing with it loses, nothing changes.
        var stale = await ProblemAsync(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/members/remove", new { personId = worker.Id, version = him.Version }), HttpStatusCode.Conflict);
        Assert.Contains($"version {him.Version} is now {added.Version}", stale.GetProperty("detail").GetString());
        Assert.Equal(added.Version, stale.GetProperty("current").GetProperty("version").GetInt32());

        var removed = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/members/remove", new { personId = worker.Id, version = added.Version }));
        Assert.Null(removed.UnitId);
        Assert.Equal(["operator"], removed.Roles);

        // Both changes are the people service's audit rows, with the person before and after.
        var audit = await AuditAsync(server, $"person:{worker.Id}", admin.Id);
        Assert.Equal(["person_updated", "person_updated"], audit.Select(a => a.Action));
        Assert.Equal(JsonValueKind.Null, audit[0].Details.GetProperty("before").GetProperty("unitId").ValueKind);
        Assert.Equal(id, audit[0].Details.GetProperty("after").GetProperty("unitId").GetString());
        Assert.Equal(id, audit[1].Details.GetProperty("before").GetProperty("unitId").GetString());
        Assert.Equal(JsonValueKind.Null, audit[1].Details.GetProperty("after").GetProperty("unitId").ValueKind);

        // Someone with no other role is not left roleless: the page says what to do instead.
        var only = await world.PersonAsync([Role.UnitStaff], [], unit: id);
        var onlyRow = await TestWorld.ReadAsync<PersonRow>(await admin.Client.GetAsync($"/api/admin/people/{only.Id}"));
        var roleless = await ProblemAsync(await admin.Client.PostAsJsonAsync($"/api/admin/units/{id}/members/remove", new { personId = only.Id, version = onlyRow.Version }), HttpStatusCode.BadRequest);
        Assert.Contains("deactivate him there", await Task.FromResult(roleless.GetRawText()));
    }

    [Fact]
    public async Task A_street_administrator_manages_only_his_streets_units_and_their_staff_on_the_list_and_by_id()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var district = await here.PersonAsync([Role.Admin], []);
        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var theirs = "u_" + Tag();
        await TestWorld.ReadAsync<UnitItem>(await district.Client.PostAsJsonAsync("/api/admin/units", new { id = theirs, nameZh = "对方街道环卫" + theirs, streetCode = there.Street }), HttpStatusCode.Created);
        var theirPerson = await there.PersonAsync([Role.Operator], [], street: there.Street);

        // He cannot make a unit for another street or for the whole district.
        var elsewhere = await ProblemAsync(await streetAdmin.Client.PostAsJsonAsync("/api/admin/units", new { id = "u_" + Tag(), nameZh = "X" + Tag(), streetCode = there.Street }), HttpStatusCode.BadRequest);
        Assert.Contains($"You manage street {here.Street} only", elsewhere.GetProperty("errors").GetProperty("streetCode")[0].GetString());
        await ProblemAsync(await streetAdmin.Client.PostAsJsonAsync("/api/admin/units", new { id = "u_" + Tag(), nameZh = "X" + Tag() }), HttpStatusCode.BadRequest);
        // His own street's unit he makes and keeps.
        var mine = "u_" + Tag();
        await TestWorld.ReadAsync<UnitItem>(await streetAdmin.Client.PostAsJsonAsync("/api/admin/units", new { id = mine, nameZh = "本街道环卫" + mine, streetCode = here.Street }), HttpStatusCode.Created);

        var list = await TestWorld.ReadAsync<List<UnitItem>>(await streetAdmin.Client.GetAsync("/api/admin/units?inactive=true"));
        Assert.All(list, u => Assert.Equal(here.Street, u.StreetCode));
        Assert.Contains(list, u => u.Id == mine);

        foreach (var unit in new[] { theirs, TestCatalogue.Unit })
        {
            var read = await ProblemAsync(await streetAdmin.Client.GetAsync($"/api/admin/units/{unit}"), HttpStatusCode.Forbidden);
            Assert.Contains(unit == theirs ? $"belongs to street {there.Street}" : "serves the whole district", read.GetProperty("detail").GetString());
            await ProblemAsync(await streetAdmin.Client.PutAsJsonAsync($"/api/admin/units/{unit}", new { nameZh = "改名", version = 1 }), HttpStatusCode.Forbidden);
            await ProblemAsync(await streetAdmin.Client.PostAsJsonAsync($"/api/admin/units/{unit}/deactivate", new { version = 1 }), HttpStatusCode.Forbidden);
            await ProblemAsync(await streetAdmin.Client.GetAsync($"/api/admin/units/{unit}/candidates"), HttpStatusCode.Forbidden);
            await ProblemAsync(await streetAdmin.Client.PostAsJsonAsync($"/api/admin/units/{unit}/members", new { personId = streetAdmin.Id, version = 1 }), HttpStatusCode.Forbidden);
        }
        // Nor does his own unit reach another street's person: the people service refuses him.
        var foreign = await ProblemAsync(await streetAdmin.Client.PostAsJsonAsync($"/api/admin/units/{mine}/members", new { personId = theirPerson.Id, version = 1 }), HttpStatusCode.Forbidden);
        Assert.Contains("not staff of your street", foreign.GetProperty("detail").GetString());
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from people where id = @Id and unit_id is not null", new { theirPerson.Id }));
    }
}
