using System.Net;
using System.Net.Http.Json;
using System.Text;
using Grid.Domain.People;
using Grid.Server.Field;
using Grid.Server.Incidents;
using Grid.Server.Tests.Http;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;

namespace Grid.Server.Tests.Auth;

/// <summary>
/// Two streets with a case, a patrol shift and a photo each; one person per role serving the first
/// street (cell posts in its cells, area roles limited to it, unit staff of the unit its case went to).
/// The first street's resources are in scope of everyone, the second street's of nobody.
/// </summary>
public sealed class MatrixFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public TestWorld Here { get; private set; } = null!;
    public TestWorld There { get; private set; } = null!;
    public Dictionary<Role, TestUser> Viewers { get; } = [];
    public RouteCatalog Routes { get; private set; } = null!;
    public (long In, long Out) Case { get; private set; }
    public (string In, string Out) CaseNo { get; private set; }
    public (long In, long Out) Shift { get; private set; }
    public (string In, string Out) Photo { get; private set; }
    public Guid HerePatroller { get; private set; }
    /// <summary>A responsible unit of each street (the matrix's administrator manages the first street's only).</summary>
    public (string In, string Out) Unit { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.SharedAsync();
        Here = await TestWorld.CreateAsync(Server);
        There = await TestWorld.CreateAsync(Server);
        foreach (var role in Enum.GetValues<Role>()) Viewers[role] = await ViewerAsync(role);
        Routes = await RouteCatalog.LoadAsync(Viewers[Role.Admin].Client);
        var caseIn = await MakeWorldAsync(Here, TestCatalogue.Unit);
        var caseOut = await MakeWorldAsync(There, TestCatalogue.OtherUnit);
        Case = (caseIn.Case, caseOut.Case);
        CaseNo = (caseIn.CaseNo, caseOut.CaseNo);
        Shift = (caseIn.Shift, caseOut.Shift);
        Photo = (caseIn.Photo, caseOut.Photo);
        Unit = (await StreetUnitAsync(Here), await StreetUnitAsync(There));
    }

    private async Task<string> StreetUnitAsync(TestWorld world)
    {
        var id = "m" + Guid.NewGuid().ToString("N")[..10];
        await using var conn = await Server.Db.OpenConnectionAsync();
        await using var cmd = new Npgsql.NpgsqlCommand("insert into units (id, name_zh, name_en, street_code) values (@Id, @Id, @Id, @Street)", conn);
        cmd.Parameters.AddWithValue("Id", id);
        cmd.Parameters.AddWithValue("Street", world.Street);
        await cmd.ExecuteNonQueryAsync();
        return id;
    }

    /// <summary>A person of <paramref name="role"/> serving the first street (see the class summary).</summary>
    public async Task<TestUser> ViewerAsync(Role role, int cell = 0) =>
        Roles.CellScoped.Contains(role) ? await Here.PersonAsync(role, Here.Cells[cell])
        : Roles.AreaWide.Contains(role) ? await Here.PersonAsync([role], [], street: Here.Street)
        : await Here.PersonAsync([role], [], unit: TestCatalogue.Unit);

    /// <summary>A case reported with a photo and dispatched to <paramref name="unit"/>, and a patrol shift walked in the world's cells.</summary>
    private static async Task<(long Case, string CaseNo, long Shift, string Photo)> MakeWorldAsync(TestWorld world, string unit)
    {
        // The reporter and the patroller hold posts in cells of their own, so the viewers' posts in cell 0 stay theirs.
        var reporter = await world.PersonAsync(Role.GridWorker, world.Cells[3]);
        var op = await world.PersonAsync([Role.Operator], []);
        var c = await world.ReportAsync(reporter, 0, TestCatalogue.Component);
        var photo = await reporter.UploadOkAsync(TestImages.Jpeg(salt: Guid.NewGuid().ToString()));
        var added = await reporter.Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/field/cases/{c.Id}/photos")
        {
            Content = JsonContent.Create(new { photos = new[] { photo.Ref } }),
            Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
        });
        Assert.True(added.IsSuccessStatusCode, await added.Content.ReadAsStringAsync());
        await op.StepOkAsync(c.Id, "register");
        await op.StepOkAsync(c.Id, "dispatch", new { unitId = unit, assigneeId = reporter.Id });
        var patroller = await world.PersonAsync(Role.Patroller, world.Cells[4]);
        var shift = await TestWorld.ReadAsync<ShiftView>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/start", new { consent = true }), HttpStatusCode.Created);
        var (lat, lon) = world.Inside(2);
        await TestWorld.ReadAsync<global::Grid.Server.Field.PositionAccepted>(await patroller.Client.PostAsJsonAsync("/api/field/patrol/positions", new { lat, lon, accuracy = 5 }));
        return (c.Id, c.CaseNo, shift.Id, photo.Sha256);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

