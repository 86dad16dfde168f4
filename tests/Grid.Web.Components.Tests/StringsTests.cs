using System.Collections;
using System.Globalization;
using System.Resources;

namespace Grid.Web.Components.Tests;

/// <summary>
/// Every page text has its English entry: a key only in Strings.resx falls back to the neutral
/// resources, which are Chinese, so an English page would show Chinese. MudBlazor's own texts
/// ("Mud.*") are the exception by design: in English MudBlazor keeps its built-in texts
/// (GridMudLocalizer never looks them up), so Strings.en.resx has none of them.
/// </summary>
public sealed class StringsTests
{
    private static readonly ResourceManager Resources = new("Grid.Web.Resources.Strings", typeof(Strings).Assembly);

    private static HashSet<string> Keys(CultureInfo culture) =>
        Resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false)!
            .Cast<DictionaryEntry>().Select(e => (string)e.Key).ToHashSet();

    [Fact]
    public void Every_text_has_an_english_entry_and_english_has_no_text_of_its_own()
    {
        var neutral = Keys(CultureInfo.InvariantCulture);
        var english = Keys(CultureInfo.GetCultureInfo("en"));
        Assert.True(neutral.Count > 100, $"Only {neutral.Count} neutral texts found: is the resource name right?");
        var missing = neutral.Where(k => !k.StartsWith("Mud.", StringComparison.Ordinal) && !english.Contains(k)).Order().ToList();
        Assert.True(missing.Count == 0, "Texts without an English entry in Strings.en.resx: " + string.Join(", ", missing));
        Assert.Empty(english.Where(k => !neutral.Contains(k)).Order());
        Assert.DoesNotContain(english, k => k.StartsWith("Mud.", StringComparison.Ordinal));
    }
}
