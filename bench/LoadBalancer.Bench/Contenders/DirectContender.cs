using System.Net;
using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>No balancer: the client talks to the first backend's real address (the baseline of every ratio).</summary>
internal sealed class DirectContender : Contender
{
    /// <inheritdoc/>
    public override string Name => "direct";

    /// <inheritdoc/>
    public override bool Udp => true;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => [];

    /// <inheritdoc/>
    public override string HttpBase(BenchLab lab) => $"http://{lab.Layout.Backends[0].Address}:{BenchLab.HttpPort}";

    /// <inheritdoc/>
    public override IPEndPoint UdpTarget(BenchLab lab) => new(lab.Layout.Backends[0].Address, BenchLab.UdpPort);

    /// <inheritdoc/>
    public override void Start(BenchLab lab) => WaitServing(lab, null);

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
    }
}