/// <summary>
/// Issue 14: the routes of the OpenAPI document that read (GET) or act on a case by its id, for every
/// role, on a resource in the caller's scope and one outside it, each answered with the status of the
/// table below. A route missing from the table fails the test, so a new read or case route cannot be
/// added without saying who may use it. Write routes without a case id have a table of their own
/// (who may use each), and <see cref="HostileInputTests"/> checks that nothing changes on a refusal.
/// </summary>
public sealed class AuthorizationMatrixTests(MatrixFixture f) : IClassFixture<MatrixFixture>
{
    private static readonly Role[] All = Enum.GetValues<Role>();
    private static readonly Role[] Area = [Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor, Role.Admin];
    private static readonly Role[] CommandCenter = [Role.Operator, Role.ShiftLead];
    private static readonly Role[] Dispatchers = [Role.Operator, Role.Dispatcher, Role.ShiftLead];
    private static readonly Role[] Figures = [Role.Operator, Role.ShiftLead, Role.Supervisor, Role.Admin];

    /// <summary>Who may call a route, and the status each of them gets on a resource in scope and out of scope; everyone else gets <see cref="Refused"/> on both.</summary>
    private sealed record Expect(Role[] Who, int In, int Out, int Refused = 403);

    private const int Stale = 409; // a step sent with a version that is not the case's: in scope, nothing saved

