using System.Net;

namespace LoadBalancer.Balancer.Lab;

/// <summary>One host of the lab: a namespace with one interface <c>eth0</c> on the lab's bridge.</summary>
/// <param name="Name">Short name (<c>c</c>, <c>lb</c>, <c>b1</c>...), also the name of its port on the bridge.</param>
/// <param name="Namespace">The network namespace name.</param>
/// <param name="Address">Its address on eth0.</param>
/// <param name="Mac">The fixed MAC address of its eth0, so tests and the engine can predict frames.</param>
public sealed record LabNode(string Name, string Namespace, IPAddress Address, string Mac)
{
    /// <summary>Its IPv6 address on eth0 (set in every layout; used when the lab's family includes IPv6).</summary>
    public IPAddress Address6 { get; init; } = IPAddress.IPv6None;
}
