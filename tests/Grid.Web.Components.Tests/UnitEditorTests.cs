using Grid.Web.Pages.Admin;

namespace Grid.Web.Components.Tests;

/// <summary>Issue 11: the unit form checks what it can before sending, shows the server's refusals per field, and
/// gives a street administrator only his street.</summary>
public sealed class UnitEditorTests : DeskContext
{
    private static readonly UnitChoices District = new([new("320213001", "崇安寺街道"), new("320213002", "广益街道")], true);
    private static readonly UnitChoices Street = new([new("320213001", "崇安寺街道")], false);

    private readonly List<UnitInput> _saved = [];

    private IRenderedComponent<UnitEditor> Editor(UnitInput form, bool creating = true, UnitChoices? choices = null,
        IReadOnlyDictionary<string, string[]>? serverErrors = null, string? conflict = null) =>
        Render<UnitEditor>(p => p
            .Add(e => e.Form, form).Add(e => e.Creating, creating).Add(e => e.Choices, choices ?? District)
            .Add(e => e.ServerErrors, serverErrors).Add(e => e.Conflict, conflict)
            .Add(e => e.OnSave, (UnitInput f) => _saved.Add(f)));

    [Fact]
    public void An_empty_or_malformed_form_is_refused_with_each_field_named_and_nothing_is_sent()
    {
        var editor = Editor(new UnitInput());
        editor.Find("form").Submit();
        Assert.Empty(_saved);
        var errors = editor.Find(".field-errors").TextContent;
        Assert.Contains("请填写编号", errors);
        Assert.Contains("请填写单位名称", errors);
        Assert.Equal("true", editor.Find("#uf-id").GetAttribute("aria-invalid"));
        Assert.Equal("true", editor.Find("#uf-name").GetAttribute("aria-invalid"));

        editor.Find("#uf-id").Input("Street Sanitation");
        editor.Find("#uf-name").Input("崇安寺街道环卫所");
        editor.Find("#uf-phone").Input("call us");
        editor.Find("form").Submit();
        Assert.Empty(_saved);
        errors = editor.Find(".field-errors").TextContent;
        Assert.Contains("请填写编号", errors);
        Assert.Contains("电话只能是数字", errors);
        Assert.DoesNotContain("请填写单位名称", errors);

        editor.Find("#uf-id").Input("street_sanitation");
        editor.Find("#uf-phone").Input("0510-82720000");
        editor.Find("#uf-street").Change("320213001");
        editor.Find("form").Submit();
        var sent = Assert.Single(_saved);
        Assert.Equal(("street_sanitation", "崇安寺街道环卫所", "320213001"), (sent.Id, sent.NameZh, sent.StreetCode));
    }

    [Fact]
    public void The_id_is_fixed_when_editing_and_the_servers_refusal_and_a_lost_race_are_shown()
    {
        var form = new UnitInput { Id = "roads", NameZh = "市政养护处", Version = 3 };
        var editor = Editor(form, creating: false, serverErrors: new Dictionary<string, string[]> { ["nameZh"] = ["The unit 'water' is already called 市政养护处."] },
            conflict: "Someone changed 市政养护处 while you were editing (version 3 is now 4): phone is now '0510-1'.");
        Assert.True(editor.Find("#uf-id").HasAttribute("disabled"));
        Assert.Equal("true", editor.Find("#uf-name").GetAttribute("aria-invalid"));
        Assert.Contains("is already called", editor.Find(".field-errors").TextContent);
        Assert.Contains("version 3 is now 4", editor.Find("[data-conflict]").TextContent);
        // An existing unit's id is not checked again: it is not sent for a change.
        editor.Find("#uf-name").Input("市政设施养护处");
        editor.Find("form").Submit();
        Assert.Equal(3, Assert.Single(_saved).Version);
    }

    [Fact]
    public void A_district_administrator_may_keep_district_units_and_a_street_administrator_only_his_streets()
    {
        var district = Editor(new UnitInput());
        Assert.Equal(["全区", "崇安寺街道 (320213001)", "广益街道 (320213002)"], district.FindAll("#uf-street option").Select(o => o.TextContent));

        var form = new UnitInput();
        var street = Editor(form, choices: Street);
        Assert.Equal(["崇安寺街道 (320213001)"], street.FindAll("#uf-street option").Select(o => o.TextContent));
        Assert.Equal("320213001", form.StreetCode);
    }
}
