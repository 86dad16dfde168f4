using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>Categories from the administrators' console: validation, the version guard, the audit, and the rule that a
/// changed limit applies only to cases dispatched after the change.</summary>
public sealed class CatalogueAdminTests
{
    private static int _next = Random.Shared.Next(0, 90);

    /// <summary>A category code no other test uses (E96xx / E97xx are left to these tests).</summary>
    private static string FreshCode() => $"E{9600 + Interlocked.Increment(ref _next) % 200:D4}";

    private static object Category(string code, int limit, string unit = "working_hours", int urgent = 1, string urgentUnit = "working_hours", int? version = null) => new
    {
        code, majorNameZh = "测试大类", majorNameEn = "Test major", nameZh = "测试小类 " + code, nameEn = "Test " + code,
        limitValue = limit, limitUnit = unit, urgentLimitValue = urgent, urgentLimitUnit = urgentUnit,
        defaultUnitId = TestCatalogue.Unit, handlerRole = "grid_worker", selfHandleAllowed = false,
        registrationCondition = "有问题即立案", closingCondition = "问题消除", version,
    };

    private static async Task<(TestWorld World, TestUser Admin)> AdminAsync()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        return (world, await world.PersonAsync([Role.Admin], []));
    }

    private static async Task<JsonElement> CreateAsync(TestUser admin, string code, int limit, string unit = "working_hours")
    {
        var response = await admin.Client.PostAsJsonAsync("/api/admin/categories", Category(code, limit, unit));
        if (response.StatusCode == HttpStatusCode.Conflict) // a code left by an earlier run of this test on the same database
        {
            var current = (await TestWorld.ReadAsync<JsonElement>(await admin.Client.GetAsync("/api/admin/categories")))
                .EnumerateArray().Single(c => c.GetProperty("code").GetString() == code);
            response = await admin.Client.PutAsJsonAsync($"/api/admin/categories/{code}", Category(code, limit, unit, version: current.GetProperty("version").GetInt32()));
            return await TestWorld.ReadAsync<JsonElement>(response);
        }
        return await TestWorld.ReadAsync<JsonElement>(response, HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_changed_limit_applies_to_cases_dispatched_after_the_change_and_dispatched_cases_keep_their_deadline()
    {
        var (world, admin) = await AdminAsync();
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var code = FreshCode();
        var created = await CreateAsync(admin, code, 1);

        var before = await world.ReportAsync(worker, 0, code);
        await op.StepOkAsync(before.Id, "register");
        var first = await op.StepOkAsync(before.Id, "dispatch");

        var later = await world.ReportAsync(worker, 0, code);
        await op.StepOkAsync(later.Id, "register");

        var changed = await TestWorld.ReadAsync<JsonElement>(await admin.Client.PutAsJsonAsync($"/api/admin/categories/{code}",
            Category(code, 20, "working_days", version: created.GetProperty("version").GetInt32())));
        Assert.Equal(20, changed.GetProperty("limitValue").GetInt32());

        var second = await op.StepOkAsync(later.Id, "dispatch");
        var firstAgain = await op.GetCaseAsync(before.Id);

        // The case dispatched before the change keeps the deadline of 1 working hour ...
        Assert.Equal(first.Deadline, firstAgain.Deadline);
        Assert.True(first.Deadline - first.DispatchedAt <= TimeSpan.FromDays(4), $"1 working hour ended {first.Deadline - first.DispatchedAt} after dispatch");
        // ... and the one dispatched after it gets 20 working days (at least four weeks of calendar time).
        Assert.True(second.Deadline - second.DispatchedAt >= TimeSpan.FromDays(26), $"20 working days ended {second.Deadline - second.DispatchedAt} after dispatch");
        await using var conn = await world.Server.Db.OpenConnectionAsync();
        var kept = await conn.QuerySingleAsync<DateTime>("select dispatch_deadline from cases where id = @Id", new { before.Id });
        Assert.Equal(first.Deadline!.Value.UtcDateTime, kept.ToUniversalTime(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_change_is_audited_with_before_and_after_and_a_stale_version_gets_409_with_what_is_stored_now()
    {
        var (_, admin) = await AdminAsync();
        var code = FreshCode();
        var created = await CreateAsync(admin, code, 3);
        var version = created.GetProperty("version").GetInt32();

        var first = await admin.Client.PutAsJsonAsync($"/api/admin/categories/{code}", Category(code, 5, version: version));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/categories/{code}", Category(code, 7, version: version));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(5, problem.GetProperty("current").GetProperty("limitValue").GetInt32());
        Assert.Contains("changed by someone else", problem.GetProperty("detail").GetString());

        await using var conn = await (await TestServer.SharedAsync()).Db.OpenConnectionAsync();
        var details = await conn.QuerySingleAsync<string>("""
            select details::text from audit_log where subject = @Subject and action = 'category_changed' and actor_id = @Actor order by id desc limit 1
            """, new { Subject = "category:" + code, Actor = admin.Id });
        var audit = JsonDocument.Parse(details).RootElement;
        Assert.Equal(3, audit.GetProperty("before").GetProperty("limitValue").GetInt32());
        Assert.Equal(5, audit.GetProperty("after").GetProperty("limitValue").GetInt32());
        // The stale save changed nothing.
        Assert.Equal(5, await conn.QuerySingleAsync<int>("select limit_value from categories where code = @code", new { code }));
    }

    [Fact]
    public async Task Bad_categories_get_400_naming_each_field_and_nothing_is_written()
    {
        var (_, admin) = await AdminAsync();
        var response = await admin.Client.PostAsJsonAsync("/api/admin/categories", new
        {
            code = "X12", majorNameZh = "", nameZh = "名", limitValue = 0, limitUnit = "weeks", urgentLimitValue = 3, urgentLimitUnit = "working_days",
            defaultUnitId = "no_such_unit", handlerRole = "mayor",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "code", "majorNameZh", "limitUnit", "defaultUnitId", "handlerRole" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        }
        var longer = await admin.Client.PostAsJsonAsync("/api/admin/categories", Category(FreshCode(), 2, urgent: 1, urgentUnit: "working_days"));
        Assert.Equal(HttpStatusCode.BadRequest, longer.StatusCode);
        Assert.Contains("urgent limit", await longer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Only_city_administrators_reach_the_category_and_calendar_routes()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var year = DateTime.UtcNow.Year + 5;
        var routes = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Get, "/api/admin/categories", null),
            (HttpMethod.Post, "/api/admin/categories", Category(FreshCode(), 2)),
            (HttpMethod.Put, $"/api/admin/categories/{TestCatalogue.LightEvent}", Category(TestCatalogue.LightEvent, 2, version: 1)),
            (HttpMethod.Get, $"/api/admin/calendar/{year}", null),
            (HttpMethod.Put, $"/api/admin/calendar/{year}/days", new { version = 0, days = Array.Empty<object>() }),
            (HttpMethod.Post, $"/api/admin/calendar/{year}/paste?preview=true", new { version = 0, text = $"{year}-01-01 holiday x" }),
            (HttpMethod.Put, $"/api/admin/calendar/{year}/settings", new { version = 1, periods = new[] { new { start = "09:00", end = "17:00" } }, restWeekdays = new[] { 0, 6 } }),
        };
        foreach (var role in new[] { Role.Dispatcher, Role.Supervisor, Role.Operator, Role.ShiftLead, Role.GridHead })
        {
            var person = await world.PersonAsync([role], role == Role.GridHead ? [world.Cells[0]] : []);
            foreach (var (method, path, body) in routes)
            {
                var response = await person.Client.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) });
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} {method} {path}: {(int)response.StatusCode}");
            }
        }
        var anonymous = await server.Anonymous().GetAsync("/api/admin/categories");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        // A street-scoped administrator reads the city's rules but does not change them.
        var streetAdmin = await world.PersonAsync([Role.Admin], [], street: world.Street);
        Assert.Equal(HttpStatusCode.OK, (await streetAdmin.Client.GetAsync("/api/admin/categories")).StatusCode);
        foreach (var (method, path, body) in routes.Where(r => r.Method != HttpMethod.Get && !r.Path.Contains("preview")))
        {
            var response = await streetAdmin.Client.SendAsync(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) });
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"street admin {method} {path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task The_api_keys_page_moved_into_the_console_and_its_old_address_redirects_there()
    {
        var (_, admin) = await AdminAsync();
        var response = await admin.Client.GetAsync("/api-keys");
        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal("/admin/api-keys", response.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await admin.Client.GetAsync("/admin/api-keys")).StatusCode);
    }
}
