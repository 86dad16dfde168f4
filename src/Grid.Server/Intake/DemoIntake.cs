using Grid.Server.Monitoring;
using Grid.Server.Open311;
using Npgsql;

namespace Grid.Server.Intake;

/// <summary>
/// Demo rows for the intake channels, run after the demo city: Open311 attributes for a few
/// categories, a demo API key, a street-lighting system with two lamps. Idempotent; demo only
/// (the key and the secret below are public).
/// </summary>
public static class DemoIntake
{
    public const string DemoApiKey = "o311_demo_key_liangxi_2026";
    public const string DemoLightingSecret = "mon_demo_lighting_2026";

    private const string Sql = """
        insert into category_attributes (category_code, code, variable, datatype, required, datatype_description, sort_order, description, "values")
        select v.* from (values
            ('C0201', 'LAMP_STATE', true, 'singlevaluelist', true, '', 1, '路灯状态 Lamp state', '[{"key":"dark","name":"不亮 Dark"},{"key":"flicker","name":"闪烁 Flickering"},{"key":"day","name":"白天常亮 On by day"}]'::jsonb),
            ('C0201', 'POLE_NO', true, 'string', false, '灯杆上的编号 Number on the pole', 2, '灯杆编号 Pole number', '[]'::jsonb),
            ('C0101', 'COVER_STATE', true, 'singlevaluelist', true, '', 1, '井盖状态 Cover state', '[{"key":"damaged","name":"破损 Damaged"},{"key":"missing","name":"丢失 Missing"},{"key":"shifted","name":"移位 Shifted"}]'::jsonb),
            ('E0102', 'BAGS', true, 'number', false, '大约几袋 About how many bags', 1, '垃圾数量 Amount', '[]'::jsonb)
        ) as v(category_code, code, variable, datatype, required, datatype_description, sort_order, description, "values")
        where exists (select 1 from categories k where k.code = v.category_code)
        on conflict do nothing;

        insert into open311_api_keys (name, key_prefix, key_hash, rate_per_minute, created_by, created_at)
        select 'Demo citizen app', left(@Key, 9), @KeyHash, 60, p.id, now() from people p where p.username = 'admin'
        on conflict (key_hash) do nothing;

        insert into monitoring_systems (id, name, secret_hash) values ('street_lighting', '路灯监控系统 Street lighting', @SecretHash)
        on conflict (id) do nothing;
        insert into monitoring_kinds (kind, system_id, category_code, priority)
        select 'street_lamp', 'street_lighting', 'C0201', 'normal' where exists (select 1 from categories where code = 'C0201')
        on conflict (kind) do nothing;
        insert into monitoring_devices (id, kind, name, location, cell_code, address, created_at)
        select d.id, 'street_lamp', d.name, ST_SetSRID(ST_MakePoint(d.lon, d.lat), 4326), g.code, d.address, now()
        from (values ('LAMP-0012', '中山路 12 号灯杆', 31.5786, 120.3030, '中山路 12 号'),
                     ('LAMP-0013', '中山路 13 号灯杆', 31.5790, 120.3036, '中山路 13 号')) as d(id, name, lat, lon, address)
        join grid_cells g on ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(d.lon, d.lat), 4326))
        where exists (select 1 from monitoring_kinds where kind = 'street_lamp')
        on conflict (id) do nothing;
        """;

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var db = services.GetRequiredService<NpgsqlDataSource>();
        await using var conn = await db.OpenConnectionAsync(ct);
        // Plain Npgsql: the script's JSON literals have braces, which EF's raw SQL reads as format items.
        await using var cmd = new NpgsqlCommand(Sql, conn);
        cmd.Parameters.AddWithValue("Key", DemoApiKey);
        cmd.Parameters.AddWithValue("KeyHash", Open311Repository.Hash(DemoApiKey));
        cmd.Parameters.AddWithValue("SecretHash", MonitoringRepository.Hash(DemoLightingSecret));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
