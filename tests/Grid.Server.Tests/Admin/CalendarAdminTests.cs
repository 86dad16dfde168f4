using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Domain.Time;
using Grid.Server.Incidents;
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

    private sealed record Year(int year, int version, List<Day> days, int settingsVersion, List<Period> periods, List<Period> yearPeriods,
        int periodsVersion, List<int> restWeekdays);
    private sealed record Day(string day, string kind, string note);
    private sealed record Period(TimeOnly start, TimeOnly end);

    private static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>The calendar as the API describes these years, built the way the server builds it.</summary>
    private static WorkingCalendar CalendarOf(params Year[] years)
    {
        var days = years.SelectMany(y => y.days).ToList();
        return new WorkingCalendar(Shanghai, [.. years[0].periods.Select(p => new WorkingPeriod(p.start, p.end))],
            years[0].restWeekdays.Select(d => (DayOfWeek)d).ToHashSet(),
            days.Where(d => d.kind == "holiday").Select(d => DateOnly.Parse(d.day)).ToHashSet(),
            days.Where(d => d.kind == "workday").Select(d => DateOnly.Parse(d.day)).ToHashSet(),
            years.Where(y => y.yearPeriods.Count > 0).ToDictionary(y => y.year,
                y => (IReadOnlyList<WorkingPeriod>)[.. y.yearPeriods.Select(p => new WorkingPeriod(p.start, p.end))]));
    }

    [Fact]
    public async Task A_years_own_working_periods_are_checked_versioned_audited_and_a_case_dispatched_that_year_gets_its_deadline_on_them()
    {
        var world = await TestWorld.CreateAsync(_a);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var year = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Shanghai).Year;
        var view = await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}"));
        var path = $"/api/admin/calendar/{year}/periods";

        // Refused with a reason, nothing saved: overlapping, backwards (past midnight), no version.
        var overlapping = await admin.Client.PutAsJsonAsync(path, new { version = view.periodsVersion, periods = new[] { new { start = "09:00", end = "12:00" }, new { start = "11:59", end = "13:00" } } });
        Assert.Equal(HttpStatusCode.BadRequest, overlapping.StatusCode);
        Assert.Contains("09:00-12:00 and 11:59-13:00 overlap", await overlapping.Content.ReadAsStringAsync());
        var backwards = await admin.Client.PutAsJsonAsync(path, new { version = view.periodsVersion, periods = new[] { new { start = "22:00", end = "02:00" } } });
        Assert.Equal(HttpStatusCode.BadRequest, backwards.StatusCode);
        Assert.Contains("must end after it starts", await backwards.Content.ReadAsStringAsync());
        var unversioned = await admin.Client.PutAsJsonAsync(path, new { periods = new[] { new { start = "09:00", end = "12:00" } } });
        Assert.Equal(HttpStatusCode.BadRequest, unversioned.StatusCode);
        Assert.Equal(view.periodsVersion, (await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}"))).periodsVersion);

        // This year works half an hour a day (given out of order); next year another half hour, so a deadline
        // running into next year follows that year's periods. Neither is the default 08:30-12:00, 13:30-18:00.
        var saved = await TestWorld.ReadAsync<Year>(await admin.Client.PutAsJsonAsync(path, new
        {
            version = view.periodsVersion,
            periods = new[] { new { start = "10:22", end = "10:37" }, new { start = "10:07", end = "10:22" } },
        }));
        Assert.Equal(view.periodsVersion + 1, saved.periodsVersion);
        Assert.Equal([new Period(new(10, 7), new(10, 22)), new Period(new(10, 22), new(10, 37))], saved.yearPeriods);
        Assert.Equal(view.version, saved.version);
        var next = await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year + 1}"));
        next = await TestWorld.ReadAsync<Year>(await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{year + 1}/periods", new
        {
            version = next.periodsVersion, periods = new[] { new { start = "15:13", end = "15:43" } },
        }));

        // A second administrator who started from the old version loses cleanly and is shown what is stored.
        var stale = await admin.Client.PutAsJsonAsync(path, new { version = view.periodsVersion, periods = new[] { new { start = "08:00", end = "17:00" } } });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal("10:07:00", (await stale.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current").GetProperty("yearPeriods")[0].GetProperty("start").GetString());

        try
        {
            // 4 working hours are eight half-hour days.
            var reported = await world.ReportAsync(worker, 0, TestCatalogue.Component);
            await op.StepOkAsync(reported.Id, "register");
            var limit = new TimeLimit(4, LimitUnit.WorkingHours);
            var calendar = CalendarOf(await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year}")),
                await TestWorld.ReadAsync<Year>(await admin.Client.GetAsync($"/api/admin/calendar/{year + 1}")));
            var dispatched = await op.StepOkAsync(reported.Id, "dispatch");
            Assert.Equal(calendar.Deadline(dispatched.DispatchedAt!.Value, limit).UtcDateTime, dispatched.Deadline!.Value.UtcDateTime, TimeSpan.FromMilliseconds(1));
            var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(dispatched.Deadline.Value, Shanghai).DateTime);
            Assert.True(local is { Hour: 10, Minute: > 7 and <= 37 } or { Hour: 15, Minute: > 13 and <= 43 },
                $"the deadline {dispatched.Deadline:u} is not inside the year's working periods");
            var byDefault = CalendarOf(view with { yearPeriods = [] }).Deadline(dispatched.DispatchedAt.Value, limit);
            Assert.NotEqual(byDefault, dispatched.Deadline.Value);

            await using var conn = await _a.Db.OpenConnectionAsync();
            var details = await conn.QuerySingleAsync<string>("""
                select details::text from audit_log where action = 'calendar_periods_saved' and subject = @Subject and actor_id = @Id
                """, new { Subject = $"calendar:{year}/periods", admin.Id });
            var audit = JsonDocument.Parse(details).RootElement;
            Assert.Equal(2, audit.GetProperty("after").GetProperty("periods").GetArrayLength());
            Assert.Equal(view.yearPeriods.Count, audit.GetProperty("before").GetProperty("periods").GetArrayLength());
        }
        finally
        {
            // The other tests of this database compute deadlines on this year: back to the default periods.
            foreach (var (y, v) in new[] { (year, saved.periodsVersion), (year + 1, next.periodsVersion) })
            {
                var back = await TestWorld.ReadAsync<Year>(await admin.Client.PutAsJsonAsync($"/api/admin/calendar/{y}/periods", new { version = v, periods = Array.Empty<object>() }));
                Assert.Empty(back.yearPeriods);
            }
        }
    }

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
