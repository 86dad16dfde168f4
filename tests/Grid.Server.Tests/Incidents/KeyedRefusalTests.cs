using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using static Grid.Server.Tests.Citizens.CitizenHelpers;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// Refusals the phone app and the citizen page meet, keyed for their reader's language: each carries its key and
/// arguments beside the English detail, the key's English text with those arguments is the detail word for word (an
/// English page loses nothing), and its Chinese text is Chinese.
/// </summary>
public sealed class KeyedRefusalTests
{
    private static async Task AssertKeyedAsync(TestServer server, HttpResponseMessage response, HttpStatusCode status, string key)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(key, problem.GetProperty(HistoryTexts.KeyField).GetString());
        var args = problem.GetProperty(HistoryTexts.ArgsField).EnumerateArray().Select(a => a.GetString()!).ToList();
        var detail = problem.GetProperty("detail").GetString();
        var texts = server.App.Services.GetRequiredService<IStringLocalizer<Strings>>();
        var ui = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentUICulture = new CultureInfo("en");
            Assert.Equal(detail, HistoryTexts.Problem(texts, key, args, null));
            CultureInfo.CurrentUICulture = new CultureInfo("zh-CN");
            Assert.Matches(@"\p{IsCJKUnifiedIdeographs}", HistoryTexts.Problem(texts, key, args, null));
        }
        finally
        {
            CultureInfo.CurrentUICulture = ui;
        }
    }

    [Fact]
    public async Task The_citizen_pages_refusals_of_an_answer_too_early_or_too_late_and_of_a_plus_one_on_a_closed_case_are_keyed()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var (lat, lon) = world.Inside(0);
        var filed = await ReportAsync(server, citizen, await PageKeyAsync(citizen), lat, lon);

        await AssertKeyedAsync(server, await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = true, satisfaction = "satisfied" }), HttpStatusCode.Conflict, "followup_not_closed");

        await CloseAsync(world, filed.CaseId);
        Assert.Equal(HttpStatusCode.OK, (await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = true, satisfaction = "satisfied" })).StatusCode);
        await AssertKeyedAsync(server, await citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup",
            new { solved = true, satisfaction = "basic" }), HttpStatusCode.Conflict, "followup_answered");
        await AssertKeyedAsync(server, await server.Anonymous().PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support",
            new { deviceId = NewDevice() }), HttpStatusCode.Conflict, "support_case_ended");
    }

    [Fact]
    public async Task The_phone_apps_plus_one_on_a_closed_case_is_keyed()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var other = await world.PersonAsync(Role.Patroller, world.Cells[0]);
        var c = await world.ReportAsync(worker, 0);
        await CloseAsync(world, c.Id);
        var plusOne = new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/support") { Content = JsonContent.Create(new { note = "same here" }) };
        plusOne.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        await AssertKeyedAsync(server, await other.Client.SendAsync(plusOne), HttpStatusCode.Conflict, "case_ended");
    }
}
