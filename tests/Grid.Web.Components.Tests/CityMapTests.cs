using System.Text.Json;
using Grid.Web.Pages.Command;

namespace Grid.Web.Components.Tests;

/// <summary>The map component drives its JavaScript module: these tests check the calls it makes (bunit records them).</summary>
public sealed class CityMapTests : DeskContext
{
    private static CityMap.Marker M(long id, string state, double lat = 31.58, double lon = 120.30) =>
        new(id, "C-" + id, state, lat, lon, false, false, $"C-{id} · {state}");

    // The values go as JSON text (a circuit's own serializer would describe every type it is given again, per circuit).
    private static JsonElement Values(JSRuntimeInvocation call, int index = 1) =>
        JsonDocument.Parse(Assert.IsType<string>(call.Arguments[index])).RootElement;

    private static long[] Ids(JSRuntimeInvocation call) =>
        Values(call).EnumerateArray()
            .Select(e => e.ValueKind == JsonValueKind.Number ? e.GetInt64() : e.GetProperty("id").GetInt64()).ToArray();

    /// <summary>The cells' GeoJSON (hundreds of KB) does not pass through the circuit: the module reads it from the API.</summary>
    [Theory]
    [InlineData(null, "/api/cells")]
    [InlineData("320205001", "/api/cells?street=320205001")]
    [InlineData("a b&c", "/api/cells?street=a%20b%26c")]
    public async Task The_map_reads_its_cells_from_the_API_itself(string? street, string url)
    {
        var module = JSInterop.SetupModule(CityMap.ModulePath);
        module.SetupVoid("create", _ => true).SetVoidResult();
        module.Setup<bool>("loadCells", _ => true).SetResult(true);
        var cut = Render<CityMap>();
        await cut.Instance.Ready.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(await cut.InvokeAsync(() => cut.Instance.LoadCellsAsync(street)));
        var call = module.VerifyInvoke("loadCells");
        Assert.Equal(url, Assert.IsType<string>(call.Arguments[1]));
        Assert.Equal(2, call.Arguments.Count);
    }

    [Fact]
    public async Task The_map_sends_its_module_the_markers_added_moved_and_removed()
    {
        var module = JSInterop.SetupModule(CityMap.ModulePath);
        module.SetupVoid("create", _ => true).SetVoidResult();
        var cut = Render<CityMap>();
        await cut.Instance.Ready.WaitAsync(TimeSpan.FromSeconds(5));
        var create = module.VerifyInvoke("create");
        // The module gets the element, a .NET reference for clicks and hovers, and texts (never markup).
        Assert.IsType<Microsoft.JSInterop.DotNetObjectReference<CityMap>>(create.Arguments[1]);
        Assert.Equal(JsonValueKind.String, Values(create, 2).GetProperty("texts").GetProperty("staff").ValueKind);

        await cut.InvokeAsync(() => cut.Instance.ShowAsync([M(1, "reported"), M(2, "registered")]));
        Assert.Equal([1L, 2L], Ids(module.VerifyInvoke("addCases")));

        // Case 2 moves and changes state, case 3 arrives, case 1 is no longer shown.
        await cut.InvokeAsync(() => cut.Instance.ShowAsync([M(2, "dispatched", 31.59, 120.31), M(3, "reported")]));
        Assert.Equal([1L], Ids(module.VerifyInvoke("removeCases")));
        var adds = module.Invocations["addCases"];
        Assert.Equal([3L], Ids(adds[^1]));
        var moved = Values(module.VerifyInvoke("updateCases"))[0];
        Assert.Equal((2L, "dispatched", 31.59, 120.31), (moved.GetProperty("id").GetInt64(), moved.GetProperty("state").GetString(),
            moved.GetProperty("lat").GetDouble(), moved.GetProperty("lon").GetDouble()));

        // An unchanged marker is not sent again; a live change is sent alone.
        await cut.InvokeAsync(() => cut.Instance.PutAsync([M(3, "reported")]));
        Assert.Single(module.Invocations["updateCases"]);
        await cut.InvokeAsync(() => cut.Instance.PutAsync([M(3, "registered")]));
        Assert.Equal([3L], Ids(module.Invocations["updateCases"][^1]));
        Assert.Equal(2, cut.Instance.MarkerCount);
    }

    [Fact]
    public async Task Clicks_and_hovers_on_the_map_come_back_to_the_page()
    {
        var module = JSInterop.SetupModule(CityMap.ModulePath);
        module.SetupVoid("create", _ => true).SetVoidResult();
        long? clicked = null, hovered = null;
        string? cell = null;
        var cut = Render<CityMap>(p => p.Add(m => m.OnCaseClick, id => clicked = id).Add(m => m.OnCaseHover, id => hovered = id)
            .Add(m => m.OnCellClick, code => cell = code));
        await cut.Instance.Ready.WaitAsync(TimeSpan.FromSeconds(5));
        var self = (Microsoft.JSInterop.DotNetObjectReference<CityMap>)module.VerifyInvoke("create").Arguments[1]!;
        await cut.InvokeAsync(() => self.Value.CaseClicked(42));
        await cut.InvokeAsync(() => self.Value.CaseHovered(43));
        await cut.InvokeAsync(() => self.Value.CellClicked("320213001001012"));
        Assert.Equal((42L, 43L, "320213001001012"), (clicked, hovered, cell));
    }

    [Fact]
    public async Task Disposing_the_map_disposes_it_in_the_browser_too()
    {
        var module = JSInterop.SetupModule(CityMap.ModulePath);
        module.SetupVoid("create", _ => true).SetVoidResult();
        var cut = Render<CityMap>();
        await cut.Instance.Ready.WaitAsync(TimeSpan.FromSeconds(5));
        await cut.Instance.DisposeAsync();
        module.VerifyInvoke("dispose");
    }
}
