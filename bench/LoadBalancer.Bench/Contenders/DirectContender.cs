using System.Net;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>No balancer: the client talks to the first backend's real address (the baseline of every ratio).</summary>
/// <param name="name">direct, or direct6 for the first backend's IPv6 address (the baseline of the IPv6 rows).</param>
internal sealed class DirectContender(string name = "direct") : Contender
{
    /// <inheritdoc/>
    public override string Name => name;

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => [];

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => BenchLab.HttpBaseOf(BenchLab.AddressOf(lab.Layout.Backends[0], Ipv6));

    /// <inheritdoc/>
    public override IPEndPoint UdpTarget(BenchLab lab) => new(BenchLab.AddressOf(lab.Layout.Backends[0], Ipv6), BenchLab.UdpPort);

    /// <inheritdoc/>
    public override void Start(BenchLab lab) => WaitServing(lab, null);

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
    }
}
