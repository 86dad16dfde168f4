using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Intake;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;
using static Grid.Server.Tests.Citizens.CitizenHelpers;
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
    private static async Task<List<(string Action, string? Text, string? Note)>> DeskTextsAsync(TestServer server, TestUser user, long caseId, string culture)
    {
        var (ui, current) = (CultureInfo.CurrentUICulture, CultureInfo.CurrentCulture);
        CultureInfo.CurrentUICulture = CultureInfo.CurrentCulture = new CultureInfo(culture);
        try
        {
            await using var desk = await DeskScope.ForAsync(server, user);
            var (detail, error) = await desk.Get<ICommandSource>().FindAsync(caseId);
            Assert.True(error is null, error);
            var l = desk.Get<IStringLocalizer<Strings>>();
            return detail!.History.Select(h => (h.Action, HistoryTexts.Text(l, h.ReasonKey, h.ReasonArgs, h.Reason),
                HistoryTexts.PublicNote(l, h.PublicNoteKey, h.PublicNote))).ToList();
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
    public async Task A_merge_reads_in_the_desks_language_on_both_cases_with_the_operators_words_as_written()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var kept = await world.ReportAsync(worker, 0);
        var dup = await world.ReportAsync(worker, 0);
        var flag = (await TestWorld.ReadAsync<List<DuplicateView>>(await op.Client.GetAsync($"/api/duplicates?status=open&caseId={dup.Id}")))
            .Single(f => f.Candidate.Id == kept.Id);
        await TestWorld.ReadAsync<DuplicateView>(await op.Client.PostAsJsonAsync($"/api/duplicates/{flag.Id}/merge", new { reason = "同一堆 same pile" }));

        var stored = (await op.GetCaseAsync(kept.Id)).History!.Single(h => h.Action == "merge_in").Reason;
        Assert.Equal($"Case {dup.CaseNo} merged in as a duplicate. 同一堆 same pile", stored);
        Assert.Equal($"案件 {dup.CaseNo} 作为重复案件并入本案。同一堆 same pile",
            (await DeskTextsAsync(server, op, kept.Id, "zh-CN")).Single(h => h.Action == "merge_in").Text);
        Assert.Equal(stored, (await DeskTextsAsync(server, op, kept.Id, "en")).Single(h => h.Action == "merge_in").Text);
        Assert.Equal($"已合并到案件 {kept.CaseNo}：同一问题已有人上报，在该案件中处理。同一堆 same pile",
            (await DeskTextsAsync(server, op, dup.Id, "zh-CN")).Single(h => h.Action == "merge").Text);
        Assert.Equal((await op.GetCaseAsync(dup.Id)).History!.Single(h => h.Action == "merge").Reason,
            (await DeskTextsAsync(server, op, dup.Id, "en")).Single(h => h.Action == "merge").Text);
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

    [Fact]
    public async Task The_sentences_written_for_citizens_read_in_the_desks_language_and_the_api_keeps_its_words()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var device = NewDevice();
        var upload = await UploadAsync(citizen, TestImages.Jpeg(withExif: false, salt: Guid.NewGuid().ToString()), device);
        var photoRef = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("ref").GetString()!;
        var (lat, lon) = world.Inside(4);
        var filed = await ReportAsync(server, citizen, key, lat, lon, device, more: [("photo_ref", photoRef)]);
        var second = server.Anonymous();
        Assert.Equal(System.Net.HttpStatusCode.Created,
            (await second.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = NewDevice() })).StatusCode);
        await CloseAsync(world, filed.CaseId, cell: 4);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = false, satisfaction = "unsatisfied", comment = "Still a pile 还在" })).StatusCode);

        var op = await world.PersonAsync([Role.Operator], []);
        var history = (await op.GetCaseAsync(filed.CaseId)).History!;
        Assert.Equal("Photos sent with the citizen's report.", history.Single(h => h.Action == "add_photos").Reason);
        Assert.Equal("Citizen page: this is my problem too (+1).", history.Single(h => h.Action == "support").Reason);
        Assert.Equal("回访未解决 / Follow-up: not solved: Still a pile 还在", history.Single(h => h.Action == "reopen").Reason);
        const string bilingualNote = "您反映问题未解决，已重新受理。/ You said the problem is not solved: the case has been reopened.";
        Assert.Equal(bilingualNote, history.Single(h => h.Action == "reopen").PublicNote);
        // The tracking page's API: the note as stored, and its key for the page to say it in the citizen's language.
        var note = (await TrackAsync(citizen, filed.Code)).GetProperty("notes").EnumerateArray().Single(n => n.GetProperty("action").GetString() == "reopen");
        Assert.Equal(bilingualNote, note.GetProperty("note").GetString());
        Assert.Equal("followup_reopened", note.GetProperty("noteKey").GetString());
        var zh = await DeskTextsAsync(server, op, filed.CaseId, "zh-CN");
        Assert.Equal("市民上报时附带的照片。", zh.Single(h => h.Action == "add_photos").Text);
        Assert.Equal("市民页面：我也遇到这个问题（+1）。", zh.Single(h => h.Action == "support").Text);
        Assert.Equal("回访未解决：Still a pile 还在", zh.Single(h => h.Action == "reopen").Text);
        Assert.Equal("您反映问题未解决，已重新受理。", zh.Single(h => h.Action == "reopen").Note);
        var en = await DeskTextsAsync(server, op, filed.CaseId, "en");
        Assert.Equal("Photos sent with the citizen's report.", en.Single(h => h.Action == "add_photos").Text);
        Assert.Equal("Citizen page: this is my problem too (+1).", en.Single(h => h.Action == "support").Text);
        Assert.Equal("Follow-up: not solved: Still a pile 还在", en.Single(h => h.Action == "reopen").Text);
        Assert.Equal("You said the problem is not solved: the case has been reopened.", en.Single(h => h.Action == "reopen").Note);

        // Spam: the stored reason stays bilingual; each desk reads its own half, with the operator's words as written.
        var (lat2, lon2) = world.Inside(5);
        var spam = await ReportAsync(server, citizen, key, lat2, lon2);
        Assert.Equal(System.Net.HttpStatusCode.OK,
            (await op.Client.PostAsJsonAsync($"/api/cases/{spam.CaseId}/spam", new { reason = "卖房广告 ad" })).StatusCode);
        Assert.Equal("垃圾信息 / Spam: 卖房广告 ad", (await op.GetCaseAsync(spam.CaseId)).History!.Single(h => h.Action == "cancel").Reason);
        Assert.Equal("垃圾信息：卖房广告 ad", (await DeskTextsAsync(server, op, spam.CaseId, "zh-CN")).Single(h => h.Action == "cancel").Text);
        Assert.Equal("Spam: 卖房广告 ad", (await DeskTextsAsync(server, op, spam.CaseId, "en")).Single(h => h.Action == "cancel").Text);
    }
}
