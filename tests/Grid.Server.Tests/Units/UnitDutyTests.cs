using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Units;

/// <summary>Issue 11, duty per responsible unit: routing's unit fallback names the unit's person on duty by its roster.</summary>
public sealed class UnitDutyTests
{
    private static async Task<DispatchSuggestion> SuggestAsync(TestUser op, long caseId) =>
        await TestWorld.ReadAsync<DispatchSuggestion>(await op.Client.GetAsync($"/api/cases/{caseId}/dispatch-suggestion"));

    private static async Task<RosterView> AddAsync(TestUser admin, string unit, object shift) =>
        await TestWorld.ReadAsync<RosterView>(await admin.Client.PostAsJsonAsync($"/api/admin/unit-duty/{unit}/shifts", shift), HttpStatusCode.Created);

    /// <summary>A unit of its own and a category defaulting to it, so no other test's roster or staff reach these cases.</summary>
    public static async Task<(string Unit, string Category)> UnitWithCategoryAsync(TestServer server, TestUser admin)
    {
        var unit = "d_" + Guid.NewGuid().ToString("N")[..8];
        await TestWorld.ReadAsync<UnitItem>(await admin.Client.PostAsJsonAsync("/api/admin/units", new { id = unit, nameZh = "值班测试单位" + unit }), HttpStatusCode.Created);
        var category = $"E97{Random.Shared.Next(0, 100):D2}";
        await using var conn = await server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            insert into categories (code, kind, major_code, minor_code, major_name_zh, major_name_en, name_zh, name_en,
                                    limit_value, limit_unit, urgent_limit_value, urgent_limit_unit, default_unit_id, handler_role, self_handle_allowed)
            values (@Code, 'event', '97', right(@Code, 2), '值班测试', 'Duty test', '值班测试' || @Code, 'Duty test ' || @Code,
                    1, 'working_days', 2, 'working_hours', @Unit, 'grid_worker', false)
            on conflict (code) do update set default_unit_id = excluded.default_unit_id
            """, new { Code = category, Unit = unit });
        return (unit, category);
    }

    [Fact]
    public async Task With_nobody_of_the_cell_on_duty_routing_names_the_units_person_on_duty_by_its_roster_and_says_so()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var (unit, category) = await UnitWithCategoryAsync(server, admin);
        var first = await world.PersonAsync([Role.UnitStaff], [], unit: unit);
        var second = await world.PersonAsync([Role.UnitStaff], [], unit: unit);
        var op = await world.PersonAsync([Role.Operator, Role.Dispatcher], []);
        // Cell 5 has no posts at all: routing always ends at the unit.
        var report = await world.ReportAsync(op, 5, category);
        await op.StepOkAsync(report.Id, "register");
        var now = DateTimeOffset.UtcNow;

        var plain = await SuggestAsync(op, report.Id);
        Assert.Null(plain.AssigneeId);
        Assert.Equal(unit, plain.UnitId);
        Assert.Contains("the unit keeps no duty roster", plain.Rule);

        var roster = await AddAsync(admin, unit, new { personId = first.Id, kind = "duty", startsAt = now.AddHours(-1), endsAt = now.AddHours(8) });
        Assert.True(roster.IsUnit && roster.HasRoster);
        Assert.Equal([first.Id], roster.OnDutyNow);
        var toFirst = await SuggestAsync(op, report.Id);
        Assert.Equal(first.Id, toFirst.AssigneeId);
        Assert.Contains($"the least-loaded person on duty by the duty roster of the responsible unit {unit}", toFirst.Rule);

        // On leave with the other staff member standing in: he is the one.
        await AddAsync(admin, unit, new { personId = first.Id, kind = "leave", startsAt = now.AddMinutes(-10), endsAt = now.AddHours(3), substituteId = second.Id });
        var toSecond = await SuggestAsync(op, report.Id);
        Assert.Equal(second.Id, toSecond.AssigneeId);

        // A dispatcher who names another unit does not send the roster's person with it; one who names none does.
        var toOther = await op.StepOkAsync(report.Id, "dispatch", new { unitId = TestCatalogue.OtherUnit });
        Assert.Equal((TestCatalogue.OtherUnit, (Guid?)null), (toOther.AssignedUnitId, toOther.AssigneeId));
        var report2 = await world.ReportAsync(op, 5, category);
        await op.StepOkAsync(report2.Id, "register");
        var dispatched = await op.StepOkAsync(report2.Id, "dispatch");
        Assert.Equal((unit, (Guid?)second.Id), (dispatched.AssignedUnitId, dispatched.AssigneeId));

        // Nobody on shift now (the roster keeps a shift tomorrow): the unit without a named person, and the reason.
        await using var conn = await server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("delete from duty_shifts where unit_id = @Unit", new { Unit = unit });
        await AddAsync(admin, unit, new { personId = second.Id, kind = "duty", startsAt = now.AddDays(1), endsAt = now.AddDays(1).AddHours(8) });
        var report3 = await world.ReportAsync(op, 5, category);
        await op.StepOkAsync(report3.Id, "register");
        var nobody = await SuggestAsync(op, report3.Id);
        Assert.Null(nobody.AssigneeId);
        Assert.Contains("the unit's duty roster has nobody on duty now", nobody.Rule);

        Assert.Equal(3, await conn.ExecuteScalarAsync<int>(
            "select count(*) from audit_log where subject = @S and actor_id = @A and action = 'duty_shift_added' and details -> 'before' = 'null'::jsonb",
            new { S = $"unit:{unit}", A = admin.Id }));
    }

    [Fact]
    public async Task A_unit_roster_takes_only_the_units_staff_and_a_street_administrator_reaches_only_his_streets_units()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var streetAdmin = await world.PersonAsync([Role.Admin], [], street: world.Street);
        var (unit, _) = await UnitWithCategoryAsync(server, admin);
        var staff = await world.PersonAsync([Role.UnitStaff], [], unit: unit);
        var stranger = await world.PersonAsync([Role.UnitStaff], [], unit: TestCatalogue.Unit);
        var now = DateTimeOffset.UtcNow;

        var notStaff = await admin.Client.PostAsJsonAsync($"/api/admin/unit-duty/{unit}/shifts", new { personId = stranger.Id, kind = "duty", startsAt = now, endsAt = now.AddHours(8) });
        Assert.Equal(HttpStatusCode.BadRequest, notStaff.StatusCode);
        Assert.Contains("Choose one of the staff of", await notStaff.Content.ReadAsStringAsync());
        var badSub = await admin.Client.PostAsJsonAsync($"/api/admin/unit-duty/{unit}/shifts", new { personId = staff.Id, kind = "leave", startsAt = now, endsAt = now.AddHours(8), substituteId = stranger.Id });
        Assert.Equal(HttpStatusCode.BadRequest, badSub.StatusCode);
        Assert.Contains("The substitute must be active staff of", await badSub.Content.ReadAsStringAsync());

        // The unit serves the whole district: a street administrator neither reads nor changes its roster.
        var read = await streetAdmin.Client.GetAsync($"/api/admin/unit-duty/{unit}");
        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Contains("serves the whole district", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.PostAsJsonAsync($"/api/admin/unit-duty/{unit}/shifts",
            new { personId = staff.Id, kind = "duty", startsAt = now, endsAt = now.AddHours(8) })).StatusCode);
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from duty_shifts where unit_id = @Unit", new { Unit = unit }));
    }
}
