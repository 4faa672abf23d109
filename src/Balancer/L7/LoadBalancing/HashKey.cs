namespace LoadBalancer.Balancer.L7.LoadBalancing;

/// <summary>A parsed cluster "HashKey" setting: the source and, for headers and cookies, its name.</summary>
/// <param name="Source">Where the hashed value comes from.</param>
/// <param name="Name">The header or cookie name; null for <see cref="HashKeySource.ClientIp"/>.</param>
internal readonly record struct HashKey(HashKeySource Source, string? Name)
{
    /// <summary>The default: hash the client IP.</summary>
    public static HashKey ClientIp { get; } = new(HashKeySource.ClientIp, null);

    /// <inheritdoc />
    public override string ToString() => Source == HashKeySource.ClientIp ? "ClientIp" : $"{Source}:{Name}";
}
