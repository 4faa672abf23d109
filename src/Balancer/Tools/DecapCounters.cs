namespace LoadBalancer.Balancer.Tools;

/// <summary>A snapshot of a <see cref="Decapsulator"/>'s counters.</summary>
/// <param name="Received">IPv4-in-IPv4 packets (protocol 4) read from the raw socket.</param>
/// <param name="Decapsulated">Inner IPv4 packets written to the TUN device.</param>
/// <param name="Malformed">IPv4-in-IPv4 packets dropped because the outer or inner IPv4 header did not parse.</param>
/// <param name="WriteErrors">Inner packets (either family) the TUN device refused.</param>
/// <param name="Received6">IPv6-in-IPv6 packets (next header 41) read from the raw IPv6 socket.</param>
/// <param name="Decapsulated6">Inner IPv6 packets written to the TUN device.</param>
/// <param name="Malformed6">IPv6-in-IPv6 packets dropped because the inner IPv6 header did not parse or was cut off.</param>
public readonly record struct DecapCounters(
    long Received, long Decapsulated, long Malformed, long WriteErrors, long Received6 = 0, long Decapsulated6 = 0, long Malformed6 = 0)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"received={Received} decapsulated={Decapsulated} malformed={Malformed} write_errors={WriteErrors} "
        + $"received6={Received6} decapsulated6={Decapsulated6} malformed6={Malformed6}";
}
