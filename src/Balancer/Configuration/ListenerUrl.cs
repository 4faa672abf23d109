using System.Net;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>A parsed listener URL: scheme, the address to bind and the port.</summary>
public readonly record struct ListenerUrl(bool IsHttps, IPAddress Address, int Port)
{
    /// <summary>Parses <c>http(s)://HOST:PORT</c> where HOST is an IP literal, <c>localhost</c>, <c>*</c> or <c>+</c>.</summary>
    public static bool TryParse(string? url, out ListenerUrl result, out string error)
    {
        result = default;
        // '*' and '+' are not valid URI hosts; map them to the any-address before parsing.
        var normalized = url?.Replace("://*:", "://0.0.0.0:", StringComparison.Ordinal).Replace("://+:", "://0.0.0.0:", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = "is not an absolute http(s) URL such as http://127.0.0.1:8080";
            return false;
        }
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0)
        {
            error = "must not have a path or query";
            return false;
        }
        IPAddress address;
        if (uri.IsLoopback && uri.HostNameType == UriHostNameType.Dns)
        {
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(uri.Host.Trim('[', ']'), out address!))
        {
            error = "must name an IP address, localhost or * as its host";
            return false;
        }
        result = new ListenerUrl(uri.Scheme == Uri.UriSchemeHttps, address, uri.Port);
        error = "";
        return true;
    }

    /// <summary>True when only this machine can reach the address.</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);
}
