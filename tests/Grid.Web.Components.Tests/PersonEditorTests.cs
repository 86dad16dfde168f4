using Grid.Web.Pages.Admin;

namespace Grid.Web.Components.Tests;

/// <summary>Issue 11: the person form checks what it can before sending, and offers what the roles and the administrator allow.</summary>
public sealed class PersonEditorTests : DeskContext
{
    private static readonly PeopleChoices District = new([new("320213001", "崇安寺街道"), new("320213002", "广益街道")], [new("sanitation", "环卫处")], true);
    private static readonly PeopleChoices Street = new([new("320213001", "崇安寺街道")], [new("sanitation", "环卫处")], false);

    private readonly List<PersonForm> _saved = [];

    private IRenderedComponent<PersonEditor> Editor(PersonForm form, bool creating = true, PeopleChoices? choices = null,
        IReadOnlyDictionary<string, string[]>? serverErrors = null) =>
        Render<PersonEditor>(p => p
            .Add(e => e.Form, form).Add(e => e.Creating, creating).Add(e => e.Choices, choices ?? District)
            .Add(e => e.ServerErrors, serverErrors)
            .Add(e => e.OnSave, (PersonForm f) => _saved.Add(f)));

    private static void Check(IRenderedComponent<PersonEditor> editor, string roleName) =>
        editor.FindAll("label.role").Single(l => l.TextContent.Trim() == roleName).QuerySelector("input")!.Change(true);

    [Fact]
    public void An_empty_form_is_refused_with_each_missing_field_named_and_nothing_is_sent()
    {
        var editor = Editor(new PersonForm());
        editor.Find("form").Submit();
        Assert.Empty(_saved);
        var errors = editor.Find(".field-errors").TextContent;
        Assert.Contains("请填写用户名", errors);
        Assert.Contains("请填写姓名", errors);
        Assert.Contains("请至少选择一个角色", errors);
        Assert.Equal("true", editor.Find("#pf-username").GetAttribute("aria-invalid"));

        editor.Find("#pf-username").Input("wang.wu");
        editor.Find("#pf-name").Input("王五");
        editor.Find("#pf-password").Input("short");
        Check(editor, "受理员");
        editor.Find("form").Submit();
        Assert.Empty(_saved);
        Assert.Contains("初始密码至少 10 个字符", editor.Find(".field-errors").TextContent);

        editor.Find("#pf-password").Input("");
        editor.Find("form").Submit();
        var sent = Assert.Single(_saved);
        Assert.Equal(["operator"], sent.Roles);
        Assert.Equal("wang.wu", sent.Username);
    }

    [Fact]
    public void The_unit_is_asked_only_for_unit_staff_and_required_there()
    {
        var editor = Editor(new PersonForm { Username = "li.si", DisplayName = "李四" });
        Assert.Empty(editor.FindAll("#pf-unit"));
        Assert.Empty(editor.FindAll("#pf-street"));
        Check(editor, "责任单位人员");
        Assert.Single(editor.FindAll("#pf-unit"));
        editor.Find("form").Submit();
        Assert.Empty(_saved);
        Assert.Contains("责任单位人员须选择所属单位", editor.Find(".field-errors").TextContent);
        editor.Find("#pf-unit").Change("sanitation");
        editor.Find("form").Submit();
        Assert.Equal("sanitation", Assert.Single(_saved).UnitId);
    }

    [Fact]
    public void Area_roles_get_a_street_or_the_whole_district_and_cell_roles_point_to_the_posts_page()
    {
        var editor = Editor(new PersonForm { Username = "zhao", DisplayName = "赵" });
        Check(editor, "网格长");
        Assert.Empty(editor.FindAll("#pf-street"));
        Assert.Single(editor.FindAll("[data-cells-hint]"));
        Check(editor, "派遣员");
        var options = editor.FindAll("#pf-street option").Select(o => o.TextContent).ToList();
        Assert.Equal(["全区", "崇安寺街道 (320213001)", "广益街道 (320213002)"], options);
    }

    [Fact]
    public void A_street_administrator_gets_only_his_street_and_cannot_give_the_admin_role()
    {
        var editor = Editor(new PersonForm { Username = "qian", DisplayName = "钱" }, choices: Street);
        var admin = editor.FindAll("label.role").Single(l => l.TextContent.Trim() == "管理员").QuerySelector("input")!;
        Assert.True(admin.HasAttribute("disabled"));
        Assert.Equal(["崇安寺街道 (320213001)"], editor.FindAll("#pf-street option").Select(o => o.TextContent));
        Check(editor, "网格员");
        editor.Find("form").Submit();
        Assert.Equal("320213001", Assert.Single(_saved).StreetCode);
    }

    [Fact]
    public void Editing_keeps_the_username_fixed_asks_no_password_and_shows_the_servers_field_errors()
    {
        var editor = Editor(new PersonForm { Username = "sun", DisplayName = "孙", Roles = ["operator"], Version = 3 }, creating: false,
            serverErrors: new Dictionary<string, string[]> { ["phone"] = ["The phone 13900000000 is already li's; each person needs his own number."] });
        Assert.True(editor.Find("#pf-username").HasAttribute("disabled"));
        Assert.Empty(editor.FindAll("#pf-password"));
        Assert.Equal("true", editor.Find("#pf-phone").GetAttribute("aria-invalid"));
        Assert.Contains("already li's", editor.Find(".field-errors").TextContent);
    }

    [Fact]
    public void An_area_role_can_be_narrowed_to_a_community_of_its_street_and_an_administrator_cannot()
    {
        var choices = District with { Communities = [new("320213001001", "东河社区"), new("320213001002", "西河社区"), new("320213002001", "南禅寺社区")] };
        var form = new PersonForm { Username = "sun", DisplayName = "孙" };
        var editor = Editor(form, choices: choices);
        Check(editor, "领导");
        Assert.Empty(editor.FindAll("#pf-community")); // the whole district: no community to narrow to
        editor.Find("#pf-street").Change("320213001");
        Assert.Equal(["整条街道", "东河社区 (320213001001)", "西河社区 (320213001002)"], editor.FindAll("#pf-community option").Select(o => o.TextContent));
        editor.Find("#pf-community").Change("320213001002");
        editor.Find("form").Submit();
        var sent = Assert.Single(_saved);
        Assert.Equal(("320213001", "320213001002"), (sent.StreetCode, sent.CommunityCode));

        // Another street drops the community; the admin role has none to give.
        editor.Find("#pf-street").Change("320213002");
        Assert.Null(form.CommunityCode);
        Check(editor, "管理员");
        Assert.Empty(editor.FindAll("#pf-community"));
    }
}
