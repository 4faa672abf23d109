using System.Net;

namespace LoadBalancer.Balancer.Announce;

/// <summary>Where announced VIPs are written: the kernel table BIRD learns from, or a fake in tests.</summary>
public interface IVipRoutes : IDisposable
{
    /// <summary>Makes the VIP announced (idempotent).</summary>
    /// <exception cref="InvalidOperationException">The route could not be written.</exception>
    void Add(IPAddress vip);

    /// <summary>Withdraws the VIP (idempotent).</summary>
    void Remove(IPAddress vip);
}
