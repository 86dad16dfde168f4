using System.Net;
using System.Net.Http.Json;
using System.Text;
using Grid.Domain.People;
using Grid.Server.Staff;
using Grid.Server.Tests.Infrastructure;
using Grid.Web.Pages.Admin;
using MiniExcelLibs;
using static Grid.Server.Tests.Staff.PeopleAdminTests;

namespace Grid.Server.Tests.Staff;

/// <summary>Issue 11, the staff list's community column (社区): an area-wide role's community goes out with the export and
/// comes back with the import; a code that names no community of the row's street is refused, and nothing is written.</summary>
public sealed class StaffListCommunityTests
{
    [Fact]
    public async Task An_unknown_or_misplaced_community_code_is_refused_with_the_streets_communities_and_the_import_writes_nothing()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        var there = await TestWorld.CreateAsync(server);
        var admin = await world.PersonAsync([Role.Admin], []);
        var tag = Guid.NewGuid().ToString("N")[..8];
        object?[] good = [$"{tag}-a", "社区调度员", Phone(), "dispatcher", world.Street, world.Community, null, null, null];
        object?[][] rows =
        [
            good,
            [$"{tag}-b", "未知社区", Phone(), "supervisor", world.Street, "999999999999", null, null, null],
            [$"{tag}-c", "别的街道", Phone(), "operator", world.Street, there.Community, null, null, null],
            [$"{tag}-d", "网格员带社区", Phone(), "grid_worker", null, world.Community, null, null, null],
        ];
        var xlsx = StaffSheet.Xlsx(rows);

        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import/preview", xlsx, "staff.xlsx"));
        Assert.Empty(preview.Rows[0].Problems);
        Assert.Equal(world.Community, preview.Rows[0].CommunityCode);
        // What to write instead: the codes of the street's communities, with their names.
        Assert.Contains(preview.Rows[1].Problems, p => p.StartsWith("Unknown community code '999999999999'")
            && p.Contains($"street {world.Street}'s communities are {world.Community} ("));
        Assert.Contains(preview.Rows[2].Problems, p => p.Contains($"Community {there.Community}") && p.Contains($"is in street {there.Street}, not in street {world.Street}"));
        Assert.Contains(preview.Rows[3].Problems, p => p.StartsWith("A community narrows an area-wide role"));

        var refused = await SendFileAsync(admin, "/api/admin/people/import", xlsx, "staff.xlsx");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("Unknown community code", await refused.Content.ReadAsStringAsync());
        Assert.Equal(0, await CountAsync(server, "select count(*) from people where username like @Tag", new { Tag = tag + "%" }));

        // The good row alone is written with its community (and the street it came with), audited.
        var done = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(admin, "/api/admin/people/import", StaffSheet.Xlsx([good]), "staff.xlsx"),
            HttpStatusCode.Created);
        Assert.Equal(1, done.Written);
        Assert.Equal(1, await CountAsync(server, """
            select count(*) from people p join audit_log a on a.subject = 'person:' || p.id and a.action = 'person_created'
            where p.username = @U and p.community_code = @Community and p.street_code = @Street and a.details -> 'after' ->> 'communityCode' = @Community
            """, new { U = $"{tag}-a", world.Community, world.Street }));
    }

    [Fact]
    public async Task The_community_goes_out_with_the_export_comes_back_unchanged_and_an_edited_one_is_written()
    {
        var server = await TestServer.SharedAsync();
        var world = await TestWorld.CreateAsync(server);
        // A street administrator's export holds his street's people only (himself included), so the whole file can come back.
        var streetAdmin = await world.PersonAsync([Role.Admin], [], street: world.Street);
        await world.PersonAsync(Role.GridWorker, world.Cells[0]);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var supervisor = await TestWorld.ReadAsync<PersonRow>(await streetAdmin.Client.PostAsJsonAsync("/api/admin/people",
            new { username = $"{tag}-sup", displayName = "社区领导", roles = new[] { "supervisor" }, communityCode = world.Community }), HttpStatusCode.Created);
        Assert.Equal(world.Community, supervisor.CommunityCode);

        var export = await streetAdmin.Client.GetAsync("/api/admin/people.xlsx");
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        var xlsx = await export.Content.ReadAsByteArrayAsync();
        var sheet = MiniExcel.Query(new MemoryStream(xlsx), useHeaderRow: true, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(StaffSheet.Header, sheet[0].Keys);
        Assert.Equal(world.Community, sheet.Single(r => (string?)r["username"] == supervisor.Username)["community_code"]?.ToString());

        // The exported file as it is: every row unchanged, the supervisor's community read back.
        var again = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import/preview", xlsx, "staff.xlsx"));
        Assert.True(again.Valid, string.Join(" | ", again.Rows.SelectMany(r => r.Problems)));
        Assert.All(again.Rows, r => Assert.Equal(ImportRowView.Unchanged, r.Status));
        Assert.Equal(world.Community, again.Rows.Single(r => r.Username == supervisor.Username).CommunityCode);

        // Its community emptied in the CSV: he answers for the whole street again, audited before and after.
        var csv = Encoding.UTF8.GetBytes(StaffSheet.Csv([[supervisor.Username, "社区领导", null, "supervisor", world.Street, "", null, null, null]]));
        var preview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import/preview", csv, "staff.csv"));
        Assert.Equal([$"community: {world.Community} → —"], preview.Rows[0].Changes);
        await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import", csv, "staff.csv"), HttpStatusCode.Created);
        Assert.Equal(1, await CountAsync(server, """
            select count(*) from people p join audit_log a on a.subject = 'person:' || p.id and a.action = 'person_updated'
            where p.id = @Id and p.community_code is null and p.street_code = @Street
              and a.details -> 'before' ->> 'communityCode' = @Community and a.details -> 'after' -> 'communityCode' = 'null'::jsonb
            """, new { supervisor.Id, world.Community, world.Street }));

        // A file without the community column (written before it existed) leaves a person's community as it is.
        await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import",
            Encoding.UTF8.GetBytes(StaffSheet.Csv([[supervisor.Username, "社区领导", null, "supervisor", world.Street, world.Community, null, null, null]])), "staff.csv"),
            HttpStatusCode.Created);
        var old = Encoding.UTF8.GetBytes($"username,display_name,roles,street_code\n{supervisor.Username},社区领导,supervisor,{world.Street}\n");
        var oldPreview = await TestWorld.ReadAsync<ImportPreview>(await SendFileAsync(streetAdmin, "/api/admin/people/import/preview", old, "staff.csv"));
        Assert.Equal((ImportRowView.Unchanged, world.Community), (oldPreview.Rows[0].Status, oldPreview.Rows[0].CommunityCode));
    }
}
