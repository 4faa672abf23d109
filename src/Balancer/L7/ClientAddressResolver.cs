using System.Net;
using LoadBalancer.Balancer.Configuration;
using Microsoft.AspNetCore.Http;

namespace LoadBalancer.Balancer.L7;

/// <summary>Finds the client's address: the connection's remote address, or X-Forwarded-For's first address when the peer is a trusted proxy.</summary>
public sealed class ClientAddressResolver
{
    private IPNetwork[] _trusted = [];

    /// <summary>Replaces the trusted proxies (validated config: every entry parses).</summary>
    public void Apply(IReadOnlyList<string> trustedProxies)
    {
        var list = new List<IPNetwork>();
        foreach (var t in trustedProxies)
        {
            if (OperationsConfigValidator.TryParseNetwork(t, out var n))
            {
                list.Add(n);
            }
        }
        Volatile.Write(ref _trusted, list.ToArray());
    }

    /// <summary>True when <paramref name="peer"/> is in the trusted list.</summary>
    public bool IsTrusted(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }
        return TrustedNetworks.Contain(Volatile.Read(ref _trusted), peer);
    }

    /// <summary>The forwarded-for header value to use for this request, or null when the peer is not trusted or sent none.</summary>
    public string? ForwardedFor(HttpContext context) =>
        IsTrusted(context.Connection.RemoteIpAddress) && context.Request.Headers.TryGetValue("X-Forwarded-For", out var xff) && xff.Count > 0 ? xff[0] : null;

    /// <summary>The first address of an X-Forwarded-For value (the client that the first proxy saw), trimmed.</summary>
    public static ReadOnlySpan<char> FirstForwarded(string xff)
    {
        var span = xff.AsSpan();
        var comma = span.IndexOf(',');
        return (comma < 0 ? span : span[..comma]).Trim();
    }

    /// <summary>The client address as text, for rate-limit keys.</summary>
    public string Resolve(HttpContext context)
    {
        if (ForwardedFor(context) is { } xff)
        {
            var first = FirstForwarded(xff);
            if (IPAddress.TryParse(first, out var a))
            {
                return a.ToString();
            }
        }
        var remote = context.Connection.RemoteIpAddress;
        return remote is null ? "" : (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
    }
}
