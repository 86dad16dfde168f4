using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Tests.Infrastructure;
using Grid.Server.Tests.Photos;
using static Grid.Server.Tests.Citizens.CitizenHelpers;

namespace Grid.Server.Tests.Citizens;

public sealed class CitizenTests
{
    [Fact]
    public async Task A_citizen_report_is_tracked_by_its_code_with_public_notes_and_published_photos_only()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var device = NewDevice();
        var upload = await UploadAsync(citizen, TestImages.Jpeg(withExif: true, salt: Guid.NewGuid().ToString()), device);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var photoRef = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement.GetProperty("ref").GetString()!;
        var (lat, lon) = world.Inside(0);
        var filed = await ReportAsync(server, citizen, key, lat, lon, device, more: [("photo_ref", photoRef), ("first_name", "王小明"), ("phone", "13800001111")]);
        Assert.Matches("^[0-9a-f]{32}$", filed.Code);

        var seen = await TrackAsync(citizen, filed.Code);
        Assert.Equal(filed.CaseNo, seen.GetProperty("caseNo").GetString());
        Assert.Equal("reported", seen.GetProperty("state").GetString());
        Assert.Equal(0, seen.GetProperty("notes").GetArrayLength());

        // The operator registers it with an internal reason and a public note; only the note reaches the citizen.
        var op = await world.PersonAsync([Role.Operator, Role.ShiftLead], []);
        var view = await op.GetCaseAsync(filed.CaseId);
        Assert.Equal("13800001111", view.ReporterPhone);
        Assert.Contains(view.History!, h => h.Action == "add_photos" && h.Evidence.EnumerateArray().Any(e => e.GetString() == photoRef));
        await op.StepOkAsync(filed.CaseId, "register", new { reason = "INTERNAL-looks like the usual spot", publicNote = "已受理，将派人处理。" });
        var text = await citizen.GetStringAsync($"/api/citizen/track/{filed.Code}");
        Assert.Contains("已受理，将派人处理。", text);
        Assert.DoesNotContain("INTERNAL", text);
        Assert.DoesNotContain("13800001111", text);
        Assert.DoesNotContain("王小明", text);
        Assert.Empty(JsonDocument.Parse(text).RootElement.GetProperty("photos").EnumerateArray());
        // Nor does the public Open311 feed show the reporter or the code (XML: names are not escaped there).
        var feed = await citizen.GetStringAsync($"/open311/v2/requests/{filed.CaseNo}.xml");
        Assert.Contains(filed.CaseNo, feed);
        Assert.DoesNotContain("13800001111", feed);
        Assert.DoesNotContain("王小明", feed);
        Assert.DoesNotContain(filed.Code, feed);

