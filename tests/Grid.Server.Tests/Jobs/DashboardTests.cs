using System.Net;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Jobs;

/// <summary>The Hangfire dashboard at /jobs answers administrators only, through the app's cookie sign-in.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task An_administrator_sees_the_jobs_dashboard_with_the_escalation_claim_job()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);

        var page = await admin.Client.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("GridCity jobs", await page.Content.ReadAsStringAsync());
        var recurring = await admin.Client.GetStringAsync("/jobs/recurring");
        Assert.Contains("escalation-claim", recurring);
        Assert.Contains("hotline-push", recurring);
        // Linked from the administrators' pages (the desk drawer).
        Assert.Contains("href=\"/jobs\"", await admin.Client.GetStringAsync("/inbox"));
    }

    [Fact]
    public async Task A_supervisor_and_an_anonymous_caller_see_nothing_there()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var supervisor = await world.PersonAsync([Role.Supervisor], []);
        Assert.DoesNotContain("href=\"/jobs\"", await supervisor.Client.GetStringAsync("/inbox"));

        foreach (var path in new[] { "/jobs", "/jobs/recurring", "/jobs/jobs/failed" })
        {
            var bySupervisor = await supervisor.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, bySupervisor.StatusCode);
            Assert.StartsWith("/login", bySupervisor.Headers.Location!.PathAndQuery);
            Assert.DoesNotContain("escalation-claim", await bySupervisor.Content.ReadAsStringAsync());

            var anonymous = await server.Anonymous().GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/login", anonymous.Headers.Location!.PathAndQuery);
        }
        var stats = await supervisor.Client.PostAsync("/jobs/stats", new FormUrlEncodedContent([]));
        Assert.NotEqual(HttpStatusCode.OK, stats.StatusCode);
    }
}
