using System.Net;
using LoadBalancer.Modes.ProxyProtocol;

namespace LoadBalancer.Balancer.Configuration;

/// <summary>Parses the PROXY protocol keys (listener, cluster metadata, health check) into typed values, for the validator and the front.</summary>
public static class ProxyProtocolSettings
{
    /// <summary>Cluster metadata key that makes the forwarder send a PROXY header on every new backend connection.</summary>
    public const string ClusterMetadataKey = "ProxyProtocol";

    /// <summary>Parses a listener's <c>ProxyProtocol</c> value (null or empty is off).</summary>
    public static bool TryParseListener(string? value, out ProxyProtocolVersions versions)
    {
        versions = ProxyProtocolVersions.Off;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "off":
                return true;
            case "v1":
                versions = ProxyProtocolVersions.V1;
                return true;
            case "v2":
                versions = ProxyProtocolVersions.V2;
                return true;
            case "any":
                versions = ProxyProtocolVersions.Any;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Parses a version to send (<c>v1</c> or <c>v2</c>) into 1 or 2.</summary>
    public static bool TryParseSendVersion(string? value, out int version)
    {
        version = value?.Trim().ToLowerInvariant() switch { "v1" => 1, "v2" => 2, _ => 0 };
        return version != 0;
    }

    /// <summary>Parses a trusted network: CIDR (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) or one address (a /32 or /128).</summary>
    public static bool TryParseNetwork(string? value, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        var text = value.Trim();
        if (!text.Contains('/') && IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }

    /// <summary>Appends every problem with a listener's PROXY protocol keys.</summary>
    public static void ValidateListener(ListenerConfig listener, string path, List<ConfigError> errors)
    {
        if (!TryParseListener(listener.ProxyProtocol, out var versions))
        {
            errors.Add(new ConfigError($"{path}:ProxyProtocol", listener.ProxyProtocol, "is not one of off, v1, v2, any"));
            return;
        }
        for (var i = 0; i < listener.ProxyProtocolTrusted.Count; i++)
        {
            if (!TryParseNetwork(listener.ProxyProtocolTrusted[i], out _))
            {
                errors.Add(new ConfigError($"{path}:ProxyProtocolTrusted:{i}", listener.ProxyProtocolTrusted[i],
                    "is not a network in CIDR notation (like 10.0.0.0/8) or an IP address"));
            }
        }
        if (versions != ProxyProtocolVersions.Off && listener.ProxyProtocolTrusted.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:ProxyProtocolTrusted", null,
                $"is required when ProxyProtocol is '{listener.ProxyProtocol}': list the networks of the proxies in front (a client that sends its own header could claim any address)"));
        }
        if (versions == ProxyProtocolVersions.Off && listener.ProxyProtocolTrusted.Count > 0)
        {
            errors.Add(new ConfigError($"{path}:ProxyProtocolTrusted", string.Join(",", listener.ProxyProtocolTrusted), "is set but ProxyProtocol is off"));
        }
    }

    /// <summary>Appends a problem with a cluster's <c>Metadata:ProxyProtocol</c>.</summary>
    public static void ValidateCluster(IReadOnlyDictionary<string, string>? metadata, string path, List<ConfigError> errors)
    {
        if (metadata?.TryGetValue(ClusterMetadataKey, out var value) == true && !TryParseSendVersion(value, out _))
        {
            errors.Add(new ConfigError($"{path}:Metadata:{ClusterMetadataKey}", value, "is not v1 or v2"));
        }
    }
}
