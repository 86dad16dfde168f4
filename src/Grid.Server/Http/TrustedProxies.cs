using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Grid.Server.Http;

/// <summary>
/// The "Grid:Proxies" configuration section: which peers may tell this node, in X-Forwarded-For and
/// X-Forwarded-Proto, who the client is and whether it came over https. Behind the load balancer every
/// request comes from the balancer's address; without this the citizens' per-address limits counted the
/// whole city as one client, the photo rows recorded the balancer, and a request nginx took over https
/// looked like http to the node (cookies without Secure, Open311's discovery URL with http).
/// </summary>
public static class TrustedProxies
{
    public const string Section = "Grid:Proxies";
    private const string Proxies = "KnownProxies", Networks = "KnownNetworks";

    /// <summary>
    /// The forwarded-headers options for the configured proxies, or null when none is configured: then the
    /// middleware is not installed at all and a forwarded header changes nothing. Null rather than empty
    /// lists on purpose: ForwardedHeadersMiddleware checks the peer only when at least one proxy or network
    /// is known, so with both lists empty it believes every client's X-Forwarded-For.
    /// Loopback is not trusted by default (ASP.NET's own default trusts 127.0.0.0/8 and ::1): a node may be
    /// reached through something on its own host that passes a client's headers on untouched (an SSH tunnel,
    /// a TLS terminator, a sidecar), and then anyone could pick the address the limits count. nginx on the
    /// same host is one line of configuration: Grid:Proxies:KnownProxies=127.0.0.1.
    /// Throws at start, naming the setting, for anything that is not an address or network, so a typo does
    /// not leave the node counting every citizen as the balancer (or trusting more than meant).
    /// </summary>
    public static ForwardedHeadersOptions? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var unknown = section.GetChildren().Where(c => c.Key is not (Proxies or Networks)).Select(c => c.Path).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException(
                $"{string.Join(", ", unknown)} is not a setting: {Section} has {Proxies} (addresses, e.g. 10.0.0.5) and {Networks} (e.g. 10.0.0.0/24).");
        }
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            // One balancer hop: only the entry the balancer itself appended is believed. What a client put in
            // front of it (nginx's $proxy_add_x_forwarded_for keeps it) stays unread.
            ForwardLimit = 1,
        };
        // ASP.NET's defaults (loopback) are replaced, never added to: see above.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var (path, text) in Entries(section.GetSection(Proxies)))
        {
            if (!IPAddress.TryParse(text, out var address) || text.Contains('/') || !Dotted(text, address.ToString()))
            {
                throw new InvalidOperationException(
                    $"{path} is '{text}', which is not an IP address. Give the balancer's address as seen by this node (e.g. 127.0.0.1 or 10.0.0.5); " +
                    $"a range goes in {Section}:{Networks} (e.g. 10.0.0.0/24).");
            }
            options.KnownProxies.Add(address);
        }
        foreach (var (path, text) in Entries(section.GetSection(Networks)))
        {
            // IPNetwork takes "10.0.0.5/24" as 10.0.0.0/24; such a value is refused instead, as likely one proxy's
            // address given a prefix by mistake. A value without a prefix is refused too (not read as a /32).
            var slash = text.IndexOf('/');
            if (slash < 0 || !System.Net.IPNetwork.TryParse(text, out var network) || !Dotted(text, network.ToString())
                || !IPAddress.TryParse(text[..slash], out var written) || !written.Equals(network.BaseAddress))
            {
                throw new InvalidOperationException(
                    $"{path} is '{text}', which is not a network in CIDR form: an address with its prefix length and no bits set after it " +
                    $"(e.g. 10.0.0.0/24 or fd00::/64); a single balancer goes in {Section}:{Proxies}.");
            }
            options.KnownIPNetworks.Add(network);
        }
        return options.KnownProxies.Count + options.KnownIPNetworks.Count == 0 ? null : options;
    }

    /// <summary>
    /// IPv4 only in its usual four-part form: IPAddress also reads shortened and other historical notations
    /// ("10.5" as 10.0.0.5), so a mistyped balancer would be trusted at an address nobody meant.
    /// </summary>
    private static bool Dotted(string text, string parsed) => text.Contains(':') || text == parsed;

    /// <summary>Each entry of a list setting with its path: the list's items (…:0, …:1) or one comma-separated value
    /// (Grid__Proxies__KnownProxies="10.0.0.5,10.0.0.6" from the environment). Empty pieces trust nothing and are skipped.</summary>
    private static IEnumerable<(string Path, string Text)> Entries(IConfigurationSection list)
    {
        IEnumerable<IConfigurationSection> items = list.Value is not null ? [list] : list.GetChildren();
        return items.SelectMany(item => (item.Value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(text => (item.Path, text)));
    }
}
