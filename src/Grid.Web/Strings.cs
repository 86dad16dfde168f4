namespace Grid.Web;

/// <summary>
/// Marker for the page texts in Resources/Strings.resx (Chinese, the default) and
/// Strings.en.resx (English). Components take <c>IStringLocalizer&lt;Strings&gt;</c>.
/// </summary>
public sealed class Strings;
