using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Staff;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;

namespace Grid.Server.Tests.Staff;

/// <summary>Issue 11, people: the console's rules as any client meets them through /api/admin/people.</summary>
public sealed class PeopleAdminTests
{
    private static string Tag() => Guid.NewGuid().ToString("N")[..8];

    internal static string Phone() => "1" + Random.Shared.NextInt64(3_000_000_000, 9_999_999_999).ToString();

    internal static Task<HttpResponseMessage> SendFileAsync(TestUser admin, string route, byte[] content, string file)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return admin.Client.PostAsync($"{route}?file={file}", body);
    }

    internal static async Task<int> CountAsync(TestServer server, string sql, object args)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<int>(sql, args);
    }

    [Fact]
    public async Task Import_preview_lists_every_bad_row_and_an_import_with_one_bad_row_writes_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var tag = Tag();
        var takenPhone = Phone();
        await using (var conn = await server.Db.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("update people set phone = @Phone where id = @Id", new { Phone = takenPhone, admin.Id });
        }
        var good = new object?[] { $"{tag}-a", "张三", Phone(), "grid_head", null, null, null, world.Cells[0], null };
        var rows = new[]
        {
            good,
            [$"{tag}-b", "李四", Phone(), "网格员", null, null, null, "999999999999999", null],        // unknown cell code
            [$"{tag}-c", "王五", takenPhone, "patroller", null, null, null, world.Cells[1], null],     // duplicate phone (someone has it)
            [$"{tag}-d", "赵六", Phone(), "", null, null, null, null, null],                          // missing role
            [$"{tag}-e", "钱七", Phone(), "mayor", null, null, null, null, null],                     // unknown role
        };
        var xlsx = StaffSheet.Xlsx(rows);

        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import/preview", xlsx, "staff.xlsx"));
        Assert.Equal([2, 3, 4, 5, 6], preview.Rows.Select(r => r.Line));
        Assert.Empty(preview.Rows[0].Problems);
        Assert.Contains(preview.Rows[1].Problems, p => p.Contains("Unknown cell code '999999999999999'"));
        Assert.Contains(preview.Rows[2].Problems, p => p.Contains($"Duplicate phone: {takenPhone}"));
        Assert.Contains(preview.Rows[3].Problems, p => p.Contains("role is missing"));
        Assert.Contains(preview.Rows[4].Problems, p => p.Contains("Unknown role 'mayor'"));

        var refused = await SendFileAsync(admin, "/api/admin/people/import", xlsx, "staff.xlsx");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("nothing was written", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, await CountAsync(server, "select count(*) from people where username like @Tag", new { Tag = tag + "%" }));
        Assert.Equal(0, await CountAsync(server, "select count(*) from cell_staff where cell_code = @Cell", new { Cell = world.Cells[0] }));

        // The same list with the good row only, as CSV: written, with its post and an audit row.
        var written = await SendFileAsync(admin, "/api/admin/people/import", System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv([good])), "staff.csv");
        var done = await TestWorld.ReadAsync<ImportPreview>(written, HttpStatusCode.Created);
        Assert.Equal(1, done.Written);
        Assert.Equal(1, await CountAsync(server, """
            select count(*) from people p join cell_staff s on s.person_id = p.id
            where p.username = @U and s.cell_code = @Cell and s.role = 'grid_head' and p.must_change_password
            """, new { U = $"{tag}-a", Cell = world.Cells[0] }));
        Assert.Equal(1, await CountAsync(server, """
            select count(*) from audit_log a join people p on a.subject = 'person:' || p.id
            where p.username = @U and a.action = 'person_created' and a.actor_id = @Admin and a.details -> 'before' = 'null'::jsonb
              and a.details -> 'after' ->> 'username' = @U
            """, new { U = $"{tag}-a", Admin = admin.Id }));
    }

    /// <summary>The person as the API shows him, as JSON text (a record with lists compares them by reference).</summary>
    private static async Task<string> PersonAsync(TestUser admin, Guid id)
    {
        var response = await admin.Client.GetAsync($"/api/admin/people/{id}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /api/admin/people/{id}: {(int)response.StatusCode} {body}");
        return body;
    }

    private static PersonRow Row(string json) => JsonSerializer.Deserialize<PersonRow>(json, new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    [Fact]
    public async Task An_import_row_whose_username_exists_updates_that_person_and_the_preview_says_new_changed_or_unchanged_per_row()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var op = await world.PersonAsync([Role.Operator], []);
        var tag = Tag();
        var (newPhone, freshPhone) = (Phone(), Phone());
        var workerJson = await PersonAsync(admin, worker.Id);
        var (workerBefore, opJson) = (Row(workerJson), await PersonAsync(admin, op.Id));
        var opBefore = Row(opJson);
        var rows = new[]
        {
            // The worker: a new name and phone, a second role, and both roles' posts in another cell; his own post stays.
            new object?[] { worker.Username.ToUpperInvariant(), "改名的网格员", newPhone, "grid_worker,巡查员", null, null, null, world.Cells[1], null },
            // The operator exactly as he is (as the export writes him): unchanged, not written.
            [op.Username, opBefore.DisplayName, null, "operator", null, null, null, null, null],
            [$"{tag}-new", "新人", freshPhone, "inspector", null, null, null, null, null],
        };
        var csv = System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv(rows));

        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import/preview", csv, "staff.csv"));
        Assert.True(preview.Valid, string.Join(" | ", preview.Rows.SelectMany(r => r.Problems)));
        Assert.Equal(["changed", "unchanged", "new"], preview.Rows.Select(r => r.Status));
        Assert.Equal([
            $"name: {workerBefore.DisplayName} → 改名的网格员",
            $"phone: — → {newPhone}",
            "roles: grid_worker → grid_worker,patroller",
            $"post: + grid_worker of cell {world.Cells[1]}",
            $"post: + patroller of cell {world.Cells[1]}",
        ], preview.Rows[0].Changes);
        Assert.Empty(preview.Rows[1].Changes!);
        Assert.Equal(workerJson, await PersonAsync(admin, worker.Id)); // a preview writes nothing

        var done = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import", csv, "staff.csv"), HttpStatusCode.Created);
        Assert.Equal(2, done.Written);
        var workerAfter = Row(await PersonAsync(admin, worker.Id));
        Assert.Equal(("改名的网格员", newPhone, workerBefore.Version + 1), (workerAfter.DisplayName, workerAfter.Phone, workerAfter.Version));
        Assert.Equal(["grid_worker", "patroller"], workerAfter.Roles);
        Assert.Equal([world.Cells[0], world.Cells[1]], workerAfter.Cells);
        Assert.True(workerAfter.Active);
        Assert.Equal(opJson, await PersonAsync(admin, op.Id));
        Assert.Equal(1, await CountAsync(server, """
            select count(*) from audit_log where subject = 'person:' || @Id and action = 'person_updated' and actor_id = @Admin
              and details -> 'before' ->> 'displayName' = @Before and details -> 'after' ->> 'displayName' = '改名的网格员'
            """, new { Id = worker.Id.ToString(), Admin = admin.Id, Before = workerBefore.DisplayName }));
        Assert.Equal(0, await CountAsync(server, "select count(*) from audit_log where subject = 'person:' || @Id and action like 'person_%'", new { Id = op.Id.ToString() }));
        Assert.Equal(1, await CountAsync(server, "select count(*) from people where username = @U and must_change_password", new { U = $"{tag}-new" }));

        // The same file again: nothing left to change.
        var again = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import/preview", csv, "staff.csv"));
        Assert.Equal(["unchanged", "unchanged", "unchanged"], again.Rows.Select(r => r.Status));
    }

    [Fact]
    public async Task An_import_never_reactivates_or_silently_changes_a_deactivated_person_nor_sets_an_existing_persons_password()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var gone = await world.PersonAsync([Role.Operator], []);
        var other = await world.PersonAsync([Role.Dispatcher], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        Assert.True((await admin.Client.PostAsync($"/api/people/{gone.Id}/deactivate", null)).IsSuccessStatusCode);
        var goneJson = await PersonAsync(admin, gone.Id);
        var workerJson = await PersonAsync(admin, worker.Id);
        var (goneBefore, otherBefore, workerBefore) = (Row(goneJson), Row(await PersonAsync(admin, other.Id)), Row(workerJson));

        var rows = new[]
        {
            new object?[] { gone.Username, "复活", null, "operator", null, null, null, null, null },
            [other.Username, otherBefore.DisplayName, null, "dispatcher", null, null, null, null, "A-new-password-2026"],
            [worker.Username, workerBefore.DisplayName, null, "patroller", null, null, null, null, null],
        };
        var csv = System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv(rows));
        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import/preview", csv, "staff.csv"));
        Assert.Contains(preview.Rows[0].Problems, p => p.Contains("is deactivated: an import neither changes nor reactivates him"));
        Assert.Contains(preview.Rows[1].Problems, p => p.Contains("sets the first password of new people only"));
        Assert.Contains(preview.Rows[2].Problems, p => p.Contains("still holds grid_worker posts"));

        var refused = await SendFileAsync(admin, "/api/admin/people/import", csv, "staff.csv");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Equal(goneJson, await PersonAsync(admin, gone.Id));
        Assert.Equal(workerJson, await PersonAsync(admin, worker.Id));
        // A deactivated person's row as he is imports as nothing: he stays deactivated.
        var asHeIs = new object?[] { gone.Username, goneBefore.DisplayName, null, "operator", null, null, null, null, null };
        var done = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import",
            System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv([asHeIs])), "staff.csv"), HttpStatusCode.Created);
        Assert.Equal(("unchanged", 0), (done.Rows[0].Status, done.Written));
        Assert.Equal(goneJson, await PersonAsync(admin, gone.Id));
    }

    [Fact]
    public async Task A_street_administrators_import_refuses_rows_of_people_outside_his_street_and_writes_nothing()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var district = await here.PersonAsync([Role.Admin], []);
        var mine = await here.PersonAsync(Role.GridWorker, here.Cells[0]);
        var theirs = await there.PersonAsync(Role.GridWorker, there.Cells[0]);
        var theirsJson = await PersonAsync(district, theirs.Id);
        var rows = new[]
        {
            new object?[] { mine.Username, "本街道改名", null, "grid_worker", null, null, null, null, null },
            [theirs.Username, "越界改名", null, "grid_worker", null, null, null, null, null],
        };
        var csv = System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv(rows));
        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import/preview", csv, "staff.csv"));
        Assert.Empty(preview.Rows[0].Problems);
        Assert.Equal("changed", preview.Rows[0].Status);
        Assert.Contains(preview.Rows[1].Problems, p => p.Contains($"is not staff of your street {here.Street}"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await SendFileAsync(streetAdmin, "/api/admin/people/import", csv, "staff.csv")).StatusCode);
        Assert.Equal(theirsJson, await PersonAsync(district, theirs.Id));
        Assert.NotEqual("本街道改名", Row(await PersonAsync(district, mine.Id)).DisplayName);
        // His own street's row alone is written; the person keeps no street of his own (he is of the street by his post).
        await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import",
            System.Text.Encoding.UTF8.GetBytes(StaffSheet.Csv([rows[0]])), "staff.csv"), HttpStatusCode.Created);
        var mineAfter = Row(await PersonAsync(district, mine.Id));
        Assert.Equal(("本街道改名", (string?)null), (mineAfter.DisplayName, mineAfter.StreetCode));
    }

    [Fact]
    public async Task A_file_that_is_no_staff_list_is_refused_with_what_to_do()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var garbage = await SendFileAsync(admin, "/api/admin/people/import/preview", [1, 2, 3, 4], "staff.xlsx");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Contains("save it again", await garbage.Content.ReadAsStringAsync());
        var noHeader = await SendFileAsync(admin, "/api/admin/people/import/preview", "a,b\n1,2\n"u8.ToArray(), "staff.csv");
        Assert.Equal(HttpStatusCode.BadRequest, noHeader.StatusCode);
        Assert.Contains("The header lacks username", await noHeader.Content.ReadAsStringAsync());
        var pdf = await SendFileAsync(admin, "/api/admin/people/import/preview", "x"u8.ToArray(), "staff.pdf");
        Assert.Equal(HttpStatusCode.BadRequest, pdf.StatusCode);
    }

    [Fact]
    public async Task A_street_administrator_manages_his_street_only_on_the_list_and_by_id()
    {
        var server = await TestServer.SharedAsync();
        var here = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var streetAdmin = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var mine = await here.PersonAsync(Role.GridWorker, here.Cells[0]);
        var theirs = await there.PersonAsync(Role.GridWorker, there.Cells[0]);
        var theirOperator = await there.PersonAsync([Role.Operator], [], street: there.Street);

        var list = await TestWorld.ReadAsync<PeoplePage>(await streetAdmin.Client.GetAsync($"/api/admin/people?size=200&q={mine.Username}"));
        Assert.Single(list.Rows, r => r.Id == mine.Id);
        foreach (var other in new[] { theirs, theirOperator })
        {
            var search = await TestWorld.ReadAsync<PeoplePage>(await streetAdmin.Client.GetAsync($"/api/admin/people?q={other.Username}"));
            Assert.Empty(search.Rows);
            Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.GetAsync($"/api/admin/people/{other.Id}")).StatusCode);
            var edit = await streetAdmin.Client.PutAsJsonAsync($"/api/admin/people/{other.Id}",
                new { displayName = "Taken over", roles = new[] { "grid_worker" }, version = 1 });
            Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
            Assert.Contains("not staff of your street", await edit.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.PostAsJsonAsync($"/api/people/{other.Id}/reset-password", new { password = "Another@2026-pw" })).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await streetAdmin.Client.PostAsync($"/api/people/{other.Id}/deactivate", null)).StatusCode);
        }
        Assert.Equal(0, await CountAsync(server, "select count(*) from people where id in (@A, @B) and (display_name = 'Taken over' or deactivated_at is not null)",
            new { A = theirs.Id, B = theirOperator.Id }));
        // He cannot create people for another street either, nor give the admin role.
        var create = await streetAdmin.Client.PostAsJsonAsync("/api/admin/people",
            new { username = $"x{Tag()}", displayName = "X", roles = new[] { "operator", "admin" }, streetCode = there.Street });
        Assert.Equal(HttpStatusCode.BadRequest, create.StatusCode);
        var problem = await create.Content.ReadAsStringAsync();
        Assert.Contains($"You manage street {here.Street} only", problem);
        Assert.Contains("Only a district administrator gives the admin role", problem);

        // His own street's people he edits.
        var me = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.GetAsync($"/api/admin/people/{mine.Id}"));
        var saved = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.PutAsJsonAsync($"/api/admin/people/{mine.Id}",
            new { displayName = "新名字", phone = me.Phone, roles = me.Roles, streetCode = me.StreetCode, unitId = me.UnitId, onDuty = true, version = me.Version }));
        Assert.Equal("新名字", saved.DisplayName);

        // He saves his own account and another administrator of his street, who keep the admin role they have; he
        // still gives it to nobody, not even to a person of his street he edits.
        var self = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.GetAsync($"/api/admin/people/{streetAdmin.Id}"));
        Assert.Contains("admin", self.Roles);
        var newPhone = $"137{Random.Shared.Next(10_000_000, 100_000_000)}";
        var selfSaved = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.PutAsJsonAsync($"/api/admin/people/{streetAdmin.Id}",
            new { displayName = self.DisplayName, phone = newPhone, roles = self.Roles, streetCode = self.StreetCode, onDuty = true, version = self.Version }));
        Assert.Equal(newPhone, selfSaved.Phone);
        var colleague = await here.PersonAsync([Role.Admin], [], street: here.Street);
        var before = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.GetAsync($"/api/admin/people/{colleague.Id}"));
        var colleagueSaved = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.PutAsJsonAsync($"/api/admin/people/{colleague.Id}",
            new { displayName = "街道管理员乙", phone = before.Phone, roles = before.Roles, streetCode = before.StreetCode, onDuty = true, version = before.Version }));
        Assert.Equal("街道管理员乙", colleagueSaved.DisplayName);
        var promote = await streetAdmin.Client.PutAsJsonAsync($"/api/admin/people/{mine.Id}",
            new { displayName = "新名字", phone = me.Phone, roles = me.Roles.Append("admin").ToArray(), streetCode = me.StreetCode, unitId = me.UnitId, onDuty = true, version = saved.Version });
        Assert.Equal(HttpStatusCode.BadRequest, promote.StatusCode);
        Assert.Contains("Only a district administrator gives the admin role", await promote.Content.ReadAsStringAsync());
        Assert.Equal(0, await CountAsync(server, "select count(*) from person_roles where person_id = @Id and role = 'admin'", new { Id = mine.Id }));
    }

    [Fact]
    public async Task Every_change_is_audited_with_the_person_before_and_after_and_a_stale_edit_loses_with_409()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var tag = Tag();
        var created = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PostAsJsonAsync("/api/admin/people",
            new { username = $"op-{tag}", displayName = "周八", phone = Phone(), roles = new[] { "operator" }, streetCode = world.Street, password = "First@2026-pw" }),
            HttpStatusCode.Created);
        Assert.True(created.MustChangePassword);

        var edit = new { displayName = "周八八", phone = created.Phone, roles = new[] { "operator", "dispatcher" }, streetCode = world.Street, onDuty = true, version = created.Version };
        var saved = await TestWorld.ReadAsync<PersonRow>(await admin.Client.PutAsJsonAsync($"/api/admin/people/{created.Id}", edit));
        Assert.Equal(created.Version + 1, saved.Version);
        // A second edit from the same version lost the race: 409, the person as saved, nothing changed.
        var stale = await admin.Client.PutAsJsonAsync($"/api/admin/people/{created.Id}", edit with { displayName = "Other" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var body = JsonDocument.Parse(await stale.Content.ReadAsStringAsync()).RootElement;
        Assert.Contains("Someone saved 周八八", body.GetProperty("detail").GetString());
        Assert.Equal("周八八", body.GetProperty("current").GetProperty("displayName").GetString());
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsync($"/api/people/{created.Id}/deactivate", null)).StatusCode);

        await using var conn = await server.Db.OpenConnectionAsync();
        var audit = (await conn.QueryAsync<(string Action, string Details)>(
            "select action, details::text from audit_log where subject = @S and actor_id = @A order by id", new { S = $"person:{created.Id}", A = admin.Id })).ToList();
        Assert.Equal(["person_created", "person_updated", "person_deactivated"], audit.Select(a => a.Action));
        var updated = JsonDocument.Parse(audit[1].Details).RootElement;
        Assert.Equal("周八", updated.GetProperty("before").GetProperty("displayName").GetString());
        Assert.Equal("周八八", updated.GetProperty("after").GetProperty("displayName").GetString());
        Assert.Equal(["operator"], updated.GetProperty("before").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(["operator", "dispatcher"], updated.GetProperty("after").GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        var deactivated = JsonDocument.Parse(audit[2].Details).RootElement;
        Assert.True(deactivated.GetProperty("before").GetProperty("active").GetBoolean());
        Assert.False(deactivated.GetProperty("after").GetProperty("active").GetBoolean());
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("select count(*) from people where id = @Id and display_name = '周八八'", new { created.Id }));
    }

    [Fact]
    public async Task A_form_with_bad_fields_is_refused_with_what_to_fix_and_non_administrators_are_refused()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var op = await world.PersonAsync([Role.Operator], []);
        var bad = await admin.Client.PostAsJsonAsync("/api/admin/people",
            new { username = "Bad Name!", displayName = "", phone = "abc", roles = new[] { "unit_staff", "wizard" }, password = "short" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        foreach (var field in new[] { "username", "displayName", "phone", "roles", "unitId", "password" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        Assert.Equal(HttpStatusCode.Forbidden, (await op.Client.GetAsync("/api/admin/people")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await op.Client.PostAsJsonAsync("/api/admin/people", new { username = "x" + Tag(), displayName = "X", roles = new[] { "operator" } })).StatusCode);
    }

    [Fact]
    public async Task After_a_reset_the_person_must_choose_his_own_password_before_anything_else()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var worker = await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Client.PostAsJsonAsync($"/api/people/{worker.Id}/reset-password", new { password = "Given@2026-pw" })).StatusCode);

        var client = server.Anonymous();
        var me = await TestWorld.ReadAsync<JsonElement>(await client.PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = "Given@2026-pw" }));
        Assert.True(me.GetProperty("mustChangePassword").GetBoolean());
        var blocked = await client.GetAsync("/api/cases");
        Assert.Equal(HttpStatusCode.Forbidden, blocked.StatusCode);
        Assert.Contains("choose your own first", await blocked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = "wrong-one-x", newPassword = "Mine@2026-pw!" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/api/auth/change-password", new { currentPassword = "Given@2026-pw", newPassword = "Mine@2026-pw!" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/cases")).StatusCode);
        var again = server.Anonymous();
        var after = await TestWorld.ReadAsync<JsonElement>(await again.PostAsJsonAsync("/api/auth/login", new { username = worker.Username, password = "Mine@2026-pw!" }));
        Assert.False(after.GetProperty("mustChangePassword").GetBoolean());
    }
}
