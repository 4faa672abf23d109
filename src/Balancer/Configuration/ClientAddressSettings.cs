namespace LoadBalancer.Balancer.Configuration;

/// <summary>Where a front listener takes the client's address from (<c>Listeners[]:ClientAddressFrom</c>).</summary>
public enum ClientAddressSource
{
    /// <summary>The connection's peer (or its PROXY header when <c>ProxyProtocol</c> is on).</summary>
    Connection,

    /// <summary>The client-address TCP option that this project's L4 full NAT writes into the SYN, from trusted peers only.</summary>
    TcpOption,
}

/// <summary>Parsing and validation of a listener's <c>ClientAddressFrom</c> and <c>ClientAddressTrusted</c>.</summary>
public static class ClientAddressSettings
{
    /// <summary>Parses <c>ClientAddressFrom</c>: null, empty or <c>connection</c>, or <c>tcp-option</c>.</summary>
    public static bool TryParse(string? value, out ClientAddressSource source)
    {
        source = ClientAddressSource.Connection;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "connection":
                return true;
            case "tcp-option":
                source = ClientAddressSource.TcpOption;
                return true;
            default:
                return false;
        }
    }

    /// <summary>Appends every problem with a listener's client-address keys.</summary>
    public static void ValidateListener(ListenerConfig listener, string path, List<ConfigError> errors)
    {
        var known = TryParse(listener.ClientAddressFrom, out var source);
        if (!known)
        {
            errors.Add(new ConfigError($"{path}:ClientAddressFrom", listener.ClientAddressFrom, "is not one of connection, tcp-option"));
        }
        for (var i = 0; i < listener.ClientAddressTrusted.Count; i++)
        {
            if (!ProxyProtocolSettings.TryParseNetwork(listener.ClientAddressTrusted[i], out _))
            {
                errors.Add(new ConfigError($"{path}:ClientAddressTrusted:{i}", listener.ClientAddressTrusted[i],
                    "is not a network in CIDR notation (like 10.0.0.0/8) or an IP address"));
            }
        }
        if (source == ClientAddressSource.TcpOption && listener.ClientAddressTrusted.Count == 0)
        {
            errors.Add(new ConfigError($"{path}:ClientAddressTrusted", null,
                "is required when ClientAddressFrom is 'tcp-option': list the full-NAT source addresses of the balancers in front (a client could send the option itself)"));
        }
        if (known && source == ClientAddressSource.Connection && listener.ClientAddressTrusted.Count > 0)
        {
            errors.Add(new ConfigError($"{path}:ClientAddressTrusted", string.Join(",", listener.ClientAddressTrusted), "is set but ClientAddressFrom is not 'tcp-option'"));
        }
        if (source == ClientAddressSource.TcpOption && ProxyProtocolSettings.TryParseListener(listener.ProxyProtocol, out var versions)
            && versions != Modes.ProxyProtocol.ProxyProtocolVersions.Off)
        {
            errors.Add(new ConfigError($"{path}:ClientAddressFrom", listener.ClientAddressFrom,
                $"cannot be combined with ProxyProtocol '{listener.ProxyProtocol}': a listener takes the client address from one place"));
        }
    }
}
