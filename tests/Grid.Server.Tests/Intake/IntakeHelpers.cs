using System.Globalization;
using System.Net.Http.Json;
using Dapper;
using Grid.Domain.People;
using Grid.Server.Open311;
using Grid.Server.Tests.Infrastructure;

namespace Grid.Server.Tests.Intake;

public static class IntakeHelpers
{
    /// <summary>An admin-issued integration key; <paramref name="scope"/> open311, hotline or both.</summary>
    public static async Task<string> IssueKeyAsync(TestWorld world, int ratePerMinute = 1000, string scope = "both")
    {
        var admin = await world.PersonAsync([Role.Admin], []);
        var response = await admin.Client.PostAsJsonAsync("/api/open311/keys", new { name = "Test client", ratePerMinute, scope });
        var issued = await TestWorld.ReadAsync<IssuedKey>(response, System.Net.HttpStatusCode.Created);
        return issued.Key;
    }

    /// <summary>Gives the test category a required list attribute and an optional number, like a real service definition.</summary>
    public static async Task EnsureAttributesAsync(TestServer server)
    {
        await using var conn = await server.Db.OpenConnectionAsync();
        await conn.ExecuteAsync("""
            insert into category_attributes (category_code, code, variable, datatype, required, datatype_description, sort_order, description, "values")
            values ('C9901', 'COVER_STATE', true, 'singlevaluelist', true, '', 1, 'Cover state', '[{"key":"missing","name":"Missing"},{"key":"damaged","name":"Damaged"}]'),
                   ('C9901', 'DEPTH', true, 'number', false, 'centimetres', 2, 'Depth of the hole', '[]')
            on conflict do nothing
            """);
    }

    public static string F(double v) => v.ToString(CultureInfo.InvariantCulture);
}