    /// <summary>The table. "In"/"Out" is the first/second street's case (or shift, photo, cell).</summary>
    private static readonly Dictionary<string, Expect> Table = new()
    {
        // Cases by id: the scope rule of the lists (Case.IsVisibleTo) on every read and every step.
        ["GET /api/cases/{id}"] = new(All, 200, 403),
        ["GET /api/cases/{id}/escalations"] = new(All, 200, 403),
        ["GET /api/cases/{id}/dispatch-suggestion"] = new(Dispatchers, 200, 403),
        ["POST /api/cases/{id}/register"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/cancel"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/dispatch"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/accept"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/feedback"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/self-handle"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/verify"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/rework"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/return"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/extend"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/hold"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/resume"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/reopen"] = new(All, Stale, 403),
        ["POST /api/cases/{id}/supervise"] = new([Role.Supervisor, Role.ShiftLead], 201, 403),
        ["POST /api/cases/{id}/reveal-reporter"] = new([Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor, Role.GridHead, Role.Liaison], 200, 403),
        ["POST /api/cases/{id}/spam"] = new(CommandCenter, 409, 403),
        ["POST /api/cases/{id}/publish-photo"] = new([Role.Operator, Role.ShiftLead, Role.Supervisor], 204, 403),
        ["POST /api/field/cases/{id}/support"] = new([.. global::Grid.Domain.Incidents.Lifecycle.ReportingRoles], 200, 403),
        // The photo check comes first: a photo that is not one's own is refused before the case is looked at.
        ["POST /api/field/cases/{id}/photos"] = new([.. global::Grid.Domain.Incidents.Lifecycle.ReportingRoles], 422, 422),
        // A photo: its uploader, and whoever may see a case it is evidence of.
        ["GET /api/photos/{sha}"] = new(All, 200, 403),
        ["GET /api/photos/{sha}/thumb"] = new(All, 404, 403),
        // A patrol track: the person who walked it and the command center of the area it was walked in.
        ["GET /api/field/patrol/shifts/{id}/track"] = new(Area, 200, 403),
        // The city's map: every cell is shown to every signed-in person (its team is the staff directory).
        ["GET /api/cells/{code}"] = new(All, 200, 200),
        ["GET /api/cells"] = new(All, 200, 200),
        ["GET /api/locate"] = new(All, 200, 200),
        // Lists filter by scope (the privacy matrix and the list filter tests check what they hold).
        ["GET /api/cases"] = new(All, 200, 200),
        ["GET /api/cases/nearby"] = new(All, 200, 200),
        ["GET /api/inbox"] = new(All, 200, 200),
        ["GET /api/inbox/unread-count"] = new(All, 200, 200),
        ["GET /api/me"] = new(All, 200, 200),
        ["GET /api/categories"] = new(All, 200, 200),
        ["GET /api/units"] = new(All, 200, 200),
        ["GET /api/field/patrol/current"] = new([.. Roles.CellScoped], 200, 200),
        ["GET /api/duplicates"] = new([Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor], 200, 200),
        ["GET /api/stats/indicators"] = new(Figures, 200, 200),
        ["GET /api/stats/indicators.csv"] = new(Figures, 200, 200),
        ["GET /api/stats/indicators.xlsx"] = new(Figures, 200, 200),
        ["GET /api/stats/cases"] = new(Figures, 400, 400), // without the measure it lists
        ["GET /api/stats/cases.csv"] = new(Figures, 400, 400), // without the measure it lists
        ["GET /api/stats/cases.xlsx"] = new(Figures, 400, 400), // without the measure it lists
        ["GET /api/stats/stage-times"] = new(Figures, 200, 200),
        ["GET /api/stats/stage-times.csv"] = new(Figures, 200, 200),
        ["GET /api/stats/stage-times.xlsx"] = new(Figures, 200, 200),
        ["GET /api/stats/escalations"] = new(Figures, 200, 200),
        ["GET /api/stats/escalations.csv"] = new(Figures, 200, 200),
        ["GET /api/stats/escalations.xlsx"] = new(Figures, 200, 200),
        ["GET /api/staff/positions"] = new(All, 200, 200),
        ["GET /api/evaluation/months"] = new(Figures, 200, 200),
        ["GET /api/evaluation/{month}/indicators"] = new(Figures, 404, 404),
        ["GET /api/evaluation/{month}/cases"] = new(Figures, 400, 400), // without the measure it lists
        ["GET /api/evaluation/{month}/indicators.csv"] = new(Figures, 404, 404),
        ["GET /api/evaluation/{month}/indicators.xlsx"] = new(Figures, 404, 404),
        ["GET /api/evaluation/{month}/cases.csv"] = new(Figures, 400, 400),
        ["GET /api/evaluation/{month}/cases.xlsx"] = new(Figures, 400, 400),
        // Role-gated reads.
        ["GET /api/escalation/ladders"] = new([Role.Admin, Role.Supervisor, Role.ShiftLead], 200, 200),
        ["GET /api/escalation/ladders/preview"] = new([Role.Admin, Role.Supervisor, Role.ShiftLead], 400, 400), // without the category it previews
        // The administrators' console (the street-scoped administrator reads; its changes are refused in the console's tests).
        ["GET /api/admin/categories"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/calendar/{year}"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/audit"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/audit/actions"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/audit.csv"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/audit.xlsx"] = new([Role.Admin], 200, 200),
        ["GET /api/realtime/status"] = new([Role.Admin, Role.Supervisor, Role.ShiftLead, Role.Operator], 200, 200),
        ["GET /api/open311/keys"] = new([Role.Admin], 200, 200),
        // The administrators' console: the lists hold only the street administrator's people (PeopleAdminTests);
        // the matrix's id is no person id, so that route answers 404 before anyone is asked who he is.
        ["GET /api/admin/people"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/people/{id}"] = new([Role.Admin], 404, 404, Refused: 404),
        // A cell import by id: the matrix's id names none (the import tests follow real ones).
        ["GET /api/admin/cells/imports/{id}"] = new([Role.Admin], 404, 404),
        ["GET /api/admin/people.csv"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/people.xlsx"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/posts"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/posts/map"] = new([Role.Admin], 200, 200),
        // The matrix's admin is limited to the first street: its cells are his, the second street's are not.
        ["GET /api/admin/posts/{cell}"] = new([Role.Admin], 200, 403),
        ["GET /api/admin/posts/{cell}/{role}/candidates"] = new([Role.Admin], 200, 403),
        ["GET /api/admin/duty/{cell}"] = new([Role.Admin], 200, 403),
        // Units: the matrix's administrator manages his street's unit; another street's is refused (UnitsAdminTests).
        ["GET /api/admin/units"] = new([Role.Admin], 200, 200),
        ["GET /api/admin/units/{unit}"] = new([Role.Admin], 200, 403),
        ["GET /api/admin/units/{unit}/candidates"] = new([Role.Admin], 200, 403),
        ["GET /api/admin/unit-duty/{unit}"] = new([Role.Admin], 200, 403),
        ["GET /api/open311/pending"] = new(CommandCenter, 200, 200),
        ["GET /api/followups"] = new(CommandCenter, 200, 200),
        ["GET /api/monitoring/devices"] = new([Role.Admin, Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor], 200, 200),
        ["GET /api/monitoring/devices/{id}"] = new([Role.Admin, Role.Operator, Role.ShiftLead, Role.Dispatcher, Role.Supervisor], 404, 404),
        // Public by design (citizens, Open311 clients, the hotline system with its key).
        ["GET /api/hotline/feed"] = new(All, 401, 401),
        ["GET /api/hotline/callback"] = new(All, 401, 401),
        ["GET /api/citizen/config"] = new(All, 200, 200),
        ["GET /api/citizen/nearby"] = new(All, 200, 200),
        ["GET /api/citizen/place"] = new(All, 200, 200),
        ["GET /api/citizen/track/{code}"] = new(All, 404, 404),
        ["GET /api/citizen/track/{code}/photos/{sha}"] = new(All, 404, 404),
        ["GET /open311/v2/discovery.{format}"] = new(All, 200, 200),
        ["GET /open311/v2/services.{format}"] = new(All, 200, 200),
        ["GET /open311/v2/services/{code}.{format}"] = new(All, 200, 200),
        ["GET /open311/v2/requests.{format}"] = new(All, 200, 200),
        ["GET /open311/v2/requests/{id}.{format}"] = new(All, 200, 200),
        ["GET /open311/v2/tokens/{token}.{format}"] = new(All, 404, 404),
    };

    private static bool InMatrix(RouteOperation op) =>
        op.Method == "GET" || op.Path.StartsWith("/api/cases/{id}/", StringComparison.Ordinal) || op.Path.StartsWith("/api/field/cases/{id}/", StringComparison.Ordinal);

    [Fact]
    public async Task Every_read_and_every_case_route_answers_each_role_as_the_table_says_in_and_out_of_scope()
    {
        var routes = f.Routes.Operations.Where(InMatrix).ToList();
        var unlisted = routes.Select(r => r.ToString()).Where(r => !Table.ContainsKey(r)).ToList();
        Assert.True(unlisted.Count == 0, "Routes without a row in the authorization table: " + string.Join(", ", unlisted));
        var stale = Table.Keys.Where(k => routes.All(r => r.ToString() != k)).ToList();
        Assert.True(stale.Count == 0, "Rows for routes the OpenAPI document no longer has: " + string.Join(", ", stale));

        var wrong = new List<string>();
        var checkedPairs = 0;
        foreach (var op in routes)
        {
            var expect = Table[op.ToString()];
            foreach (var role in All)
            {
                foreach (var inScope in new[] { true, false })
                {
                    var expected = !expect.Who.Contains(role) ? expect.Refused : inScope ? expect.In : expect.Out;
                    var response = await SendAsync(op, f.Viewers[role].Client, inScope);
                    checkedPairs++;
                    if ((int)response.StatusCode != expected)
                    {
                        var body = await response.Content.ReadAsStringAsync();
                        wrong.Add($"{op} as {role.ToCode()} {(inScope ? "in" : "out of")} scope: expected {expected}, got {(int)response.StatusCode} {body[..Math.Min(160, body.Length)]}");
                    }
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {checkedPairs} pairs differ from the table:\n" + string.Join("\n", wrong));
        Assert.True(checkedPairs >= routes.Count * All.Length * 2);
    }

    /// <summary>
    /// Write routes that take no case id: the roles that may use each. Everyone else (and an anonymous caller)
    /// is refused with 401 or 403; a role that may use it gets neither, and never a 5xx. The matrix sends an
    /// empty JSON object and ids that name nothing, so a refusal must come before anything is looked up and
    /// nothing changes either way. <c>null</c>: public by design (anyone, signed in or not). An empty list:
    /// nobody by cookie (Open311 and the hotline system's routes take an API key).
    /// </summary>
    private static readonly Dictionary<string, Role[]?> Writers = new()
    {
        ["POST /api/cases"] = [.. global::Grid.Domain.Incidents.Lifecycle.ReportingRoles],
        // Photos are evidence: roles that report or handle cases.
        ["POST /api/photos"] = [.. All.Where(r => r is not (Role.Supervisor or Role.Admin))],
        // Positions on the live map: field staff (cell team members and unit staff).
        ["POST /api/staff/position"] = [.. Roles.CellScoped, Role.UnitStaff],
        ["POST /api/field/patrol/start"] = [.. Roles.CellScoped],
        ["POST /api/field/patrol/end"] = [.. Roles.CellScoped],
        ["POST /api/field/patrol/positions"] = [.. Roles.CellScoped],
        ["POST /api/inbox/{id}/read"] = All,
        ["POST /api/duplicates/{id}/merge"] = CommandCenter,
        ["POST /api/duplicates/{id}/keep-apart"] = CommandCenter,
        ["POST /api/followups/{id}"] = CommandCenter,
        ["POST /api/open311/pending/{token}/place"] = CommandCenter,
        ["POST /api/open311/keys"] = [Role.Admin],
        ["POST /api/open311/keys/{id}/revoke"] = [Role.Admin],
        ["POST /api/open311/keys/{id}/scope"] = [Role.Admin],
        ["POST /api/people/{id}/reset-password"] = [Role.Admin],
        ["POST /api/people/{id}/deactivate"] = [Role.Admin],
        ["POST /api/people/{id}/reactivate"] = [Role.Admin],
        // The administrators' console (issue 11); a street administrator's limits are PeopleAdminTests' and PostsAdminTests'.
        ["POST /api/admin/people"] = [Role.Admin],
        ["PUT /api/admin/people/{id}"] = [Role.Admin],
        ["POST /api/admin/people/import/preview"] = [Role.Admin],
        ["POST /api/admin/people/import"] = [Role.Admin],
        ["PUT /api/admin/posts/{cell}/{role}"] = [Role.Admin],
        ["POST /api/admin/duty/{cell}/shifts"] = [Role.Admin],
        ["DELETE /api/admin/duty/{cell}/shifts/{id}"] = [Role.Admin],
        ["POST /api/admin/units"] = [Role.Admin],
        ["PUT /api/admin/units/{unit}"] = [Role.Admin],
        ["POST /api/admin/units/{unit}/deactivate"] = [Role.Admin],
        ["POST /api/admin/units/{unit}/reactivate"] = [Role.Admin],
        ["POST /api/admin/units/{unit}/members"] = [Role.Admin],
        ["POST /api/admin/units/{unit}/members/remove"] = [Role.Admin],
        ["POST /api/admin/unit-duty/{unit}/shifts"] = [Role.Admin],
        ["DELETE /api/admin/unit-duty/{unit}/shifts/{id}"] = [Role.Admin],
        // One's own password (required after an administrator set it).
        ["POST /api/auth/change-password"] = All,
        // The city's rules (categories, calendar, ladders, monitoring systems' secrets): city administrators only; the
        // matrix's administrator serves one street and is refused (CatalogueAdminTests, LadderAdminTests and
        // DeviceAdminTests have city administrators change them).
        ["POST /api/escalation/ladders"] = [],
        ["DELETE /api/escalation/ladders/{id}"] = [],
        ["POST /api/escalation/ladders/preview"] = [Role.Admin],
        ["POST /api/admin/categories"] = [],
        ["PUT /api/admin/categories/{code}"] = [],
        ["PUT /api/admin/calendar/{year}/days"] = [],
        ["POST /api/admin/calendar/{year}/paste"] = [],
        ["PUT /api/admin/calendar/{year}/settings"] = [],
        ["PUT /api/admin/calendar/{year}/periods"] = [],
        ["POST /api/monitoring/systems/{id}/rotate-secret"] = [],
        // A street administrator renames its street's cells; the walk's cell code names no cell (404, not a refusal).
        ["PUT /api/admin/cells/{code}/name"] = [Role.Admin],
        ["POST /api/admin/cells/import/preview"] = [Role.Admin],
        ["POST /api/admin/cells/imports"] = [Role.Admin],
        ["POST /api/monitoring/systems"] = [Role.Admin],
        ["POST /api/monitoring/kinds"] = [Role.Admin],
        ["POST /api/monitoring/devices"] = [Role.Admin],
        // District-wide supervisors only; the matrix's supervisor serves one street (EvaluationTests has the district one).
        ["POST /api/evaluation/{month}/publish"] = [],
        ["POST /api/auth/logout"] = All,
        // Public: sign-in, citizens, Open311 clients, monitoring systems (their own secret), partners with a key.
        ["POST /api/auth/login"] = null,
        ["POST /api/citizen/photos"] = null,
        ["POST /api/citizen/cases/{caseNo}/support"] = null,
        ["POST /api/citizen/track/{code}/followup"] = null,
        ["POST /api/monitoring/alarms/{kind}"] = null,
        ["POST /open311/v2/requests.{format}"] = [],
        ["POST /api/hotline/tickets"] = [],
        ["POST /api/hotline/callback"] = [],
        ["DELETE /api/hotline/callback"] = [],
        ["POST /api/hotline/tickets/{ticketId}/followup"] = [],
    };

    private static bool IsWrite(RouteOperation op) => !InMatrix(op);

    [Fact]
    public async Task Every_other_write_route_refuses_the_roles_it_is_not_for_and_answers_the_others_without_a_refusal()
    {
        var routes = f.Routes.Operations.Where(IsWrite).ToList();
        var unlisted = routes.Select(r => r.ToString()).Where(r => !Writers.ContainsKey(r)).ToList();
        Assert.True(unlisted.Count == 0, "Write routes without a row in the writers' table: " + string.Join(", ", unlisted));
        var stale = Writers.Keys.Where(k => routes.All(r => r.ToString() != k)).ToList();
        Assert.True(stale.Count == 0, "Rows for routes the OpenAPI document no longer has: " + string.Join(", ", stale));

        // Signing out ends the caller's session: it is tried by people of their own (posted in another cell, so
        // the viewers keep theirs), and the viewers stay signed in.
        var leaving = new Dictionary<Role, HttpClient>();
        foreach (var role in All) leaving[role] = (await f.ViewerAsync(role, cell: 2)).Client;
        var anonymous = f.Server.Anonymous();
        var wrong = new List<string>();
        var checkedPairs = 0;
        foreach (var op in routes)
        {
            var who = Writers[op.ToString()];
            var callers = All.Select(r => (Name: r.ToCode(), Client: op.Path == "/api/auth/logout" ? leaving[r] : f.Viewers[r].Client,
                    May: who is null || who.Contains(r)))
                .Append((Name: "anonymous", Client: anonymous, May: who is null));
            foreach (var (name, client, may) in callers)
            {
                var response = await SendWriteAsync(op, client);
                checkedPairs++;
                var status = (int)response.StatusCode;
                var refused = status is 401 or 403;
                if (status >= 500 || refused == may)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    wrong.Add($"{op} as {name}: {(may ? "may use it" : "must be refused")}, got {status} {body[..Math.Min(160, body.Length)]}");
                }
            }
        }
        Assert.True(wrong.Count == 0, $"{wrong.Count} of {checkedPairs} calls answered wrongly:\n" + string.Join("\n", wrong));
        Assert.True(checkedPairs >= routes.Count * (All.Length + 1));
    }

    /// <summary>An empty JSON object (a form for Open311) to the route, with ids that name nothing.</summary>
    private static Task<HttpResponseMessage> SendWriteAsync(RouteOperation op, HttpClient client)
    {
        var path = op.Path
            .Replace("{id}", op.Path.StartsWith("/api/people/", StringComparison.Ordinal) || op.Path.StartsWith("/api/admin/people/", StringComparison.Ordinal)
                ? Guid.NewGuid().ToString() : "9000000001")
            .Replace("{cell}", new string('0', 15)).Replace("{role}", "grid_head").Replace("{unit}", "no_such_unit")
            .Replace("{token}", Guid.NewGuid().ToString()).Replace("{kind}", "no-such-kind").Replace("{caseNo}", "00000000000000")
            .Replace("{code}", new string('0', 32)).Replace("{ticketId}", "no-such-ticket").Replace("{month}", "2001-13").Replace("{format}", "json").Replace("{year}", "2030");
        var request = new HttpRequestMessage(new HttpMethod(op.Method), path)
        {
            Content = op.Path.StartsWith("/open311/", StringComparison.Ordinal)
                ? new FormUrlEncodedContent([])
                : new StringContent("{}", Encoding.UTF8, "application/json"),
        };
        return client.SendAsync(request);
    }

    private Task<HttpResponseMessage> SendAsync(RouteOperation op, HttpClient client, bool inScope)
    {
        var caseId = inScope ? f.Case.In : f.Case.Out;
        var world = inScope ? f.Here : f.There;
        var path = op.Path
            .Replace("{id}", op.Path.Contains("/shifts/") ? (inScope ? f.Shift.In : f.Shift.Out).ToString() : op.Path.StartsWith("/open311/") ? (inScope ? f.CaseNo.In : f.CaseNo.Out) : caseId.ToString())
            .Replace("{sha}", inScope ? f.Photo.In : f.Photo.Out)
            .Replace("{code}", op.Path.StartsWith("/open311/") ? TestCatalogue.LightEvent : op.Path.StartsWith("/api/citizen/") ? "0" : world.Cells[1])
            .Replace("{cell}", world.Cells[1]).Replace("{role}", "grid_head").Replace("{unit}", inScope ? f.Unit.In : f.Unit.Out)
            .Replace("{format}", "json").Replace("{month}", "2001-01").Replace("{year}", "2030").Replace("{token}", Guid.NewGuid().ToString());
        var (lat, lon) = world.Inside(1);
        path += op.Path switch
        {
            "/api/locate" or "/api/citizen/nearby" or "/api/citizen/place" => $"?lat={lat}&lon={lon}&category={TestCatalogue.Component}",
            "/api/cases/nearby" => $"?lat={lat}&lon={lon}&category={TestCatalogue.Component}&radius=50",
            _ => "",
        };
        if (op.Method == "GET") return client.GetAsync(path);
        object body = op.Path switch
        {
            "/api/field/cases/{id}/photos" => new { photos = new[] { "photo:" + (inScope ? f.Photo.In : f.Photo.Out) } },
            _ when op.Path.StartsWith("/api/field/cases/", StringComparison.Ordinal) => new { note = "Seen it too" },
            "/api/cases/{id}/supervise" => new { note = "Report back by 17:00" },
            "/api/cases/{id}/reveal-reporter" => new { reason = "Need to call back" },
            "/api/cases/{id}/publish-photo" => new { photo = "photo:" + (inScope ? f.Photo.In : f.Photo.Out), kind = "before" },
            "/api/cases/{id}/spam" => new { reason = "Advertising" },
            _ => new { version = -1, reason = "Matrix" },
        };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (op.Path.StartsWith("/api/field/cases/", StringComparison.Ordinal)) request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return client.SendAsync(request);
    }
}
