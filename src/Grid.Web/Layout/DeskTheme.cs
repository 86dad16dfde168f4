using MudBlazor;

namespace Grid.Web.Layout;

internal static class DeskTheme
{
    public static readonly MudTheme Theme = new()
    {
        PaletteLight = new PaletteLight { Primary = "#0b63c5", AppbarBackground = "#14324f", Error = "#b42318", Background = "#f4f6f9" },
        PaletteDark = new PaletteDark { Primary = "#5aa2f0", AppbarBackground = "#0b1724", Background = "#0f1620", Surface = "#172231" },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["system-ui", "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", "sans-serif"] },
        },
    };
}
