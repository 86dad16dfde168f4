using Dapper;
using Npgsql;

namespace Grid.Server.Tests.Infrastructure;

/// <summary>A small fixed catalogue that tests can rely on (the demo city's is not loaded in tests).</summary>
public static class TestCatalogue
{
    public const string Unit = "test_sanitation";
    public const string OtherUnit = "test_roads";
    /// <summary>暴露垃圾-like light event: 1 working day, self-handling allowed.</summary>
    public const string LightEvent = "E9901";
    /// <summary>A component case: 4 working hours, urgent 1, never self-handled.</summary>
    public const string Component = "C9901";

    private const string Sql = """
        insert into units (id, name_zh, name_en) values
            ('test_sanitation', '测试环卫', 'Test sanitation'), ('test_roads', '测试道路', 'Test roads')
        on conflict do nothing;
        insert into categories (code, kind, major_code, minor_code, major_name_zh, major_name_en, name_zh, name_en,
                                limit_value, limit_unit, urgent_limit_value, urgent_limit_unit, default_unit_id, handler_role, self_handle_allowed)
        values ('E9901', 'event', '99', '01', '测试事件', 'Test events', '测试暴露垃圾', 'Test exposed garbage', 1, 'working_days', 2, 'working_hours', 'test_sanitation', 'grid_worker', true),
               ('C9901', 'component', '99', '01', '测试部件', 'Test components', '测试井盖', 'Test manhole cover', 4, 'working_hours', 1, 'working_hours', 'test_roads', 'grid_worker', false)
        on conflict do nothing;
        """;

    public static async Task EnsureAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(Sql);
    }
}
