using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Intake;
using Grid.Server.Tests.Infrastructure;
using Grid.Web;
using Grid.Web.Pages.Command;
using Microsoft.Extensions.Localization;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// Sentences the system writes into a case's history are read in the reader's language on the desk (the command
/// center's source, as a circuit of this person asks it, rendered with the real resource files), while the stored
/// reason stays the sentence API clients always read. A person's words are never translated, and rows written
/// before the key existed show what they stored.
/// </summary>
public sealed class HistoryTextsTests
{
    /// <summary>The drawer's text of each history row, as a desk in <paramref name="culture"/> shows it.</summary>
    private static async Task<List<(string Action, string? Text)>> DeskTextsAsync(TestServer server, TestUser user, long caseId, string culture)
    {
        var (ui, current) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
        try
        {
            await using var desk = await DeskScope.ForAsync(server, user);
            var (detail, error) = await desk.Get<ICommandSource>().FindAsync(caseId);
            Assert.True(error is null, error);
            var l = desk.Get<IStringLocalizer<Strings>>();
            return detail!.History.Select(h => (h.Action, HistoryTexts.Text(l, h.ReasonKey, h.ReasonArgs, h.Reason))).ToList();
        }
        finally
        {
            (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture) = (ui, current);
        }
    }

    [Fact]
    public async Task A_duplicate_flag_reads_in_chinese_on_a_chinese_desk_and_in_english_on_an_english_one_and_the_api_keeps_its_sentence()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[1]);
        var op = await world.PersonAsync([Role.Operator], []);
        var first = await world.ReportAsync(worker, 1);
        var second = await world.ReportAsync(worker, 1);

        // The API: the reason as it always was, and the key with its arguments beside it in details.
        var flag = (await op.GetCaseAsync(second.Id)).History!.Single(h => h.Action == "duplicate_flagged");
        Assert.Equal($"Flagged as likely duplicate of case {first.CaseNo} (0 m)", flag.Reason);
        Assert.Equal("duplicate_flagged", flag.Details.GetProperty("reasonKey").GetString());
        Assert.Equal([$"{first.CaseNo} (0 m)"], flag.Details.GetProperty("reasonArgs").EnumerateArray().Select(a => a.GetString()));

        var zh = await DeskTextsAsync(server, op, second.Id, "zh-CN");
        Assert.Equal($"疑似与案件 {first.CaseNo} (0 m) 重复", zh.Single(h => h.Action == "duplicate_flagged").Text);
        var en = await DeskTextsAsync(server, op, second.Id, "en");
        Assert.Equal(flag.Reason, en.Single(h => h.Action == "duplicate_flagged").Text);

        // Kept apart: the sentence is the system's, the operator's words inside it are his, in both languages.
        var flagId = (await TestWorld.ReadAsync<List<DuplicateView>>(
            await op.Client.GetAsync($"/api/duplicates?status=open&caseId={second.Id}"))).Single().Id;
        await TestWorld.ReadAsync<DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flagId}/keep-apart",
            new { reason = "路对面的另一堆 / other side of the road" }));
        Assert.Equal($"与案件 {first.CaseNo} 不是重复：路对面的另一堆 / other side of the road",
            (await DeskTextsAsync(server, op, second.Id, "zh-CN")).Single(h => h.Action == "duplicate_kept_apart").Text);
        Assert.Equal($"Not a duplicate of case {first.CaseNo}: 路对面的另一堆 / other side of the road",
            (await DeskTextsAsync(server, op, second.Id, "en")).Single(h => h.Action == "duplicate_kept_apart").Text);
    }

    [Fact]
    public async Task A_persons_own_reason_is_shown_as_written_in_both_languages()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        var op = await world.PersonAsync([Role.Operator], []);
        var report = await world.ReportAsync(worker, 2);
        const string words = "Flagged as likely duplicate: 已由街道处理 <b>not markup</b>";
        await op.StepOkAsync(report.Id, "cancel", new { reason = words });

        var cancel = (await op.GetCaseAsync(report.Id)).History!.Single(h => h.Action == "cancel");
        Assert.False(cancel.Details.TryGetProperty("reasonKey", out _));
        Assert.Equal(words, (await DeskTextsAsync(server, op, report.Id, "zh-CN")).Single(h => h.Action == "cancel").Text);
        Assert.Equal(words, (await DeskTextsAsync(server, op, report.Id, "en")).Single(h => h.Action == "cancel").Text);
    }

    [Fact]
    public async Task A_row_written_before_the_key_existed_shows_its_stored_text()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[3]);
        var op = await world.PersonAsync([Role.Operator], []);
        var report = await world.ReportAsync(worker, 3);
        const string stored = "Flagged as likely duplicate of case 20250101000001 (12 m)";
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            // As IntakeService wrote it before: the sentence and the candidates, no key.
            await conn.ExecuteAsync("""
                insert into case_history (case_id, at, actor_id, action, from_state, to_state, reason, evidence, details)
                values (@Id, now(), null, 'duplicate_flagged', 'reported', 'reported', @Stored, '[]',
                        '{"candidates":[{"caseId":1,"caseNo":"20250101000001","distanceM":12.0}]}')
                """, new { report.Id, Stored = stored });
        }
        Assert.Equal(stored, (await DeskTextsAsync(server, op, report.Id, "zh-CN")).Single(h => h.Action == "duplicate_flagged").Text);
        Assert.Equal(stored, (await DeskTextsAsync(server, op, report.Id, "en")).Single(h => h.Action == "duplicate_flagged").Text);
    }
}
