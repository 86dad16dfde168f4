using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

/// <summary>The people page's import preview: per row new / changed (what) / unchanged, and nothing written while a row has a problem.</summary>
public sealed class PeopleImportTests : DeskContext
{
    private readonly FakePeople _people = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IPeopleAdminSource>(_people);

    private static ImportRowView Row(int line, string username, string status, IReadOnlyList<string>? changes = null, params string[] problems) =>
        new(line, username, username, null, "grid_worker", null, null, null, problems, status, changes ?? []);

    private IRenderedComponent<People> Upload(ImportPreview preview)
    {
        SignIn("admin", "admin");
        _people.Preview = preview;
        var page = Render<People>();
        page.WaitForAssertion(() => Assert.Equal("true", page.Find("section.people").GetAttribute("data-ready")));
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("username,display_name,roles\n", "staff.csv"));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll(".preview-table tbody tr")));
        return page;
    }

    [Fact]
    public async Task The_preview_says_per_row_whether_it_is_new_changed_with_what_or_unchanged_and_the_counts()
    {
        var page = Upload(new ImportPreview([
            Row(2, "a", ImportRowView.New),
            Row(3, "b", ImportRowView.Changed, ["name: 张三 → 张四", "roles: grid_worker → grid_worker,patroller"]),
            Row(4, "c", ImportRowView.Unchanged),
        ], null, 0));
        var cells = page.FindAll(".preview-table td.status");
        Assert.Equal(["new", "changed", "unchanged"], cells.Select(c => c.GetAttribute("data-status")));
        Assert.Equal(["新增", "修改", "无变化"], cells.Select(c => c.QuerySelector(".status-word")!.TextContent.Trim()));
        Assert.Equal(["name: 张三 → 张四", "roles: grid_worker → grid_worker,patroller"], cells[1].QuerySelectorAll(".changes li").Select(li => li.TextContent));
        Assert.Contains("新增 1 人，修改 1 人，无变化 1 人", page.Find("[data-import-counts]").TextContent);

        _people.Imported = new ImportPreview(_people.Preview!.Rows, null, 2);
        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == "写入 3 人").Click());
        page.WaitForAssertion(() => Assert.Contains("已导入 2 人", page.Markup));
        Assert.Equal(1, _people.Imports);
    }

    [Fact]
    public void A_preview_with_a_problem_row_cannot_be_written()
    {
        var page = Upload(new ImportPreview([
            Row(2, "a", ImportRowView.Changed, ["name: x → y"]),
            Row(3, "b", ImportRowView.Changed, ["name: p → q"], "b is not staff of your street 320213001; a district administrator manages him."),
        ], null, 0));
        Assert.Contains("not staff of your street", page.Find("tr.bad .problems").TextContent);
        Assert.True(page.FindAll("button").Single(b => b.TextContent.Trim() == "写入 2 人").HasAttribute("disabled"));
        Assert.Equal(0, _people.Imports);
    }

    private sealed class FakePeople : IPeopleAdminSource
    {
        public ImportPreview? Preview { get; set; }
        public ImportPreview? Imported { get; set; }
        public int Imports { get; private set; }

        public Task<PeoplePage> ListAsync(PeopleQuery query) => Task.FromResult(new PeoplePage([], 0));
        public Task<PeopleChoices> ChoicesAsync() => Task.FromResult(new PeopleChoices([], [], true));
        public Task<AdminOutcome> CreateAsync(PersonForm form) => throw new NotSupportedException();
        public Task<AdminOutcome> UpdateAsync(Guid id, PersonForm form) => throw new NotSupportedException();
        public Task<AdminOutcome> DeactivateAsync(Guid id) => throw new NotSupportedException();
        public Task<AdminOutcome> ReactivateAsync(Guid id) => throw new NotSupportedException();
        public Task<AdminOutcome> ResetPasswordAsync(Guid id, string? password) => throw new NotSupportedException();
        public Task<ImportPreview> PreviewImportAsync(Stream file, string fileName) => Task.FromResult(Preview!);

        public Task<ImportPreview> ImportAsync(Stream file, string fileName)
        {
            Imports++;
            return Task.FromResult(Imported!);
        }
    }
}
