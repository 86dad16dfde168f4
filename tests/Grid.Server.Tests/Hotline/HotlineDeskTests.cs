using Grid.Domain.People;
using Grid.Server.Hotline;
using Grid.Server.Http;
using Grid.Server.Incidents;
using Grid.Server.Intake;
using Grid.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Grid.Server.Tests.Hotline;

/// <summary>
/// The hotline page saves a call inside its circuit (no HTTP request to resend): the server side sends it again under the
/// same key when the database could not be reached. Here the first attempt really files the case and only its answer is lost,
/// as when the database fails after the commit: the second attempt must come back as the same case, not a second one.
/// </summary>
public sealed class HotlineDeskTests
{
    [Fact]
    public async Task A_call_whose_answer_was_lost_is_sent_again_under_the_same_key_and_one_case_results()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var op = await world.PersonAsync([Role.Operator], []);
        var intake = server.App.Services.GetRequiredService<IntakeService>();
        var (lat, lon) = world.Inside(1);
        var text = "Retry call " + Guid.NewGuid().ToString("N")[..8];
        var report = new IntakeReport(lat, lon, null, TestCatalogue.LightEvent, text, "normal", "hotline", "李四", "13912345678", null, op.Id);
        var key = Guid.NewGuid().ToString("N");
        var attempts = new List<IntakeResult>();

        var result = await HotlineDesk.SendAsync(async () =>
        {
            var filed = await intake.FileAsync(report, key, RequestHash.Of(report));
            attempts.Add(filed);
            if (attempts.Count == 1) throw new NpgsqlException("The database cannot be reached right now.");
            return filed;
        }, TimeSpan.FromMilliseconds(50), NullLogger.Instance);

        Assert.Equal(2, attempts.Count);
        Assert.Equal((IntakeStatus.Filed, IntakeStatus.Replayed), (attempts[0].Status, attempts[1].Status));
        Assert.Equal(attempts[0].CaseId, result!.CaseId);
        var page = await TestWorld.ReadAsync<CasePage>(await op.Client.GetAsync($"/api/cases?cell={world.Cells[1]}&pageSize=200"));
        Assert.Single(page.Items, c => c.Description == text);
    }

    [Fact]
    public async Task A_call_is_given_up_with_a_plain_answer_when_the_database_stays_away()
    {
        var tries = 0;
        var result = await HotlineDesk.SendAsync<IntakeResult>(() =>
        {
            tries++;
            throw new NpgsqlException("The database cannot be reached right now.");
        }, TimeSpan.FromMilliseconds(1), NullLogger.Instance);
        Assert.Null(result);
        Assert.Equal(HotlineDesk.Attempts, tries);
    }
}
