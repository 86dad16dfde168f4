using Grid.Web.Layout;
using MudBlazor;

namespace Grid.Web.Components.Tests;

public sealed class SharedThemeProviderTests : DeskContext
{
    /// <summary>
    /// The desk's theme provider renders exactly what MudBlazor's renders, in either mode and after a switch of mode,
    /// and every page after the first gets the node's one text for the theme and mode instead of a new one.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void It_renders_what_MudBlazor_renders_and_every_page_shares_one_text(bool dark)
    {
        // A theme of this test's own: the desk's theme has been rendered by other tests in this process.
        var theme = new MudTheme
        {
            PaletteLight = new PaletteLight { Primary = "#123456" },
            PaletteDark = new PaletteDark { Primary = "#654321" },
        };
        var mud = Render<MudThemeProvider>(p => p.Add(t => t.Theme, theme).Add(t => t.IsDarkMode, dark));
        Assert.Contains("--mud-palette-primary:", mud.Markup);
        Assert.Null(SharedThemeProvider.RenderedMarkup(theme, dark));

        var first = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, theme).Add(t => t.IsDarkMode, dark));
        Assert.Equal(mud.Markup, first.Markup);
        var texts = SharedThemeProvider.RenderedMarkup(theme, dark);
        Assert.NotNull(texts);
        Assert.Contains(texts, t => t.Contains("--mud-palette-primary:", StringComparison.Ordinal));

        var second = Render<SharedThemeProvider>(p => p.Add(t => t.Theme, theme).Add(t => t.IsDarkMode, dark));
        Assert.Equal(mud.Markup, second.Markup);
        var again = SharedThemeProvider.RenderedMarkup(theme, dark)!;
        Assert.Equal(texts.Count, again.Count);
        for (var i = 0; i < texts.Count; i++) Assert.Same(texts[i], again[i]);

        // The wall-screen switch: the other mode, as MudBlazor renders it.
        var other = Render<MudThemeProvider>(p => p.Add(t => t.Theme, theme).Add(t => t.IsDarkMode, !dark));
        Assert.NotEqual(mud.Markup, other.Markup);
        first.Render(p => p.Add(t => t.IsDarkMode, !dark));
        Assert.Equal(other.Markup, first.Markup);
        Assert.NotNull(SharedThemeProvider.RenderedMarkup(theme, !dark));
    }
}
