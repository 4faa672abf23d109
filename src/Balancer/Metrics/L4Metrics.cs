using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>L4 engine metrics: read at scrape time from the packet thread's plain counters (no prometheus-net call per packet).</summary>
public sealed class L4Metrics
{
    private static readonly DropReason[] Reasons = Enum.GetValues<DropReason>().Where(r => r != DropReason.None).ToArray();
    private readonly L4Engine _engine;
    private readonly Counter _packets;
    private readonly Counter _bytes;
    private readonly Counter _drops;
    private readonly Counter _newFlows;
    private readonly Gauge _entries;
    private readonly Gauge _capacity;
    private readonly Counter _evictions;
    private readonly Counter _refusals;
    private readonly Gauge _natPorts;
    private readonly Counter _arp;
    private readonly Counter _pcapReceived;
    private readonly Counter _pcapDropped;
    private readonly Counter _framesSent;
    private readonly Counter _sendFailures;
    private readonly Counter _oversize;

    /// <summary>Registers the L4 metrics in the instance's registry and reads them before every scrape.</summary>
    public L4Metrics(BalancerMetrics metrics, L4Engine engine)
    {
        _engine = engine;
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _packets = f.CreateCounter("lb_l4_packets_total", "Packets forwarded by the L4 engine, by service, backend and direction (to_backend, to_client).", ["service", "backend", "direction"]);
        _bytes = f.CreateCounter("lb_l4_bytes_total", "Bytes (Ethernet frames) forwarded by the L4 engine, by service, backend and direction.", ["service", "backend", "direction"]);
        _drops = f.CreateCounter("lb_l4_drops_total", "Frames the L4 data plane dropped, by reason.", ["reason"]);
        _newFlows = f.CreateCounter("lb_l4_new_flows_total", "Flows the L4 engine started tracking.");
        _entries = f.CreateGauge("lb_conntrack_entries", "Flows in the connection table now.");
        _capacity = f.CreateGauge("lb_conntrack_capacity", "Most flows the connection table holds.");
        _evictions = f.CreateCounter("lb_conntrack_evictions_total", "Idle flows evicted to make room for new ones.");
        _refusals = f.CreateCounter("lb_conntrack_refusals_total", "New flows refused because the table was full (RefuseNew).");
        _natPorts = f.CreateGauge("lb_fullnat_ports_available", "Free full-NAT source ports per source address.", ["address"]);
        _arp = f.CreateCounter("lb_arp_total", "ARP activity: answered (requests for owned addresses), gratuitous, requests (sent to resolve neighbours), learnt, unresolved.", ["kind"]);
        _pcapReceived = f.CreateCounter("lb_pcap_received_total", "Frames libpcap received on the interface (pcap_stats ps_recv).", ["interface"]);
        _pcapDropped = f.CreateCounter("lb_pcap_dropped_total", "Frames dropped before the engine saw them (pcap_stats ps_drop + ps_ifdrop).", ["interface"]);
        _framesSent = f.CreateCounter("lb_l4_frames_sent_total", "Frames the engine sent on the interface.", ["interface"]);
        _sendFailures = f.CreateCounter("lb_l4_send_failures_total", "Frames the engine failed to send (e.g. larger than the MTU).", ["interface"]);
        _oversize = f.CreateCounter("lb_l4_oversize_frames_total", "Captured frames too large for the engine's buffer.");
        _capacity.Set(engine.Config.ConnectionTable.Capacity);
        metrics.Registry.AddBeforeCollectCallback(Collect);
    }

    private void Collect()
    {
        var counters = _engine.Counters;
        var services = _engine.Names.ServiceNames;
        for (var s = 0; s < services.Count && s < counters.MaxServices; s++)
        {
            var backends = _engine.Names.BackendNames(services[s]);
            for (var b = 0; b < backends.Count && b < counters.MaxBackendsPerService; b++)
            {
                if (backends[b].Length == 0)
                {
                    continue;
                }
                foreach (var (direction, label) in new[] { (FlowDirection.ToBackend, "to_backend"), (FlowDirection.ToClient, "to_client") })
                {
                    _packets.WithLabels(services[s], backends[b], label).IncTo(counters.GetPackets(s, b, direction));
                    _bytes.WithLabels(services[s], backends[b], label).IncTo(counters.GetBytes(s, b, direction));
                }
            }
        }
        foreach (var reason in Reasons)
        {
            _drops.WithLabels(reason.ToString()).IncTo(counters.GetDrops(reason));
        }
        _newFlows.IncTo(counters.NewFlows);
        var table = _engine.Table;
        _entries.Set(table.Count);
        _evictions.IncTo(table.Evictions);
        _refusals.IncTo(table.Refusals);
        foreach (var address in _engine.Config.Services.Values.SelectMany(x => x.FullNatSources).Distinct())
        {
            if (Configuration.L4ConfigValidator.TryUnicast(address, out var a))
            {
                _natPorts.WithLabels(address).Set(table.AvailableNatPorts(a));
            }
        }
        var (oversize, answered, gratuitous) = _engine.EngineCounters;
        var (requests, learnt, failures) = _engine.Neighbours.Counters;
        _arp.WithLabels("answered").IncTo(answered);
        _arp.WithLabels("gratuitous").IncTo(gratuitous);
        _arp.WithLabels("requests").IncTo(requests);
        _arp.WithLabels("learnt").IncTo(learnt);
        _arp.WithLabels("unresolved").IncTo(failures);
        _oversize.IncTo(oversize);
        var port = _engine.PortCounters;
        var name = _engine.Interface.Name;
        _pcapReceived.WithLabels(name).IncTo(port.Kernel.Received);
        _pcapDropped.WithLabels(name).IncTo((long)port.Kernel.Dropped + port.Kernel.InterfaceDropped);
        _framesSent.WithLabels(name).IncTo(port.FramesSent);
        _sendFailures.WithLabels(name).IncTo(port.SendFailures);
    }
}
