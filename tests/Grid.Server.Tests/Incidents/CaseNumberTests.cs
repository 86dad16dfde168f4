using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Incidents;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Incidents;

/// <summary>
/// A case number is the report's day in the city's time zone and the city's number sequence, six digits wide. The
/// sequence is never reset, so its millionth number comes in the life of a city, not in a day.
/// </summary>
public sealed class CaseNumberTests
{
    private static readonly TimeZoneInfo City = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    /// <summary>
    /// Past the millionth case every report still gets a number of its own (they were cut to six digits, so ten
    /// reports in a row shared one and all but the first were refused). Its own database: the sequence is moved.
    /// </summary>
    [Fact]
    public async Task Reports_past_the_millionth_case_each_get_a_number_of_their_own()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("caseno"));
        var world = await TestWorld.CreateAsync(server);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("select setval('case_no_seq', 999998)");
        }

        var numbers = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (lat, lon) = world.Inside(0, 0.2 + 0.15 * i);
            var before = DateTimeOffset.UtcNow;
            var response = await worker.Client.PostAsJsonAsync("/api/cases",
                new { lat, lon, categoryCode = TestCatalogue.LightEvent, description = $"Report {i} past a million", address = "Gate 3" });
            var created = await TestWorld.ReadAsync<CaseView>(response, HttpStatusCode.Created);
            var day = TimeZoneInfo.ConvertTime(before, City).ToString("yyyyMMdd");
            Assert.Equal(day + (999_999 + i).ToString(i == 0 ? "000000" : "0"), created.CaseNo);
            Assert.Equal(created.CaseNo, (await worker.GetCaseAsync(created.Id)).CaseNo);
            numbers.Add(created.CaseNo);
        }
        Assert.Equal(4, numbers.Distinct().Count());
    }

    /// <summary>The number's day is the city's (UTC+8), and every sequence number gives a different text.</summary>
    [Fact]
    public async Task The_number_is_the_city_day_and_the_sequence_six_digits_wide_and_longer_past_a_million()
    {
        var server = await TestServer.SharedAsync();
        await using var conn = await server.Db.OpenConnectionAsync();
        var lateUtc = new DateTimeOffset(2026, 11, 27, 16, 30, 0, TimeSpan.Zero);   // 00:30 on the 28th in the city
        async Task<string> NumberAsync(long seq) =>
            await conn.ExecuteScalarAsync<string>("select case_no(@At, @Seq)", new { At = lateUtc.UtcDateTime, Seq = seq }) ?? "";

        Assert.Equal("20261128000001", await NumberAsync(1));
        Assert.Equal("20261128123456", await NumberAsync(123_456));
        Assert.Equal("20261128999999", await NumberAsync(999_999));
        Assert.Equal("202611281000000", await NumberAsync(1_000_000));
        Assert.Equal("2026112812345678", await NumberAsync(12_345_678));
        Assert.Equal("20261127000001", await conn.ExecuteScalarAsync<string>("select case_no(@At, 1)",
            new { At = new DateTime(2026, 11, 27, 15, 59, 59, DateTimeKind.Utc) }));

        long[] seqs = [1, 10, 100_000, 999_999, .. Enumerable.Range(1_000_000, 11).Select(n => (long)n), 10_000_000, 100_000_000];
        var texts = new List<string>();
        foreach (var seq in seqs) texts.Add(await NumberAsync(seq));
        Assert.Equal(seqs.Length, texts.Distinct().Count());
    }
}
