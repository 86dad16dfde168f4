// The steady stream of case changes the desk and real-time benchmarks put under their clients.
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace GridBench;

/// <summary>What a stream did: answers by kind, the cases it touched and the case numbers of its reports.</summary>
public sealed record StreamOutcome(int Ok, int Refused, int Failed, IReadOnlyList<long> CaseIds, IReadOnlyList<string> ReportedNos, double Seconds);

public static class ChangeStream
{
    /// <summary>
    /// One change every 1/<paramref name="rate"/> s for <paramref name="seconds"/> s, never waiting for the previous
    /// answer: a report at the next of <paramref name="points"/> (the next category each time), then the registration
    /// of an earlier report, alternating. 503 answers are counted as refused, anything else not 2xx as failed.
    /// </summary>
    public static async Task<StreamOutcome> RunAsync(HttpClient http, IReadOnlyList<(double Lat, double Lon)> points,
        IReadOnlyList<string> categories, double rate, double seconds)
    {
        var wall = Stopwatch.StartNew();
        var touched = new ConcurrentBag<long>();
        var reported = new ConcurrentBag<string>();
        var toRegister = new ConcurrentQueue<long>();
        int ok = 0, refused = 0, failed = 0;
        var total = (int)(rate * seconds);
        var requests = new List<Task>();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate) - wall.Elapsed;
            if (due > TimeSpan.Zero) await Task.Delay(due);
            var index = i;
            requests.Add(Task.Run(async () =>
            {
                try
                {
                    HttpResponseMessage res;
                    long id = 0;
                    var register = index % 2 == 1 && toRegister.TryDequeue(out id);
                    if (register) res = await http.PostAsJsonAsync($"/api/cases/{id}/register", new { });
                    else
                    {
                        var point = points[index % points.Count];
                        res = await http.PostAsJsonAsync("/api/cases", new { lat = point.Lat, lon = point.Lon, categoryCode = categories[index % categories.Count], description = "bench", source = "hotline" });
                    }
                    if (res.IsSuccessStatusCode)
                    {
                        var body = await res.Content.ReadFromJsonAsync<JsonElement>();
                        var caseId = body.GetProperty("id").GetInt64();
                        Interlocked.Increment(ref ok);
                        touched.Add(caseId);
                        if (!register)
                        {
                            reported.Add(body.GetProperty("caseNo").GetString()!);
                            toRegister.Enqueue(caseId);
                        }
                    }
                    else if ((int)res.StatusCode == 503) Interlocked.Increment(ref refused);
                    else Interlocked.Increment(ref failed);
                }
                catch (Exception) { Interlocked.Increment(ref failed); }
            }));
        }
        await Task.WhenAll(requests);
        return new StreamOutcome(ok, refused, failed, touched.Distinct().ToList(), reported.ToList(), wall.Elapsed.TotalSeconds);
    }
}
