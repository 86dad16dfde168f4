using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Grid.Server.Auth;

/// <summary>The data-protection key ring in PostgreSQL, shared by every server node.</summary>
public sealed class DatabaseKeyRing(NpgsqlDataSource db) : IXmlRepository
{
    private const string SelectKeysSql = "select xml from data_protection_keys order by id";
    private const string InsertKeySql = "insert into data_protection_keys (friendly_name, xml) values (@FriendlyName, @Xml)";

    // IXmlRepository is synchronous; the key ring is read rarely (at start and when keys roll).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var conn = db.OpenConnection();
        return conn.Query<string>(SelectKeysSql).Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var conn = db.OpenConnection();
        conn.Execute(InsertKeySql, new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
    }

    public static void AddSharedKeyRing(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("GridCity");
        services.AddOptions<KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((options, db) => options.XmlRepository = new DatabaseKeyRing(db));
    }
}
