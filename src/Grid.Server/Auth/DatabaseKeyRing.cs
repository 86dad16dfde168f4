using System.Xml.Linq;
using Grid.Server.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;

namespace Grid.Server.Auth;

/// <summary>The data-protection key ring in PostgreSQL, shared by every server node.</summary>
public sealed class DatabaseKeyRing(IDbContextFactory<GridDbContext> contexts) : IXmlRepository
{
    // IXmlRepository is synchronous; the key ring is read rarely (at start and when keys roll).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var db = contexts.CreateDbContext();
        return db.Set<DataProtectionKeyRecord>().OrderBy(k => k.Id).Select(k => k.Xml).AsEnumerable().Select(XElement.Parse).ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var db = contexts.CreateDbContext();
        db.Add(new DataProtectionKeyRecord { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        db.SaveChanges();
    }

    public static void AddSharedKeyRing(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("GridCity");
        services.AddOptions<KeyManagementOptions>()
            .Configure<IDbContextFactory<GridDbContext>>((options, contexts) => options.XmlRepository = new DatabaseKeyRing(contexts));
    }
}
