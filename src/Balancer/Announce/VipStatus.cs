namespace LoadBalancer.Balancer.Announce;

/// <summary>One VIP as the announcer sees it.</summary>
/// <param name="Vip">The VIP.</param>
/// <param name="Announced">Whether its route is in the announce table now.</param>
/// <param name="Reason">Why (announced, node draining, no backend takes new flows, Announce off, or the error).</param>
/// <param name="Services">The L4 services on that VIP.</param>
public sealed record VipStatus(string Vip, bool Announced, string Reason, IReadOnlyList<string> Services);
