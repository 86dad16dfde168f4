using Bunit;
using Grid.Web.Pages.Admin;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

/// <summary>The cells page (/admin/cells): what depends on the administrator's scope, the import preview, the rename form.</summary>
public sealed class CellsPageTests : DeskContext
{
    private readonly FakeCellsSource _source = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<ICellsAdminSource>(_source);

    private static readonly CellImportPreview WithProblems = new(2,
        [new CellImportProblem(1, "320213001001901", "geometry", "Feature 1 (320213001001901): the polygon is not valid: Self-intersection[120.3 31.5]."),
         new CellImportProblem(0, "320213001001012", "code", "Cell 320213001001012 (东河社区第12网格) is not in the file, so the import would retire it, but it has 2 open case(s).")],
        ["320213001001902"], [], ["320213001001012"], 0, ["320213001001"], "fp-1", """{"type":"FeatureCollection","features":[]}""");

    private static readonly CellImportPreview Fine = new(1, [], ["320213001001902"],
        [new CellImportChange("320213001001011", "新名字", "旧名字", true, false)], [], 3, ["320213001001"], "fp-2", """{"type":"FeatureCollection","features":[{"x":1}]}""");

    private IRenderedComponent<Cells> RenderPage(string? scope = null)
    {
        SignIn("admin", "admin");
        _source.Scope = scope;
        JSInterop.SetupModule(CellsMap.ModulePath);
        return Render<Cells>();
    }

    private static void Upload(IRenderedComponent<Cells> page) =>
        page.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText("""{"type":"FeatureCollection","features":[]}""", "cells.geojson"));

    [Fact]
    public void A_street_administrator_is_told_that_the_file_may_hold_his_streets_cells_only()
    {
        var street = RenderPage("320213001");
        street.WaitForAssertion(() => Assert.Contains("只管理街道 320213001", street.Find("[data-scope]").TextContent));
    }

    [Fact]
    public void A_district_administrator_gets_no_street_notice()
    {
        var district = RenderPage(null);
        district.WaitForAssertion(() => Assert.NotEmpty(district.FindAll("#cell-rows tr")));
        Assert.Empty(district.FindAll("[data-scope]"));
    }

    [Fact]
    public void A_preview_with_problems_lists_each_by_feature_and_cannot_be_applied_a_clean_one_can_and_is_applied_on_its_fingerprint()
    {
        var page = RenderPage();
        _source.Previews.Enqueue(WithProblems);
        Upload(page);
        page.WaitForAssertion(() => Assert.Contains("发现 2 个问题", page.Find("[data-import-summary]").TextContent));
        var rows = page.FindAll(".problems-table tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("Self-intersection", rows[0].TextContent);
        Assert.StartsWith("1", rows[0].QuerySelector("td")!.TextContent.Trim());
        Assert.Contains("2 open case(s)", rows[1].TextContent);
        Assert.Contains("1", page.Find("[data-diff-count=removed]").TextContent);
        Assert.True(page.FindAll("button").Single(b => b.TextContent.Trim() == "应用导入").HasAttribute("disabled"));

        _source.Previews.Enqueue(Fine);
        Upload(page);
        page.WaitForAssertion(() => Assert.Contains("1 个要素全部无误", page.Find("[data-import-summary]").TextContent));
        Assert.Contains("旧名字 → 新名字", page.Find("[data-diff-list=changed]").TextContent);
        var apply = page.FindAll("button").Single(b => b.TextContent.Trim() == "应用导入");
        Assert.False(apply.HasAttribute("disabled"));
        apply.Click();
        page.WaitForAssertion(() => Assert.Equal(["fp-2"], _source.Applied));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-import-state]")));
    }

    [Fact]
    public void A_second_import_while_one_runs_shows_the_servers_refusal_and_the_running_imports_progress()
    {
        var page = RenderPage();
        _source.Previews.Enqueue(Fine);
        _source.ApplyAnswer = AdminResult<CellImportStatus>.Conflict("Another cell import, started by 王五, is running (writing, 2000 of 5000).",
            new CellImportStatus(Guid.NewGuid(), "running", "writing", 2000, 5000, null, 0, 0, 0, DateTimeOffset.UtcNow, null));
        Upload(page);
        page.WaitForAssertion(() => Assert.Contains("全部无误", page.Markup));
        page.FindAll("button").Single(b => b.TextContent.Trim() == "应用导入").Click();
        page.WaitForAssertion(() => Assert.Contains("started by 王五", page.Find("[role=alert]").TextContent));
        Assert.Contains("2000 / 5000", page.Find("[data-import-state=running]").TextContent);
    }

    [Fact]
    public void An_empty_name_is_refused_in_the_form_and_nothing_is_sent_a_stale_rename_shows_the_name_the_cell_has_now()
    {
        var page = RenderPage();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#cell-rows tr")));
        page.FindAll("button").Single(b => b.GetAttribute("aria-label") == "改名 320213001001011").Click();
        page.Find("#cell-name").Input("  ");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Contains("请填写名称", page.Find(".field-errors").TextContent));
        Assert.Empty(_source.Renames);

        _source.RenameAnswer = AdminResult<CellListItem>.Conflict("Cell 320213001001011 was renamed meanwhile to '别人改的'.", new CellListItem("320213001001011", "别人改的", ""));
        page.Find("#cell-name").Input("东河社区第11网格");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Contains("renamed meanwhile", page.Find(".field-errors").TextContent));
        Assert.Equal([("320213001001011", "东河社区第11网格", "旧名字")], _source.Renames);
        // The next save is made on the name the cell has now.
        _source.RenameAnswer = AdminResult<CellListItem>.Success(new CellListItem("320213001001011", "东河社区第11网格", ""));
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Equal("别人改的", _source.Renames[^1].Expected));
    }
}

public sealed class FakeCellsSource : ICellsAdminSource
{
    public string? Scope { get; set; }
    public Queue<CellImportPreview> Previews { get; } = new();
    public List<string> Applied { get; } = [];
    public List<(string Code, string Name, string Expected)> Renames { get; } = [];
    public AdminResult<CellImportStatus>? ApplyAnswer { get; set; }
    public AdminResult<CellListItem>? RenameAnswer { get; set; }

    public Task<string?> ScopeAsync() => Task.FromResult(Scope);
    public Task<string> MapAsync() => Task.FromResult("""{"type":"FeatureCollection","features":[]}""");
    public Task<IReadOnlyList<CellListItem>> FindAsync(string? text) =>
        Task.FromResult<IReadOnlyList<CellListItem>>([new CellListItem("320213001001011", "旧名字", "东河社区")]);
    public Task<CellImportPreview> PreviewAsync(byte[] file) => Task.FromResult(Previews.Dequeue());

    public Task<AdminResult<CellImportStatus>> ApplyAsync(byte[] file, string fingerprint)
    {
        Applied.Add(fingerprint);
        return Task.FromResult(ApplyAnswer ?? AdminResult<CellImportStatus>.Success(
            new CellImportStatus(Guid.NewGuid(), "queued", "queued", 0, 1, null, 0, 0, 0, DateTimeOffset.UtcNow, null), 202));
    }

    public Task<CellImportStatus?> StatusAsync(Guid id) => Task.FromResult<CellImportStatus?>(null);
    public Task<CellImportStatus?> RunningAsync() => Task.FromResult<CellImportStatus?>(null);

    public Task<AdminResult<CellListItem>> RenameAsync(string code, string name, string expectedName)
    {
        Renames.Add((code, name, expectedName));
        return Task.FromResult(RenameAnswer ?? AdminResult<CellListItem>.Success(new CellListItem(code, name, "")));
    }
}
