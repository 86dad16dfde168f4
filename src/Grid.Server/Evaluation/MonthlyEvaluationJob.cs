using Grid.Server.Catalogue;
using Grid.Server.Http;
using Grid.Server.Stats;
using Hangfire;

namespace Grid.Server.Evaluation;

/// <summary>
/// Publishes the previous month's evaluation on the first working day of a month (on the working
/// calendar), once: it runs every hour and does nothing when the month is published already or the
/// first working day has not come, so a node that was down that morning publishes when it is back.
/// </summary>
public sealed class MonthlyEvaluationJob(EvaluationRepository repo, CatalogueRepository catalogue, TimeProvider clock, ILogger<MonthlyEvaluationJob> log)
{
    public const string Id = "monthly-evaluation";
    public const string Cron = "0 5 * * * *";

    [AutomaticRetry(Attempts = 3)]
    public async Task RunAsync()
    {
        var now = clock.GetUtcNow();
        var calendar = await catalogue.CalendarAsync();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, calendar.Zone).DateTime);
        var firstWorkingDay = new DateOnly(today.Year, today.Month, 1);
        while (!calendar.IsWorkingDay(firstWorkingDay) && firstWorkingDay < today) firstWorkingDay = firstWorkingDay.AddDays(1);
        if (today < firstWorkingDay || !calendar.IsWorkingDay(firstWorkingDay)) return;

        var month = new DateOnly(today.Year, today.Month, 1).AddMonths(-1);
        var errors = new Errors();
        var period = FigureParams.Parse(month.ToString("yyyy-MM-dd"), month.AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd"), null, now, errors)!;
        var pub = await repo.PublishAsync(month, period, by: null, reason: null, now, onlyIfUnpublished: true);
        if (pub is not null) log.LogInformation("Published the evaluation of {Month:yyyy-MM}", month);
    }
}
