using System.Net;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Auth;

/// <summary>
/// The lockout comes after exactly the configured number of failures (Grid:LockoutFailures), not one
/// sooner or later, on the shared server (default 5) and on a server configured with 3.
/// </summary>
public sealed class LockoutTests
{
    private static async Task<HttpStatusCode> SignInAsync(HttpClient client, string username, string password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        return response.StatusCode;
    }

    private static async Task AssertLockedAfterExactlyAsync(TestServer server, int failures)
    {
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var client = server.Anonymous();

        // failures - 1 wrong guesses, then the right password: signed in, and the count starts again.
        for (var i = 1; i < failures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await SignInAsync(client, user.Username, "guess" + i));
        }
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, user.Username, TestPeople.Password));

        for (var i = 1; i < failures; i++)
        {
            Assert.True(await SignInAsync(client, user.Username, "again" + i) == HttpStatusCode.Unauthorized,
                $"failure {i} of {failures} already locked the account (or a success did not reset the count)");
        }
        Assert.Equal(HttpStatusCode.Locked, await SignInAsync(client, user.Username, "the last straw"));
        var right = await client.PostAsJsonAsync("/api/auth/login", new { username = user.Username, password = TestPeople.Password });
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync());

        await using var conn = await server.Db.OpenConnectionAsync();
        var audited = (await conn.QueryAsync<string>(
            "select action from audit_log where subject = @S and action in ('login_failed', 'account_locked') order by id",
            new { S = $"person:{user.Id}" })).ToList();
        Assert.Equal(Enumerable.Repeat("login_failed", 2 * (failures - 1)).Append("account_locked"), audited);

        // When the lock runs out (moved into the past as time would), the right password works again.
        await conn.ExecuteAsync("update people set locked_until = now() - interval '1 second' where id = @Id", new { user.Id });
        Assert.Equal(HttpStatusCode.OK, await SignInAsync(client, user.Username, TestPeople.Password));
    }

    [Fact]
    public async Task The_default_of_five_failures_locks_on_the_fifth_and_not_before()
    {
        await AssertLockedAfterExactlyAsync(await TestServer.SharedAsync(), 5);
    }

    [Fact]
    public async Task A_configured_limit_of_three_locks_on_the_third_failure()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("lockout"),
            settings: new Dictionary<string, string?> { ["Grid:LockoutFailures"] = "3" });
        await AssertLockedAfterExactlyAsync(server, 3);
        await AssertUnknownNameLockedAfterExactlyAsync(server, 3);
    }

    [Fact]
    public async Task An_unknown_name_locks_after_the_same_five_failures_and_answers_like_a_locked_account()
    {
        await AssertUnknownNameLockedAfterExactlyAsync(await TestServer.SharedAsync(), 5);
    }

    /// <summary>
    /// A name that is no account counts failures by the same rule, so the lock (423) does not tell a
    /// guesser the name exists: the answers match a real account's, failure by failure.
    /// </summary>
    private static async Task AssertUnknownNameLockedAfterExactlyAsync(TestServer server, int failures)
    {
        var world = await TestWorld.CreateAsync(server);
        var user = await world.PersonAsync(Role.Informant, world.Cells[0]);
        var unknown = "nobody-" + Guid.NewGuid().ToString("N")[..12];
        var client = server.Anonymous();
        for (var i = 1; i <= failures + 1; i++)
        {
            var real = await AnswerAsync(client, user.Username, "guess" + i);
            var none = await AnswerAsync(client, unknown, "guess" + i);
            var expected = i < failures ? HttpStatusCode.Unauthorized : HttpStatusCode.Locked;
            Assert.True(real.Status == expected, $"real account, failure {i} of {failures}: {(int)real.Status} {real.Body}");
            Assert.True(none.Status == expected, $"unknown name, failure {i} of {failures}: {(int)none.Status} {none.Body}");
            Assert.Equal(real.Body, none.Body);
        }
        // Locked means locked: the name answers 423 for any password, as an account does for its right one.
        Assert.Equal(HttpStatusCode.Locked, (await AnswerAsync(client, unknown, TestPeople.Password)).Status);

        await using var conn = await server.Db.OpenConnectionAsync();
        var audited = (await conn.QueryAsync<string>(
            "select action from audit_log where subject = @S and action in ('login_failed', 'account_locked') order by id",
            new { S = $"username:{unknown}" })).ToList();
        Assert.Equal(Enumerable.Repeat("login_failed", failures - 1).Append("account_locked"), audited);
    }

    /// <summary>Status and problem body of a sign-in (its per-request trace id left out), the lock's clock time masked (it may turn a minute between two answers).</summary>
    private static async Task<(HttpStatusCode Status, string Body)> AnswerAsync(HttpClient client, string username, string password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/login", new { username, password });
        var body = System.Text.RegularExpressions.Regex.Replace(AccountDiscoveryTests.WithoutTraceId(await response.Content.ReadAsStringAsync()), @"\d\d:\d\d UTC", "HH:mm UTC");
        return (response.StatusCode, body);
    }
}
