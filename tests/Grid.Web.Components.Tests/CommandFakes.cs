using Grid.Web.Pages.Command;

namespace Grid.Web.Components.Tests;

/// <summary>The command center's source as recorded calls and canned answers.</summary>
public sealed class FakeCommand : ICommandSource
{
    public List<CaseQuery> Lists { get; } = [];
    public List<(long Id, StepInput Step)> Steps { get; } = [];
    public List<CaseItem> Items { get; } = [];
    public CaseDetail? Detail { get; set; }
    public string? Refusal { get; set; }

    public Task<string?> HomeStreetAsync() => Task.FromResult<string?>(null);

    public Task<CaseSlice> ListAsync(CaseQuery query)
    {
        Lists.Add(query);
        return Task.FromResult(new CaseSlice(Items.Skip(query.Offset).Take(query.Count).ToList(), Items.Count));
    }

    public Task<IReadOnlyDictionary<string, long>> CountsAsync(CaseQuery query) =>
        Task.FromResult<IReadOnlyDictionary<string, long>>(new Dictionary<string, long> { ["reported"] = 3 });

    public Task<(CaseDetail? Case, string? Error)> FindAsync(long id) => Task.FromResult((Detail, Detail is null ? "not found" : null));

    public Task<StepOutcome> StepAsync(long id, StepInput step)
    {
        Steps.Add((id, step));
        return Task.FromResult(Refusal is null ? new StepOutcome(Detail, null) : new StepOutcome(null, Refusal));
    }

    public Task<(DispatchPlan? Plan, string? Error)> DispatchPlanAsync(long id) => Task.FromResult<(DispatchPlan?, string?)>((
        new DispatchPlan("sanitation", Guid.Parse("00000000-0000-0000-0000-0000000000a1"), "王网格", DateTimeOffset.UtcNow.AddDays(1),
            [new Choice("roads", "道路"), new Choice("sanitation", "环卫")],
            [new Choice("00000000-0000-0000-0000-0000000000a1", "王网格 (grid_worker)")]), null));

    public Task<string?> PublishPhotoAsync(long id, string photo, string kind) => Task.FromResult<string?>(null);

    public Task<CityLayout> LayoutAsync(string? street) =>
        Task.FromResult(new CityLayout([], []));

    public Task<IReadOnlyList<CellLoad>> CellLoadsAsync(string? street) => Task.FromResult<IReadOnlyList<CellLoad>>([]);
    public Task<IReadOnlyList<Choice>> CategoriesAsync() => Task.FromResult<IReadOnlyList<Choice>>([]);
    public Task<IReadOnlyList<StaffSpot>> StaffAsync() => Task.FromResult<IReadOnlyList<StaffSpot>>([]);
}
