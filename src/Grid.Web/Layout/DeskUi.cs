using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Localization;
using MudBlazor;
using MudBlazor.Services;

namespace Grid.Web.Layout;

public static class DeskUi
{
    /// <summary>MudBlazor for the interactive desk pages, with its own texts in Chinese by default.</summary>
    public static IServiceCollection AddDeskUi(this IServiceCollection services)
    {
        services.AddMudServices(o =>
        {
            o.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomRight;
            o.SnackbarConfiguration.VisibleStateDuration = 6000;
        });
        services.AddTransient<MudLocalizer, GridMudLocalizer>();
        services.AddScoped<InboxCount>();
        // The live pages pace their reloads by it (the server registers the system clock too; tests may bring their own).
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }
}

/// <summary>
/// MudBlazor's own texts (pager, grid filters, dialogs) from Strings.resx under "Mud.*". In English MudBlazor
/// keeps its built-in texts: the neutral resources are Chinese, so an English lookup must not fall back to them.
/// </summary>
internal sealed class GridMudLocalizer(IStringLocalizer<Strings> texts) : MudLocalizer
{
    public override LocalizedString this[string key] => Lookup(key, []);
    public override LocalizedString this[string key, params object[] arguments] => Lookup(key, arguments);

    private LocalizedString Lookup(string key, object[] arguments)
    {
        if (CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en") return new LocalizedString(key, key, resourceNotFound: true);
        var s = texts["Mud." + key, arguments];
        return new LocalizedString(key, s.Value, s.ResourceNotFound);
    }
}
