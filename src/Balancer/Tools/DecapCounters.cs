namespace LoadBalancer.Balancer.Tools;

/// <summary>A snapshot of a <see cref="Decapsulator"/>'s counters.</summary>
/// <param name="Received">IP-in-IP packets read from the raw socket.</param>
/// <param name="Decapsulated">Inner packets written to the TUN device.</param>
/// <param name="Malformed">Packets dropped because the outer or inner IPv4 header did not parse.</param>
/// <param name="WriteErrors">Inner packets the TUN device refused.</param>
public readonly record struct DecapCounters(long Received, long Decapsulated, long Malformed, long WriteErrors)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"received={Received} decapsulated={Decapsulated} malformed={Malformed} write_errors={WriteErrors}";
}
