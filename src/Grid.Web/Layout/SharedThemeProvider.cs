using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.RenderTree;
using MudBlazor;

namespace Grid.Web.Layout;

/// <summary>
/// MudBlazor's theme provider, whose style element is made once per node for each theme and mode and then shared by
/// every circuit. <see cref="MudThemeProvider"/> writes its CSS variables (about 12,000 characters, 24 KB) into a new
/// string on every render, and an open page keeps that text twice (the current and the previous render tree): a
/// heap diff of 20 open command centers found 48 KB a circuit in these strings, the same text in every one
/// (docs/realtime.md, session 8). Here the first render of a (theme, dark mode, scrollbar) on the node keeps what
/// MudBlazor rendered; every later render, in any circuit, hands the renderer that same string. Everything else
/// (parameters, the system dark-mode watch) is MudBlazor's own.
/// </summary>
public sealed class SharedThemeProvider : MudThemeProvider
{
    private sealed record Key(bool Dark, bool DefaultScrollbar, Palette? Palette);

    // Per theme instance (the desk's is one static MudTheme), so a theme that is let go takes its texts with it.
    private static readonly ConditionalWeakTable<MudTheme, ConcurrentDictionary<Key, IReadOnlyList<(int Sequence, string Markup)>?>> Rendered = [];

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        var frames = Theme is { } theme
            ? Rendered.GetOrCreateValue(theme).GetOrAdd(new Key(IsDarkMode, DefaultScrollbar, CurrentPalette), _ => Capture())
            : null;
        if (frames is null)
        {
            base.BuildRenderTree(builder);
            return;
        }
        foreach (var (sequence, markup) in frames) builder.AddMarkupContent(sequence, markup);
    }

    /// <summary>What MudBlazor renders, when it is markup only (it is in MudBlazor 9: the style element as one markup
    /// frame); null otherwise, and then every render is MudBlazor's own.</summary>
    private List<(int, string)>? Capture()
    {
        var scratch = new RenderTreeBuilder();
        try
        {
            base.BuildRenderTree(scratch);
            var frames = scratch.GetFrames();
            var markup = new List<(int, string)>(frames.Count);
            for (var i = 0; i < frames.Count; i++)
            {
                var frame = frames.Array[i];
                if (frame.FrameType != RenderTreeFrameType.Markup) return null;
                markup.Add((frame.Sequence, frame.MarkupContent));
            }
            return markup;
        }
        finally
        {
            scratch.Dispose();
        }
    }

    /// <summary>For tests: the markup texts this node renders for a theme in a mode, when it has rendered it.</summary>
    internal static IReadOnlyList<string>? RenderedMarkup(MudTheme theme, bool dark) =>
        Rendered.TryGetValue(theme, out var byKey) && byKey.TryGetValue(new Key(dark, false, null), out var frames) && frames is not null
            ? frames.Select(f => f.Markup).ToList()
            : null;
}
