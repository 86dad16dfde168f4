using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Data;

/// <summary>
/// The demo city as the seeder makes it through the console's own services (people and posts through the staff
/// writer, categories through the category service): what a demo must always have, pinned on a fresh database.
/// </summary>
public sealed class DemoCityTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync(TestServer.DatabaseName("demo"), settings: new Dictionary<string, string?> { ["Grid:SeedDemo"] = "true" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<T> OneAsync<T>(string sql)
    {
        await using var conn = await _server.Db.OpenConnectionAsync();
        return await conn.QuerySingleAsync<T>(sql);
    }

    private async Task<List<T>> ListAsync<T>(string sql)
    {
        await using var conn = await _server.Db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql)).ToList();
    }

    [Fact]
    public async Task Every_demo_cell_has_a_grid_head_and_five_officers_each_an_active_person_with_that_role()
    {
        Assert.Equal(204, await OneAsync<int>("select count(*) from grid_cells where code like '320213%'"));
        // Cells whose six posts are not all held, or held by someone without the post's role or deactivated.
        var defects = await ListAsync<string>("""
            select c.code || ' ' || r.role
            from grid_cells c cross join unnest(array['grid_head','grid_worker','patroller','informant','inspector','liaison']) as r(role)
            left join cell_staff s on s.cell_code = c.code and s.role = r.role
            left join people p on p.id = s.person_id and p.deactivated_at is null
            left join person_roles pr on pr.person_id = p.id and pr.role = r.role
            where c.code like '320213%' and pr.person_id is null
            order by 1
            """);
        Assert.Empty(defects);
        Assert.Equal(204 * 6, await OneAsync<int>("select count(*) from cell_staff where cell_code like '320213%'"));
    }

    [Fact]
    public async Task Every_demo_category_has_its_unit_limits_no_longer_when_urgent_and_a_kind_and_codes_that_match_its_code()
    {
        Assert.Equal(45, await OneAsync<int>("select count(*) from categories where default_unit_id not like 'test_%'"));
        var defects = await ListAsync<string>("""
            select c.code from categories c left join units u on u.id = c.default_unit_id
            where c.default_unit_id not like 'test_%'
              and (u.id is null or c.limit_value < 1 or c.urgent_limit_value < 1
                   or c.kind <> case left(c.code, 1) when 'C' then 'component' else 'event' end
                   or c.major_code <> substr(c.code, 2, 2) or c.minor_code <> substr(c.code, 4, 2)
                   or c.handler_role not in ('grid_worker', 'grid_head')
                   or c.name_zh = '' or c.major_name_zh = '' or c.version <> 1
                   -- urgent not longer than normal, on the demo's 8-hour day
                   or (case c.urgent_limit_unit when 'working_hours' then 1 else 8 end) * c.urgent_limit_value
                      > (case c.limit_unit when 'working_hours' then 1 else 8 end) * c.limit_value)
            order by 1
            """);
        Assert.Empty(defects);
        Assert.Equal(11, await OneAsync<int>("select count(*) from units where id not like 'test_%'"));
        // Every unit is some category's default unit and has its own staff.
        Assert.Empty(await ListAsync<string>("""
            select u.id from units u where u.id not like 'test_%'
              and (not exists (select 1 from categories c where c.default_unit_id = u.id)
                   or not exists (select 1 from people p join person_roles r on r.person_id = p.id and r.role = 'unit_staff' where p.unit_id = u.id))
            """));
    }

    [Fact]
    public async Task The_demo_logins_sign_in_with_the_demo_password_and_carry_the_roles_the_readme_names()
    {
        var expected = new Dictionary<string, string>
        {
            ["operator"] = "operator", ["shiftlead"] = "shift_lead", ["dispatcher"] = "dispatcher", ["supervisor"] = "supervisor", ["admin"] = "admin",
            ["unitstaff"] = "unit_staff", ["gridhead"] = "grid_head", ["inspector"] = "inspector", ["liaison"] = "liaison", ["worker"] = "grid_worker",
            ["informant"] = "informant", ["patroller"] = "patroller",
        };
        var roles = (await ListAsync<(string Username, string Role)>("""
            select p.username, r.role from people p join person_roles r on r.person_id = p.id
            where p.username = any(array['operator','shiftlead','dispatcher','supervisor','admin','unitstaff','gridhead','inspector','liaison','worker','informant','patroller'])
              and p.deactivated_at is null and p.on_duty and not p.must_change_password
            """)).ToDictionary(r => r.Username, r => r.Role);
        Assert.Equal(expected.OrderBy(e => e.Key), roles.OrderBy(e => e.Key));
        var login = await _server.Anonymous().PostAsJsonAsync("/api/auth/login", new { username = "gridhead", password = "Grid@2026" });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        // Every seeded person has exactly one role and a phone of his own; the calendar has 2026's holidays.
        Assert.Empty(await ListAsync<string>("""
            select p.username from people p where p.username <> 'system.citizen'
              and ((select count(*) from person_roles r where r.person_id = p.id) <> 1 or p.phone is null)
            """));
        Assert.Equal(0, await OneAsync<int>("select count(*) from (select phone from people where phone is not null group by phone having count(*) > 1) d"));
        Assert.True(await OneAsync<int>("select count(*) from calendar_days where day between '2026-01-01' and '2026-12-31' and kind = 'holiday'") >= 25);
        Assert.Equal(600, await OneAsync<int>("select count(*) from cases"));
    }
}
