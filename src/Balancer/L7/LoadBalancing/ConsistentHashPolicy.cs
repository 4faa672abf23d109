using System.Net;
using System.Runtime.CompilerServices;
using LoadBalancer.Modes.Selection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>YARP policy "ConsistentHash": Maglev hashing of the client IP, a header or a cookie onto the available destinations.</summary>
/// <remarks>
/// The key comes from cluster metadata "HashKey" ("ClientIp", "Header:&lt;name&gt;" or "Cookie:&lt;name&gt;"); a missing or
/// empty header or cookie falls back to the client IP. Values are hashed with <see cref="StableHash"/> and destination ids
/// place the destinations, so every balancer instance with the same config sends a key to the same destination. Tables are
/// cached per cluster and rebuilt only when the destinations, their models or weights change (see <see cref="ConsistentHashState"/>).
/// </remarks>
internal sealed class ConsistentHashPolicy : ILoadBalancingPolicy
{
    /// <summary>The policy name used in a cluster's LoadBalancingPolicy.</summary>
    public const string PolicyName = "ConsistentHash";

    /// <summary>The cluster metadata key choosing what to hash.</summary>
    public const string HashKeyMetadataKey = "HashKey";

    private const string HeaderPrefix = "Header:";
    private const string CookiePrefix = "Cookie:";

    private readonly ConditionalWeakTable<ClusterState, ClusterStateBox<ConsistentHashState>> _states = new();
    private readonly IDestinationWeightProvider _weights;

    /// <summary>Creates the policy; <paramref name="weights"/> supplies run-time weight overrides (none by default).</summary>
    public ConsistentHashPolicy(IDestinationWeightProvider? weights = null)
    {
        _weights = weights ?? MetadataDestinationWeightProvider.Instance;
    }

    /// <inheritdoc />
    public string Name => PolicyName;

    /// <summary>Parses a cluster "HashKey" metadata value (null or empty means ClientIp); for the config validator.</summary>
    /// <returns>False, with a message in <paramref name="error"/>, when the value is not ClientIp, Header:&lt;name&gt; or Cookie:&lt;name&gt;.</returns>
    public static bool TryParseHashKey(string? value, out HashKey key, out string? error)
    {
        key = HashKey.ClientIp;
        error = null;
        if (string.IsNullOrWhiteSpace(value) || string.Equals(value.Trim(), "ClientIp", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        string trimmed = value.Trim();
        HashKeySource source;
        string name;
        if (trimmed.StartsWith(HeaderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            source = HashKeySource.Header;
            name = trimmed[HeaderPrefix.Length..].Trim();
        }
        else if (trimmed.StartsWith(CookiePrefix, StringComparison.OrdinalIgnoreCase))
        {
            source = HashKeySource.Cookie;
            name = trimmed[CookiePrefix.Length..].Trim();
        }
        else
        {
            error = $"HashKey must be 'ClientIp', 'Header:<name>' or 'Cookie:<name>'; got '{value}'.";
            return false;
        }

        if (name.Length == 0 || !IsToken(name))
        {
            error = $"HashKey '{value}' needs a {source.ToString().ToLowerInvariant()} name made of token characters (RFC 9110 section 5.6.2) after the colon.";
            return false;
        }

        key = new HashKey(source, name);
        return true;
    }

    /// <inheritdoc />
    public DestinationState? PickDestination(HttpContext context, ClusterState cluster, IReadOnlyList<DestinationState> availableDestinations)
    {
        if (availableDestinations.Count == 0)
        {
            return null;
        }

        ClusterStateBox<ConsistentHashState> box = _states.GetValue(cluster, static _ => new ClusterStateBox<ConsistentHashState>());
        ConsistentHashState? state = box.Current;
        if (state is null || !state.Matches(cluster, availableDestinations, _weights))
        {
            // Two threads may rebuild at once; both results are equivalent and the last one published wins.
            state = ConsistentHashState.Build(cluster, availableDestinations, _weights, state);
            box.Current = state;
        }

        return state.Pick(HashRequest(context, state.Key));
    }

    /// <summary>Hashes the request's key value: the header or cookie named by <paramref name="key"/>, else the client IP.</summary>
    internal static ulong HashRequest(HttpContext context, HashKey key)
    {
        switch (key.Source)
        {
            case HashKeySource.Header:
                StringValues values = context.Request.Headers[key.Name!];
                if (!StringValues.IsNullOrEmpty(values))
                {
                    ulong h = 0;
                    foreach (string? v in values)
                    {
                        h = StableHash.Hash((v ?? string.Empty).AsSpan(), h);
                    }

                    return h;
                }

                break;

            case HashKeySource.Cookie:
                string? cookie = context.Request.Cookies[key.Name!];
                if (!string.IsNullOrEmpty(cookie))
                {
                    return StableHash.Hash(cookie);
                }

                break;
        }

        return HashClientIp(context.Connection.RemoteIpAddress);
    }

    /// <summary>Hashes an address's bytes; an IPv4-mapped IPv6 address hashes as its IPv4 form, so a dual-stack listener changes nothing.</summary>
    internal static ulong HashClientIp(IPAddress? address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address is null || !address.TryWriteBytes(bytes, out int written))
        {
            return StableHash.Hash(ReadOnlySpan<byte>.Empty);
        }

        ReadOnlySpan<byte> span = bytes[..written];
        if (address.IsIPv4MappedToIPv6)
        {
            span = span[12..];
        }

        return StableHash.Hash(span);
    }

    private static bool IsToken(string name)
    {
        foreach (char c in name)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }
}
