using Grid.Web.Pages.Admin;
using Microsoft.Extensions.DependencyInjection;

namespace Grid.Web.Components.Tests;

/// <summary>The devices page's forms: what they refuse before asking the server, the server's refusals and conflicts, and what a street administrator is offered.</summary>
public sealed class DeviceFormTests : DeskContext
{
    private readonly FakeDevices _devices = new();

    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IDeviceAdmin>(_devices);
        services.AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
    }

    private static readonly DeviceItem Lamp = new("LAMP-7", "street_light", "street_lighting", "Lamp", 31.57, 120.30, "320213001001001", "南长街", 1);

    private IRenderedComponent<Devices> Open(string? street = null)
    {
        SignInOfStreet("admin", street, "admin");
        var page = Render<Devices>();
        page.WaitForAssertion(() => Assert.Single(page.FindAll("#device-rows tr")));
        return page;
    }

    private static Task ClickAsync(IRenderedComponent<Devices> page, string text) =>
        page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == text).Click());

    [Fact]
    public async Task A_device_without_id_kind_or_position_is_refused_in_the_form_and_nothing_is_sent()
    {
        var page = Open();
        await ClickAsync(page, "保存设备");
        page.WaitForAssertion(() =>
        {
            Assert.Contains("请填写设备编号", page.Markup);
            Assert.Contains("请选择设备类型", page.Markup);
            Assert.Contains("请在地图上点击，或填写数字坐标", page.Markup);
        });
        Assert.Empty(_devices.Saves);
    }

    [Fact]
    public async Task The_servers_field_error_is_shown_at_its_field()
    {
        var page = Open();
        await page.InvokeAsync(() => page.Find("[aria-label='移动 LAMP-7']").Click());
        _devices.Answers.Enqueue(AdminResult<DeviceItem>.Invalid(new Dictionary<string, string[]> { ["lat"] = ["'lat' is outside the city (30.9 to 32.0)."] }));
        await ClickAsync(page, "保存设备");
        page.WaitForAssertion(() => Assert.Contains("is outside the city", page.Markup));
        Assert.Single(_devices.Saves);
    }

    [Fact]
    public async Task A_conflict_shows_what_the_other_administrator_saved_keeps_the_typing_and_the_next_save_is_made_on_their_version()
    {
        var page = Open();
        await page.InvokeAsync(() => page.Find("[aria-label='移动 LAMP-7']").Click());
        page.FindAll(".device-form input").First(i => i.GetAttribute("value") == "Lamp").Change("Lamp 7");
        var theirs = Lamp with { Name = "Lamp by the bridge", Address = "清名桥", Version = 2 };
        _devices.Answers.Enqueue(AdminResult<DeviceItem>.Conflict("changed meanwhile", theirs));
        await ClickAsync(page, "保存设备");
        page.WaitForAssertion(() =>
        {
            var alert = page.Find(".device-conflict").TextContent;
            Assert.Contains("他人已修改设备 LAMP-7（现为版本 2）", alert);
            Assert.Contains("名称: Lamp → Lamp by the bridge", alert);
            Assert.Contains("地址: 南长街 → 清名桥", alert);
        });
        Assert.Contains(page.FindAll(".device-form input"), i => i.GetAttribute("value") == "Lamp 7");
        _devices.Answers.Enqueue(AdminResult<DeviceItem>.Success(theirs with { Name = "Lamp 7", Version = 3 }));
        await ClickAsync(page, "保存设备");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".device-conflict")));
        Assert.Equal([1, 2], _devices.Saves.Select(s => s.Version));
        Assert.Equal("Lamp 7", _devices.Saves[^1].Name);
    }

    [Fact]
    public void A_street_administrator_is_not_offered_the_secret_rotation_and_a_city_administrator_is()
    {
        var street = Open("320213001");
        Assert.Empty(street.FindAll("button").Where(b => b.TextContent.Trim() == "轮换密钥"));
        Assert.Contains("由全市管理员轮换", street.Find(".rotate-city-only").TextContent);
    }

    [Fact]
    public void A_city_administrator_is_offered_the_secret_rotation()
    {
        var city = Open();
        Assert.Single(city.FindAll("button").Where(b => b.TextContent.Trim() == "轮换密钥"));
        Assert.Empty(city.FindAll(".rotate-city-only"));
    }

    private sealed class FakeDevices : IDeviceAdmin
    {
        public List<DeviceItem> Saves { get; } = [];
        public Queue<AdminResult<DeviceItem>> Answers { get; } = new();

        public Task<IReadOnlyList<MonitoringSystemItem>> SystemsAsync() =>
            Task.FromResult<IReadOnlyList<MonitoringSystemItem>>([new("street_lighting", "路灯", DateTimeOffset.UnixEpoch, 1, 1)]);
        public Task<IReadOnlyList<DeviceKindItem>> KindsAsync() =>
            Task.FromResult<IReadOnlyList<DeviceKindItem>>([new("street_light", "street_lighting", "C0101", "normal", 1)]);
        public Task<IReadOnlyList<DeviceItem>> DevicesAsync() => Task.FromResult<IReadOnlyList<DeviceItem>>([Lamp]);
        public Task<IReadOnlyList<CategoryItem>> CategoriesAsync() => Task.FromResult<IReadOnlyList<CategoryItem>>([]);
        public Task<AdminResult<NewSecret>> CreateSystemAsync(string? id, string? name) => throw new NotSupportedException();
        public Task<AdminResult<NewSecret>> RotateSecretAsync(string id) => throw new NotSupportedException();
        public Task<AdminResult<DeviceKindItem>> SaveKindAsync(DeviceKindItem kind) => throw new NotSupportedException();

        public Task<AdminResult<DeviceItem>> SaveDeviceAsync(DeviceItem device)
        {
            Saves.Add(device);
            return Task.FromResult(Answers.Count > 0 ? Answers.Dequeue() : AdminResult<DeviceItem>.Success(device));
        }
    }
}
