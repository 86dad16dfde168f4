using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Auth;

/// <summary>
/// Sign-in must not tell which names exist (issue 14, item 6): an unknown name, a wrong password and
/// a deactivated account answer with the same status and body, after the same password-hash work.
/// </summary>
public sealed class AccountDiscoveryTests
{
    private static async Task<(HttpStatusCode Status, string Body, double Ms)> SignInAsync(HttpClient client, string username, string password)
    {
        var watch = Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        var body = WithoutTraceId(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>A problem body without its "traceId", which differs per request by design.</summary>
    public static string WithoutTraceId(string body) =>
        System.Text.RegularExpressions.Regex.Replace(body, "\"traceId\":\"[^\"]*\"", "\"traceId\":\"…\"");

    [Fact]
    public async Task Unknown_name_wrong_password_and_deactivated_account_answer_alike()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var real = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var gone = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var admin = await world.PersonAsync([Role.Admin], []);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{gone.Id}/deactivate", null)).StatusCode);
        var client = server.Anonymous();

        var wrongPassword = await SignInAsync(client, real.Username, "not-the-password");
        var unknown = await SignInAsync(client, "nobody-" + Guid.NewGuid().ToString("N")[..12], "not-the-password");
        var deactivated = await SignInAsync(client, gone.Username, "not-the-password");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, deactivated.Status);
        Assert.Equal(wrongPassword.Body, unknown.Body);
        Assert.Equal(wrongPassword.Body, deactivated.Body);
    }

    /// <summary>
    /// Not a speed limit: the two refusals are compared with each other. Without the password-hash work
    /// an unknown name answered in a few ms and a real one in about 100 ms (a factor of 20 and more);
    /// the medians of interleaved tries must now be within a factor of 3 of each other.
    /// </summary>
    [Fact]
    public async Task An_unknown_name_costs_the_same_password_hash_work_as_a_wrong_password()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var client = server.Anonymous();
        // Fresh accounts (each below the lockout) and fresh unknown names, so no lock shortens either path.
        var known = new List<double>();
        var unknown = new List<double>();
        await SignInAsync(client, "warm-up-" + Guid.NewGuid().ToString("N")[..8], "x");
        for (var i = 0; i < 4; i++)
        {
            var person = await world.PersonAsync(Role.Informant, world.Cells[0]);
            for (var j = 0; j < 2; j++)
            {
                var k = await SignInAsync(client, person.Username, "wrong" + j);
                var u = await SignInAsync(client, $"nobody-{Guid.NewGuid():N}"[..20], "wrong" + j);
                Assert.Equal(HttpStatusCode.Unauthorized, k.Status);
                Assert.Equal(HttpStatusCode.Unauthorized, u.Status);
                known.Add(k.Ms);
                unknown.Add(u.Ms);
            }
        }
        var knownMedian = Median(known);
        var unknownMedian = Median(unknown);
        Assert.True(unknownMedian * 3 >= knownMedian && knownMedian * 3 >= unknownMedian,
            $"Median sign-in refusal: unknown name {unknownMedian:F1} ms, wrong password {knownMedian:F1} ms " +
            $"(unknown [{string.Join(", ", unknown.Select(x => x.ToString("F0")))}], known [{string.Join(", ", known.Select(x => x.ToString("F0")))}]).");
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return (s[(s.Count - 1) / 2] + s[s.Count / 2]) / 2;
    }
}
