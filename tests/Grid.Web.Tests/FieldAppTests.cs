using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Tests.Infrastructure;
using Grid.Web.Tests.Pages;
using Microsoft.Playwright;

namespace Grid.Web.Tests;

public sealed class FieldAppTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const string Category = "测试暴露垃圾";

    [Fact]
    public async Task A_worker_reports_a_problem_with_a_photo_and_the_phone_position()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var gps = world.Inside(0, 0.3, 0.6);
        var app = await FieldApp.OpenAsync(browser, worker, gps, "/m/report");
        var page = app.Page;

        await Assertions.Expect(page.Locator("#gps-status")).ToContainTextAsync("±12");
        await app.ChooseCategoryAsync(Category);
        await app.AddPhotoAsync("#report-photos", await app.MakeJpegAsync());
        var text = "Overflowing bins " + Guid.NewGuid().ToString("N")[..8];
        await page.GetByLabel("问题描述").FillAsync(text);
        await app.ScreenshotAsync("field-report");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交新上报" }).ClickAsync();
        await Assertions.Expect(page.Locator("#report-done")).ToBeVisibleAsync();
        await app.OutboxEmptyAsync();

        var reported = Assert.Single(await FieldHelpers.CasesInCellAsync(worker, world.Cells[0]), c => c.Description == text);
        Assert.Equal(gps.Lat, reported.Lat, 4);
        Assert.Equal(gps.Lon, reported.Lon, 4);
        Assert.Equal("field", reported.Source);
        var full = await worker.GetCaseAsync(reported.Id);
        var photos = Assert.Single(full.History!, h => h.Action == "add_photos");
        var reference = photos.Evidence[0].GetString()!;
        var jpeg = await worker.Client.GetByteArrayAsync("/api/photos/" + reference["photo:".Length..]);
        var (w, h) = FieldHelpers.JpegSize(jpeg);
        Assert.Equal(1600, Math.Max(w, h));   // shrunk on the phone from 2400 x 1800
        Assert.Equal(1200, Math.Min(w, h));
        var thumb = await worker.Client.GetByteArrayAsync("/api/photos/" + reference["photo:".Length..] + "/thumb");
        Assert.Equal(320, FieldHelpers.JpegSize(thumb).Width);
    }

    [Fact]
    public async Task A_similar_case_nearby_is_offered_and_a_plus_one_is_added_instead_of_a_duplicate()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var existing = await world.ReportAsync(worker, 0);
        var app = await FieldApp.OpenAsync(browser, patroller, world.Inside(0, 0.52, 0.5), "/m/report");
        var page = app.Page;

        await Assertions.Expect(page.Locator("#gps-status")).ToContainTextAsync("±");
        await app.ChooseCategoryAsync(Category);
        var nearby = page.GetByRole(AriaRole.Region, new() { Name = "附近已有 1 个相似案件" });
        await Assertions.Expect(nearby).ToContainTextAsync(existing.CaseNo);
        await app.AddPhotoAsync("#report-photos", await app.MakeJpegAsync(1200, 900, "+1"));
        await page.GetByLabel("问题描述").FillAsync("Still overflowing at noon");
        await app.ScreenshotAsync("field-report-duplicate");
        await nearby.GetByRole(AriaRole.Button, new() { Name = "+1 附议" }).ClickAsync();
        await Assertions.Expect(page.Locator("#report-done")).ToContainTextAsync(existing.CaseNo);
        await app.OutboxEmptyAsync();

        var history = (await worker.GetCaseAsync(existing.Id)).History!;
        var support = Assert.Single(history, h => h.Action == "support");
        Assert.Equal(patroller.Id, support.ActorId);
        Assert.Equal("Still overflowing at noon", support.Reason);
        Assert.StartsWith("photo:", support.Evidence[0].GetString());
        Assert.DoesNotContain(await FieldHelpers.CasesInCellAsync(worker, world.Cells[0]), c => c.ReportedBy == patroller.Id);
    }

    [Fact]
    public async Task A_worker_sees_the_task_with_its_countdown_accepts_it_and_reports_it_fixed_with_a_photo()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        Assert.Equal(worker.Id, c.AssigneeId);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0));
        var page = app.Page;

        var task = page.GetByRole(AriaRole.List, new() { Name = "我的任务" }).GetByRole(AriaRole.Link).Filter(new() { HasText = c.CaseNo });
        await Assertions.Expect(task).ToContainTextAsync("剩余");
        await Assertions.Expect(task).ToContainTextAsync("已派遣");
        await app.ScreenshotAsync("field-tasks", fullPage: false);
        await task.ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "接收" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("处置中");
        await app.ScreenshotAsync("field-case");
        await page.GetByRole(AriaRole.Button, new() { Name = "处置反馈" }).ClickAsync();
        await page.GetByLabel("说明").FillAsync("Bins emptied, area swept");
        await app.AddPhotoAsync("#action-photos", await app.MakeJpegAsync(1000, 1500, "after"));
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("待核查");
        await Assertions.Expect(page.Locator("#case-photos img")).ToHaveCountAsync(1);
        await app.ScreenshotAsync("field-case-fixed");

        var history = (await worker.GetCaseAsync(c.Id)).History!;
        Assert.Single(history, h => h.Action == "accept");
        var feedback = Assert.Single(history, h => h.Action == "feedback");
        Assert.Equal("Bins emptied, area swept", feedback.Reason);
        Assert.StartsWith("photo:", feedback.Evidence[0].GetString());
    }

    /// <summary>
    /// A refusal the server keys (reasonKey beside its English detail) reads in the phone's language: the app's own
    /// API call, against the real server, for a step on a case that changed since the phone read it.
    /// </summary>
    [Fact]
    public async Task A_keyed_refusal_reads_in_the_phones_language()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0));
        await Assertions.Expect(app.Page.GetByRole(AriaRole.List, new() { Name = "我的任务" })).ToContainTextAsync(c.CaseNo);

        var problem = await app.Page.EvaluateAsync<string>("""
            async ([id, version]) => {
              const m = await import('/_content/Grid.Web/js/field/common.js');
              const r = await m.api(`/api/cases/${id}/accept`, { method: 'POST', body: { version } });
              return `${r.status} ${r.problem}`;
            }
            """, new object[] { c.Id, c.Version - 1 });
        Assert.Equal($"409 案件 {c.CaseNo} 在您打开之后已被他人更改（您看到的是第 {c.Version - 1} 版，现在是第 {c.Version} 版），本次未保存。请刷新后再试。", problem);
        Assert.Equal("dispatched", (await worker.GetCaseAsync(c.Id)).State);
    }

    [Fact]
    public async Task A_case_dispatched_while_my_tasks_are_open_appears_without_a_reload()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0));
        var page = app.Page;
        var tasks = page.GetByRole(AriaRole.List, new() { Name = "我的任务" });
        // The page is open before the case exists; marking the window shows no navigation happened.
        await page.EvaluateAsync("() => window.__stillHere = true");
        await page.WaitForTimeoutAsync(500);

        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        await Assertions.Expect(tasks.GetByRole(AriaRole.Link).Filter(new() { HasText = c.CaseNo }))
            .ToContainTextAsync("已派遣", new() { Timeout = 5000 });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__stillHere === true"));
    }

    [Fact]
    public async Task A_worker_handles_a_light_case_himself_with_a_note()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[4]);
        var c = await world.ReportAsync(worker, 4);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(4), $"/m/cases/{c.Id}");
        var page = app.Page;

        await page.GetByRole(AriaRole.Button, new() { Name = "自行处置" }).ClickAsync();
        await page.GetByLabel("说明").FillAsync("Picked it up myself");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("待核查");
        var handled = Assert.Single((await worker.GetCaseAsync(c.Id)).History!, h => h.Action == "self_handle");
        Assert.Equal("Picked it up myself", handled.Reason);
    }

    [Fact]
    public async Task The_case_history_says_the_systems_sentences_in_the_pages_language_and_a_persons_words_as_written()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[5]);
        var first = await world.ReportAsync(worker, 5);
        var second = await world.ReportAsync(worker, 5);
        var op = await world.PersonAsync([Role.Operator], []);
        // The operator's words go into the system's sentence as written ("$&" is not a replacement pattern).
        var flag = (await TestWorld.ReadAsync<List<Grid.Server.Intake.DuplicateView>>(
            await op.Client.GetAsync($"/api/duplicates?status=open&caseId={second.Id}"))).Single();
        await TestWorld.ReadAsync<Grid.Server.Intake.DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/keep-apart",
            new { reason = "另一侧 $& other side" }));
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(5), $"/m/cases/{second.Id}");
        var why = app.Page.Locator("#case-history .h-why");

        await Assertions.Expect(why).ToHaveTextAsync([$"与案件 {first.CaseNo} 不是重复：另一侧 $& other side", $"疑似与案件 {first.CaseNo} (0 m) 重复"]);
        await app.Page.GotoAsync($"/culture?c=en&returnUrl=/m/cases/{second.Id}");
        await Assertions.Expect(why).ToHaveTextAsync([$"Not a duplicate of case {first.CaseNo}: 另一侧 $& other side",
            $"Flagged as likely duplicate of case {first.CaseNo} (0 m)"]);
    }

    [Fact]
    public async Task An_inspector_sends_a_fix_back_for_rework_then_passes_it()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var inspector = await world.PersonAsync(Role.Inspector, world.Cells[1]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker, 1);
        await worker.StepOkAsync(c.Id, "accept");
        await worker.StepOkAsync(c.Id, "feedback", new { note = "done" });
        var app = await FieldApp.OpenAsync(browser, inspector, world.Inside(1), $"/m/cases/{c.Id}");
        var page = app.Page;

        await page.GetByRole(AriaRole.Button, new() { Name = "返工" }).ClickAsync();
        await page.GetByLabel("原因（必填）").FillAsync("Garbage still behind the kiosk");
        await app.AddPhotoAsync("#action-photos", await app.MakeJpegAsync(800, 600, "still"));
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("处置中");
        Assert.Equal(1, (await worker.GetCaseAsync(c.Id)).ReworkCount);
        // The rework's new deadline is in the history on the phone (newest first), as the dispatch's is.
        await Assertions.Expect(page.Locator("#case-history li").First).ToContainTextAsync("返工");
        await Assertions.Expect(page.Locator("#case-history li").First.Locator(".h-due")).ToContainTextAsync("新处置时限");
        await Assertions.Expect(page.Locator("#case-history .h-due")).ToHaveCountAsync(2);

        await worker.StepOkAsync(c.Id, "feedback", new { note = "done again" });
        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "核查通过" }).ClickAsync();
        await page.GetByLabel("说明").FillAsync("Checked on site");
        await page.GetByRole(AriaRole.Button, new() { Name = "提交" }).ClickAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("已结案");

        var history = (await worker.GetCaseAsync(c.Id)).History!;
        Assert.Equal(["rework", "feedback", "verify"], history.Skip(5).Select(h => h.Action));
        Assert.Equal("Garbage still behind the kiosk", history[5].Reason);
        Assert.StartsWith("photo:", history[5].Evidence[0].GetString());
    }

    [Fact]
    public async Task Offline_a_report_and_an_action_wait_on_the_phone_and_are_applied_once_when_back_online()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0, 0.7, 0.7));
        var page = app.Page;
        await app.ServiceWorkerReadyAsync();
        // Seen once online: the report page (and its categories) and the case are kept by the service worker.
        await app.GotoAsync("/m/report");
        await Assertions.Expect(page.Locator("#category-minors label.minor").First).ToBeVisibleAsync();
        await app.GotoAsync($"/m/cases/{c.Id}");
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("已派遣");

        await page.Context.SetOfflineAsync(true);
        await page.GetByRole(AriaRole.Button, new() { Name = "接收" }).ClickAsync();
        await Assertions.Expect(app.Outbox).ToContainTextAsync("1 项待发送");
        await Assertions.Expect(app.Outbox).ToContainTextAsync("等待发送");

        await page.GetByRole(AriaRole.Navigation, new() { Name = "外勤导航" }).GetByRole(AriaRole.Link, new() { Name = "上报" }).ClickAsync();
        await Assertions.Expect(page.Locator("#field-net")).ToHaveTextAsync("离线");
        await app.ChooseCategoryAsync(Category);
        await Assertions.Expect(page.Locator("#gps-status")).ToContainTextAsync("±");
        var text = "Offline report " + Guid.NewGuid().ToString("N")[..8];
        await page.GetByLabel("问题描述").FillAsync(text);
        await app.AddPhotoAsync("#report-photos", await app.MakeJpegAsync(1600, 1200, "offline"));
        await page.GetByRole(AriaRole.Button, new() { Name = "提交新上报" }).ClickAsync();
        await Assertions.Expect(app.Outbox).ToContainTextAsync("2 项待发送");
        await Assertions.Expect(page.Locator("#report-done")).ToContainTextAsync("恢复网络后自动发送");
        await app.ScreenshotAsync("field-offline-outbox", fullPage: false);

        // The first answer is lost on the way back (as on a dropping network): the phone must resend.
        var lost = 0;
        await page.Context.RouteAsync("**/api/cases", async route =>
        {
            if (route.Request.Method == "POST" && Interlocked.Increment(ref lost) == 1)
            {
                await route.FetchAsync();
                await route.AbortAsync();
            }
            else await route.ContinueAsync();
        });
        await page.Context.SetOfflineAsync(false);
        await Assertions.Expect(app.Outbox).ToContainTextAsync("1 项待发送", new() { Timeout = 15000 });
        await page.EvaluateAsync("() => window.dispatchEvent(new Event('online'))");
        await app.OutboxEmptyAsync();

        Assert.Equal(2, lost);
        var reports = (await FieldHelpers.CasesInCellAsync(worker, world.Cells[0])).Where(x => x.Description == text).ToList();
        var report = Assert.Single(reports);
        Assert.Single((await worker.GetCaseAsync(report.Id)).History!, h => h.Action == "add_photos");
        var accepted = await worker.GetCaseAsync(c.Id);
        Assert.Equal("in_progress", accepted.State);
        Assert.Single(accepted.History!, h => h.Action == "accept");

        // A second offline spell and a reload send nothing again.
        await page.Context.SetOfflineAsync(true);
        await page.Context.SetOfflineAsync(false);
        await page.ReloadAsync();
        await app.OutboxEmptyAsync();
        Assert.Single(await FieldHelpers.CasesInCellAsync(worker, world.Cells[0]), x => x.Description == text);
        Assert.Single((await worker.GetCaseAsync(c.Id)).History!, h => h.Action == "accept");
    }

    [Fact]
    public async Task A_sign_in_that_expired_while_offline_keeps_the_queue_until_the_person_signs_in_again()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var c = await FieldHelpers.DispatchedCaseAsync(world, worker, 2);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(2), $"/m/cases/{c.Id}");
        var page = app.Page;
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("已派遣");

        await page.Context.SetOfflineAsync(true);
        await page.GetByRole(AriaRole.Button, new() { Name = "接收" }).ClickAsync();
        await Assertions.Expect(app.Outbox).ToContainTextAsync("等待发送");
        await page.Context.ClearCookiesAsync();
        await page.Context.SetOfflineAsync(false);

        var signIn = page.GetByRole(AriaRole.Link, new() { Name = "重新登录后自动发送" });
        await Assertions.Expect(signIn).ToBeVisibleAsync(new() { Timeout = 15000 });
        await Assertions.Expect(app.Outbox).ToContainTextAsync("1 项待发送");
        await app.ScreenshotAsync("field-signin-expired", fullPage: false);
        Assert.Equal("dispatched", (await worker.GetCaseAsync(c.Id)).State);

        await signIn.ClickAsync();
        await new LoginPage(page).SignInAsync(worker.Username, TestPeople.Password);
        Assert.EndsWith($"/m/cases/{c.Id}", page.Url);
        await app.OutboxEmptyAsync();
        await Assertions.Expect(page.Locator("#case-state")).ToHaveTextAsync("处置中");
        Assert.Single((await worker.GetCaseAsync(c.Id)).History!, h => h.Action == "accept");
    }

    [Fact]
    public async Task A_worker_cannot_open_a_case_of_another_cell()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var other = await world.PersonAsync(Role.GridWorker, world.Cells[3]);
        var c = await world.ReportAsync(other, 3);
        var app = await FieldApp.OpenAsync(browser, worker, world.Inside(0), $"/m/cases/{c.Id}");

        await Assertions.Expect(app.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("不在您负责的网格内");
        await Assertions.Expect(app.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("outside the cells");
        await Assertions.Expect(app.Page.Locator("#case-body")).ToBeHiddenAsync();
        await Assertions.Expect(app.Page.GetByRole(AriaRole.List, new() { Name = "我的任务" })).ToHaveCountAsync(0);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await worker.Client.GetAsync($"/api/cases/{c.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_patroller_on_shift_sends_positions_for_the_command_center_map()
    {
        var world = await TestWorld.CreateAsync(browser.Server);
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var app = await FieldApp.OpenAsync(browser, patroller, world.Inside(1), "/m/patrol");
        var page = app.Page;

        await page.GetByLabel("我同意巡查期间每30秒发送我的位置").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "开始巡查" }).ClickAsync();
        await Assertions.Expect(page.Locator("#patrol-points")).ToContainTextAsync("已发送 1 个位置");
        await app.ScreenshotAsync("field-patrol", fullPage: false);

        await using (var conn = await world.Server.Db.OpenConnectionAsync())
        {
            var cells = (await conn.QueryAsync<string>("select cell_code from case_events where person_id = @Id and kind = 'staff_position'", new { patroller.Id })).ToList();
            Assert.Equal([world.Cells[1]], cells);
        }
        await page.GetByRole(AriaRole.Button, new() { Name = "结束巡查" }).ClickAsync();
        await Assertions.Expect(page.Locator("#patrol-ended")).ToContainTextAsync("1 个位置");
    }
}
