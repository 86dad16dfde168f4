using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Admin;

/// <summary>
/// The working calendar from the console, on a database of its own (these tests change the calendar every
/// other test computes deadlines on) served by two nodes: a change saved through one node moves the
/// deadlines the other computes next, without a restart.
/// </summary>
public sealed class CalendarAdminTests(CalendarNodes nodes) : IClassFixture<CalendarNodes>
{
    private TestServer _a => nodes.A;
    private TestServer _b => nodes.B;

    private sealed record Year(int year, int version, List<Day> days, int settingsVersion);
    private sealed record Day(string day, string kind, string note);

    [Fact]
    public async Task A_pasted_list_with_mistakes_is_refused_naming_each_line_and_writes_nothing()
    {
        var world = await TestWorld.CreateAsync(_a);
        var admin = await world.PersonAsync([Role.Admin], []);
        const int year = 2031;
        var text = """
            # 2031 holidays
            2031-01-01 holiday 元旦
            2031-13-01 holiday 不存在
            2031-02-01..2031-02-03 假 春节

            2031-02-02 workday 重复
            2032-01-01 holiday 明年
            2031-03-01 vacation 不认识
            """;
        foreach (var path in new[] { $"/api/admin/calendar/{year}/paste?preview=true", $"/api/admin/calendar/{year}/paste" })
        {
            var response = await admin.Client.PostAsJsonAsync(path, new { version = 0, text });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("text")
                .EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.Collection(errors,
                e => Assert.StartsWith("Line 3:", e),
                e => Assert.StartsWith("Line 6: 2031-02-02 is listed already on line 4", e),
                e => Assert.StartsWith("Line 7: 2032-01-01 is not in 2031", e),
                e => Assert.StartsWith("Line 8: 'vacation' is not a kind of day", e));
        }
        var stored = await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}"));
        Assert.Empty(stored.days);
        Assert.Equal(0, stored.version);

        // The same list without its mistakes: a preview writes nothing, a save writes the year and audits it.
        var good = "2031-01-01 holiday 元旦\n2031-02-01..2031-02-03 假 春节\n2031-02-08 班 春节调休上班";
        var preview = await TestWorld.ReadAsync<List<Day>>(await admin.Client.PostAsJsonAsync($"/api/admin/calendar/{year}/paste?preview=true", new { version = 0, text = good }));
        Assert.Equal(["2031-01-01", "2031-02-01", "2031-02-02", "2031-02-03", "2031-02-08"], preview.Select(d => d.day));
        Assert.Empty((await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}"))).days);
        var saved = await TestWorld.ReadAsync<Year>(await admin.Client.PostAsJsonAsync($"/api/admin/calendar/{year}/paste", new { version = 0, text = good }));
        Assert.Equal(5, saved.days.Count);
        Assert.Equal("workday", saved.days[^1].kind);
        Assert.Equal(1, saved.version);

        // A second administrator who started from the empty year loses cleanly.
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year}/days", new { version = 0, days = Array.Empty<object>() });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(5, (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current").GetProperty("days").GetArrayLength());

        await using var conn = await _a.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.QuerySingleAsync<int>("select count(*) from audit_log where action = 'calendar_days_saved' and subject = 'calendar:2031' and actor_id = @Id", new { admin.Id }));
    }

    [Fact]
    public async Task A_calendar_change_saved_on_one_node_moves_the_deadlines_the_other_node_computes_next()
    {
        var world = await TestWorld.CreateAsync(_a);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var reported = await world.ReportAsync(worker, 0, TestCatalogue.Component);
        await op.StepOkAsync(reported.Id, "register");
        // Node B computes the deadline (4 working hours from now) and caches the calendar it used.
        var onB = await _b.SignInAsync(op.Username);
        var before = await SuggestedDeadlineAsync(onB, reported.Id);

        // Through node A: the next 12 days are holidays (in whichever years they fall).
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(8));
        foreach (var year in Enumerable.Range(0, 13).Select(i => today.AddDays(i)).GroupBy(d => d.Year))
        {
            var current = await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year.Key}"));
            var days = current.days.Where(d => year.All(h => h.ToString("yyyy-MM-dd") != d.day))
                .Concat(year.Select(h => new Day(h.ToString("yyyy-MM-dd"), "holiday", "test closure"))).ToList();
            await TestWorld.ReadAsync<Year>(await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year.Key}/days", new { current.version, days }));
        }

        // Node B's next computation uses the new calendar: it heard of the change (NOTIFY), no restart.
        var after = before;
        for (var i = 0; i < 50 && after == before; i++)
        {
            await Task.Delay(100);
            after = await SuggestedDeadlineAsync(onB, reported.Id);
        }
        var firstWorkingDay = today.AddDays(12).ToDateTime(TimeOnly.MinValue);
        Assert.True(after.UtcDateTime >= firstWorkingDay.AddHours(-8), $"deadline {after:u} (before: {before:u}) is not after the holidays ending {today.AddDays(12)}");
    }

    [Fact]
    public async Task Working_periods_are_checked_and_a_change_applies_to_the_next_deadline()
    {
        var world = await TestWorld.CreateAsync(_a);
        var admin = await world.PersonAsync([Role.Admin], []);
        var year = DateTime.UtcNow.Year;
        var current = await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}"));
        var overlapping = await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year}/settings", new
        {
            version = current.settingsVersion,
            periods = new[] { new { start = "08:00", end = "12:00" }, new { start = "11:00", end = "17:00" } },
            restWeekdays = new[] { 0, 6 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, overlapping.StatusCode);
        Assert.Contains("overlap", await overlapping.Content.ReadAsStringAsync());
        var everyDayOff = await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year}/settings", new
        {
            version = current.settingsVersion, periods = new[] { new { start = "08:00", end = "12:00" } }, restWeekdays = new[] { 0, 1, 2, 3, 4, 5, 6 },
        });
        Assert.Equal(HttpStatusCode.BadRequest, everyDayOff.StatusCode);
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year}/settings", new
        {
            version = current.settingsVersion + 7, periods = new[] { new { start = "08:00", end = "12:00" } }, restWeekdays = new[] { 0, 6 },
        });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
    }

    private static async Task<DateTimeOffset> SuggestedDeadlineAsync(HttpClient client, long caseId) =>
        (await TestWorld.ReadAsync<JsonElement>(await client.GetAsync($"/api/cases/{caseId}/dispatch-suggestion"))).GetProperty("deadline").GetDateTimeOffset();
}

/// <summary>Two server nodes on one database of their own.</summary>
public sealed class CalendarNodes : IAsyncLifetime
{
    public TestServer A { get; private set; } = null!;
    public TestServer B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        A = await TestServer.StartAsync(TestServer.DatabaseName("calendar"));
        B = await TestServer.StartAsync("", A.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}
