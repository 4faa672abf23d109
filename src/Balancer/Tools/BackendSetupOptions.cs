using System.Net;

namespace LoadBalancer.Balancer.Tools;

/// <summary>What <c>balancer backend-setup</c> prepares a backend for.</summary>
/// <param name="Mode">The forwarding mode the balancer uses towards this backend.</param>
/// <param name="Vip">The virtual IP the backend must accept traffic for.</param>
/// <param name="InterfaceName">The interface traffic from the balancer arrives on; null means the default route's.</param>
public sealed record BackendSetupOptions(BackendSetupMode Mode, IPAddress Vip, string? InterfaceName = null);
