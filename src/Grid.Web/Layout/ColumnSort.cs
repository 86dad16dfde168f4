using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace Grid.Web.Layout;

/// <summary>
/// The column a table's headers sort by. A click on a header cycles it as MudDataGrid's do: ascending, descending, then
/// the table's own order again. The headers are plain markup (a th with its aria-sort, a button named by the column,
/// MudBlazor's arrow), not a component each: the case grid is open in every command center all day.
/// </summary>
public sealed class ColumnSort<TColumn> where TColumn : notnull
{
    private TColumn _by = default!;

    /// <summary>Whether a column is chosen (otherwise the table's own order).</summary>
    public bool Active { get; private set; }

    public bool Descending { get; private set; }

    /// <summary>The column chosen; meaningful only when <see cref="Active"/>.</summary>
    public TColumn By => _by;

    public void Click(TColumn column)
    {
        if (!Active || !EqualityComparer<TColumn>.Default.Equals(_by, column)) (_by, Active, Descending) = (column, true, false);
        else if (!Descending) Descending = true;
        else (_by, Active, Descending) = (default!, false, false);
    }

    private bool IsBy(TColumn column) => Active && EqualityComparer<TColumn>.Default.Equals(_by, column);

    /// <summary>
    /// The header of a column: clicking it moves the sort (<see cref="Click"/>), then runs <paramref name="sorted"/> on
    /// <paramref name="receiver"/> (the table, which renders again).
    /// </summary>
    public RenderFragment Header(IHandleEvent receiver, TColumn column, string title, Func<Task> sorted, string? cls = null) => builder =>
    {
        var on = IsBy(column);
        builder.OpenElement(0, "th");
        builder.AddAttribute(1, "scope", "col");
        builder.AddAttribute(2, "class", cls);
        builder.AddAttribute(3, "aria-sort", on ? Descending ? "descending" : "ascending" : null);
        builder.OpenElement(4, "button");
        builder.AddAttribute(5, "type", "button");
        builder.AddAttribute(6, "class", "desk-sort");
        builder.AddAttribute(7, "onclick", EventCallback.Factory.Create<MouseEventArgs>(receiver, () =>
        {
            Click(column);
            return sorted();
        }));
        builder.AddContent(8, title);
        if (on) Arrow(builder, Descending);
        builder.CloseElement();
        builder.CloseElement();
    };

    private static void Arrow(RenderTreeBuilder builder, bool descending)
    {
        builder.OpenElement(10, "svg");
        builder.AddAttribute(11, "class", "mud-icon-root mud-svg-icon mud-icon-size-small");
        builder.AddAttribute(12, "focusable", "false");
        builder.AddAttribute(13, "viewBox", "0 0 24 24");
        builder.AddAttribute(14, "aria-hidden", "true");
        builder.AddMarkupContent(15, descending ? Icons.Material.Filled.ArrowDownward : Icons.Material.Filled.ArrowUpward);
        builder.CloseElement();
    }
}