        // A photo is shown once the city publishes it, without its GPS metadata.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/publish-photo",
            new { photo = "photo:" + new string('a', 64), kind = "before" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/publish-photo",
            new { photo = photoRef, kind = "before" })).StatusCode);
        var photos = (await TrackAsync(citizen, filed.Code)).GetProperty("photos");
        Assert.Equal("before", photos[0].GetProperty("kind").GetString());
        var bytes = await citizen.GetByteArrayAsync(photos[0].GetProperty("url").GetString());
        Assert.True(bytes.Length > 0);
        Assert.Equal(-1, bytes.AsSpan().IndexOf(TestImages.GpsMarker));

        // The page resends from its offline queue with the same code: the same case, not a second one.
        var resent = await PostReportAsync(citizen, key, device, lat, lon, more: [("tracking_code", filed.Code), ("photo_ref", photoRef)]);
        Assert.Equal(HttpStatusCode.Created, resent.StatusCode);
        Assert.Equal(filed.CaseNo, JsonDocument.Parse(await resent.Content.ReadAsStringAsync()).RootElement[0].GetProperty("service_request_id").GetString());
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from citizen_tracking where case_id = @Id", new { Id = filed.CaseId }));

        // At most 3 photos a report (Grid:Citizens:MaxPhotos).
        var four = await PostReportAsync(citizen, key, NewDevice(), lat, lon,
            more: Enumerable.Range(0, 4).Select(i => ("photo_ref", "photo:" + new string((char)('a' + i), 64))).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, four.StatusCode);
        Assert.Contains("At most 3 photos per report", await four.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tracking_codes_cannot_be_enumerated_or_read_back()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(1);
        var a = await ReportAsync(server, citizen, key, lat, lon);
        var b = await ReportAsync(server, citizen, key, lat, lon);
        Assert.NotEqual(a.Code, b.Code);
        // No shared prefix or counter between consecutive codes: 128 random bits each.
        Assert.True(Enumerable.Range(0, 32).Count(i => a.Code[i] == b.Code[i]) < 12);

        var unknown = new[]
        {
            a.CaseNo, a.CaseId.ToString(), a.Code.ToUpperInvariant(), a.Code[..31] + (a.Code[31] == '0' ? '1' : '0'),
            new string('0', 32), a.Code + "0", "../" + a.Code,
        };
        var bodies = new HashSet<string>();
        foreach (var guess in unknown)
        {
            var response = await citizen.GetAsync($"/api/citizen/track/{Uri.EscapeDataString(guess)}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            bodies.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!);
        }
        Assert.Single(bodies);

        // The database keeps only a hash; the public feed never shows a code.
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("select count(*) from citizen_tracking where code_hash = @C", new { C = a.Code }));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(a.Code)));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from citizen_tracking where code_hash = @C", new { C = hash }));
        var feed = await citizen.GetStringAsync($"/open311/v2/requests.json?service_request_id={a.CaseNo},{b.CaseNo}");
        Assert.DoesNotContain(a.Code, feed);
        Assert.DoesNotContain(b.Code, feed);
        // A code chosen by someone else's page cannot be registered twice either.
        var taken = await PostReportAsync(citizen, key, NewDevice(), lat, lon, more: [("tracking_code", "not-hex")]);
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
    }

    [Fact]
    public async Task Devices_and_addresses_over_their_hourly_limit_get_429_with_a_message()
    {
        await using var server = await TestServer.StartAsync(TestServer.DatabaseName("citizenlimits"), settings: new Dictionary<string, string?>
        {
            ["Grid:Citizens:ReportsPerDevicePerHour"] = "2", ["Grid:Citizens:ReportsPerAddressPerHour"] = "3",
            ["Grid:Escalation:Enabled"] = "false",
        });
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(0);
        var phone = NewDevice();
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(citizen, key, phone, lat, lon)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(citizen, key, phone, lat, lon)).StatusCode);
        var third = await PostReportAsync(citizen, key, phone, lat, lon);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.Contains("This phone has sent 2 reports", await third.Content.ReadAsStringAsync());
        Assert.NotNull(third.Headers.RetryAfter);

        // Another phone on the same network: the address has one more report before its limit.
        Assert.Equal(HttpStatusCode.Created, (await PostReportAsync(citizen, key, NewDevice(), lat, lon)).StatusCode);
        var network = await PostReportAsync(citizen, key, NewDevice(), lat, lon);
        Assert.Equal((HttpStatusCode)429, network.StatusCode);
        Assert.Contains("from your network", await network.Content.ReadAsStringAsync());
        var plusOne = await citizen.PostAsJsonAsync("/api/citizen/cases/20260101000001/support", new { deviceId = NewDevice() });
        Assert.Equal((HttpStatusCode)429, plusOne.StatusCode);
        Assert.Contains("from your network", await plusOne.Content.ReadAsStringAsync());

        // Without a device id the page's key is refused; photos are checked by content and size.
        Assert.Equal(HttpStatusCode.BadRequest, (await citizen.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(
            new Dictionary<string, string> { ["api_key"] = key, ["service_code"] = TestCatalogue.LightEvent, ["lat"] = "30", ["long"] = "100" }))).StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await UploadAsync(citizen, Encoding.UTF8.GetBytes("<script>alert(1)</script>"), NewDevice())).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await UploadAsync(citizen, new byte[5 * 1024 * 1024], NewDevice())).StatusCode);
    }

    [Fact]
    public async Task Spam_marking_cancels_with_the_reason_and_hides_the_case_from_every_public_view()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(2);
        var filed = await ReportAsync(server, citizen, key, lat, lon);
        Assert.Contains(JsonDocument.Parse(await citizen.GetStringAsync($"/api/citizen/nearby?lat={lat}&lon={lon}&category={TestCatalogue.LightEvent}"))
            .RootElement.EnumerateArray(), n => n.GetProperty("caseNo").GetString() == filed.CaseNo);

        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[2]);
        Assert.Equal(HttpStatusCode.Forbidden, (await worker.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/spam", new { reason = "ad" })).StatusCode);
        var op = await world.PersonAsync([Role.Operator], []);
        Assert.Equal(HttpStatusCode.BadRequest, (await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/spam", new { })).StatusCode);
        // A reason one character over what fits beside the stored prefix is refused by this route with the limit that
        // applies to it, and changes nothing (it used to pass here and be refused by the step with "1000").
        var tooLong = await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/spam", new { reason = new string('x', 988) });
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains("limited to 987 characters; this one has 988", await tooLong.Content.ReadAsStringAsync());
        Assert.Equal("reported", (await op.GetCaseAsync(filed.CaseId)).State);
        var marked = await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/spam", new { reason = "Advertising for a moving company " + new string('x', 954) });
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        var view = await op.GetCaseAsync(filed.CaseId);
        Assert.Equal("cancelled", view.State);
        Assert.Contains("Advertising for a moving company", view.History!.Last().Reason);
        Assert.Equal(HttpStatusCode.Conflict, (await op.Client.PostAsJsonAsync($"/api/cases/{filed.CaseId}/spam", new { reason = "again" })).StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await citizen.GetAsync($"/open311/v2/requests/{filed.CaseNo}.json")).StatusCode);
        Assert.DoesNotContain(filed.CaseNo, await citizen.GetStringAsync($"/open311/v2/requests.json?service_code={TestCatalogue.LightEvent}"));
        Assert.DoesNotContain(filed.CaseNo, await citizen.GetStringAsync($"/open311/v2/requests.xml?service_request_id={filed.CaseNo}"));
        Assert.Equal(HttpStatusCode.NotFound, (await citizen.GetAsync($"/api/citizen/track/{filed.Code}")).StatusCode);
        Assert.DoesNotContain(filed.CaseNo, await citizen.GetStringAsync($"/api/citizen/nearby?lat={lat}&lon={lon}&category={TestCatalogue.LightEvent}"));
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from audit_log where action = 'case_marked_spam' and subject = @S", new { S = $"case:{filed.CaseId}" }));
    }

    [Fact]
    public async Task A_second_citizens_plus_one_joins_the_open_case_with_its_own_tracking_code()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var first = server.Anonymous();
        var key = await PageKeyAsync(first);
        var (lat, lon) = world.Inside(3);
        // The first citizen also typed a phone number into the free text, which other citizens read.
        var filed = await ReportAsync(server, first, key, lat, lon, description: "Bins overflowing since 2026-11-20, call me on 139 0000 2222",
            more: [("first_name", "李四"), ("phone", "13900002222")]);

        var second = server.Anonymous();
        var nearby = await second.GetStringAsync($"/api/citizen/nearby?lat={lat + 0.0001}&lon={lon}&category={TestCatalogue.LightEvent}");
        Assert.Contains(filed.CaseNo, nearby);
        Assert.Contains("Bins overflowing since 2026-11-20, call me on ***", nearby);
        Assert.DoesNotContain("李四", nearby);
        Assert.DoesNotContain("13900002222", nearby);
        Assert.DoesNotContain("139 0000 2222", nearby);
        Assert.DoesNotContain(filed.Code, nearby);
        // The case number leads to the public Open311 feed: the number is masked there too.
        var feed = await second.GetStringAsync($"/open311/v2/requests/{filed.CaseNo}.xml");
        Assert.Contains("Bins overflowing since 2026-11-20, call me on ***", feed);
        Assert.DoesNotContain("13900002222", feed);
        var support = await second.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = NewDevice(), phone = "13900003333" });
        Assert.Equal(HttpStatusCode.Created, support.StatusCode);
        var code = (await support.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("trackingCode").GetString()!;
        Assert.NotEqual(filed.Code, code);
        var tracked = await TrackAsync(second, code);
        Assert.Equal(filed.CaseNo, tracked.GetProperty("caseNo").GetString());
        Assert.True(tracked.GetProperty("supporter").GetBoolean());
        Assert.Equal("Bins overflowing since 2026-11-20, call me on ***", tracked.GetProperty("description").GetString());

        var op = await world.PersonAsync([Role.Operator], []);
        var history = (await op.GetCaseAsync(filed.CaseId)).History!;
        Assert.Contains(history, h => h.Action == "support");
        await using var conn = await server.Db.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from cases where cell_code = @Cell", new { Cell = world.Cells[3] }));
        Assert.Equal(HttpStatusCode.Conflict, (await second.PostAsJsonAsync("/api/citizen/cases/19990101999999/support", new { deviceId = NewDevice() })).StatusCode);
    }

    [Fact]
    public async Task The_page_is_told_in_words_which_street_and_community_the_pin_is_in_or_that_no_cell_takes_it()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        async Task<JsonElement> PlaceAsync(double lat, double lon) =>
            JsonDocument.Parse(await citizen.GetStringAsync(FormattableString.Invariant($"/api/citizen/place?lat={lat}&lon={lon}"))).RootElement;

        var (lat, lon) = world.Inside(5);
        var inside = await PlaceAsync(lat, lon);
        Assert.True(inside.GetProperty("inCity").GetBoolean());
        Assert.Equal(("Test street", "Test community"), (inside.GetProperty("street").GetString(), inside.GetProperty("community").GetString()));
        // Just outside the world's cells the nearest one still takes the point (属地兜底, as the intake does).
        Assert.True((await PlaceAsync(world.OriginLat + 0.0005, world.OriginLon + 0.0015)).GetProperty("inCity").GetBoolean());
        // Two kilometres from any cell, and outside the city box: a report there would be refused, and the page says so first.
        var far = await PlaceAsync(world.OriginLat - 0.02, world.OriginLon + 0.02);
        Assert.False(far.GetProperty("inCity").GetBoolean());
        Assert.Equal(JsonValueKind.Null, far.GetProperty("street").ValueKind);
        Assert.False((await PlaceAsync(10, 10)).GetProperty("inCity").GetBoolean());
        var filed = await PostReportAsync(citizen, await PageKeyAsync(citizen), NewDevice(), world.OriginLat - 0.02, world.OriginLon + 0.02);
        Assert.Equal(HttpStatusCode.BadRequest, filed.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await citizen.GetAsync("/api/citizen/place?lat=NaN&lon=120")).StatusCode);
    }

    [Fact]
    public async Task Hostile_input_on_the_public_citizen_routes_is_refused_with_4xx_never_500()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var citizen = server.Anonymous();
        var key = await PageKeyAsync(citizen);
        var (lat, lon) = world.Inside(4);
        var filed = await ReportAsync(server, citizen, key, lat, lon);
        var requests = new List<(string What, Task<HttpResponseMessage> Call)>
        {
            ("nearby NaN", citizen.GetAsync($"/api/citizen/nearby?lat=NaN&lon={lon}&category=E9901")),
            ("nearby Infinity", citizen.GetAsync($"/api/citizen/nearby?lat={lat}&lon=Infinity&category=E9901")),
            ("nearby NUL category", citizen.GetAsync($"/api/citizen/nearby?lat={lat}&lon={lon}&category=E99%0001")),
            ("support NUL case", citizen.PostAsJsonAsync("/api/citizen/cases/2026%00/support", new { deviceId = NewDevice() })),
            ("support NUL name", citizen.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = NewDevice(), name = "a\u0000b" })),
            ("support script device", citizen.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = "<script>alert(1)</script>" })),
            ("support bad code", citizen.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = NewDevice(), trackingCode = "zz" })),
            ("follow-up NUL", citizen.PostAsJsonAsync($"/api/citizen/track/{filed.Code}/followup", new { solved = true, satisfaction = "basic", comment = "x\u0000" })),
            ("follow-up not json", citizen.PostAsync($"/api/citizen/track/{filed.Code}/followup", new StringContent("{", Encoding.UTF8, "application/json"))),
            ("track NUL", citizen.GetAsync("/api/citizen/track/%00")),
            ("photo NUL sha", citizen.GetAsync($"/api/citizen/track/{filed.Code}/photos/%00")),
            ("photo not multipart", citizen.PostAsync("/api/citizen/photos", new StringContent("x"))),
            ("huge device", citizen.PostAsJsonAsync($"/api/citizen/cases/{filed.CaseNo}/support", new { deviceId = new string('a', 5000) })),
        };
        foreach (var (what, call) in requests)
        {
            var response = await call;
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }
}
