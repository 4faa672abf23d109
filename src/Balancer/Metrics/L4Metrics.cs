using LoadBalancer.Balancer.L4.Engine;
using LoadBalancer.Balancer.L4.Interop;
using LoadBalancer.Modes.ClientAddress;
using LoadBalancer.Modes.Packets;
using LoadBalancer.Modes.Pipeline;
using Prometheus;

namespace LoadBalancer.Balancer.Metrics;

/// <summary>L4 engine metrics: read at scrape time from the packet thread's plain counters (no prometheus-net call per packet).</summary>
public sealed class L4Metrics
{
    private static readonly DropReason[] Reasons = Enum.GetValues<DropReason>().Where(r => r != DropReason.None).ToArray();
    private static readonly DropReason[] NdpReasons = Reasons.Where(r => r.ToString().StartsWith("Ndp", StringComparison.Ordinal)).ToArray();
    private static readonly TransmitDropReason[] TxReasons = Enum.GetValues<TransmitDropReason>();
    private static readonly (ClientAddressOptionOutcome Outcome, string Label)[] OptionOutcomes =
    [
        (ClientAddressOptionOutcome.Added, "added"), (ClientAddressOptionOutcome.Replaced, "replaced"),
        (ClientAddressOptionOutcome.NoOptionSpace, "no_option_space"), (ClientAddressOptionOutcome.SynPayload, "syn_payload"),
        (ClientAddressOptionOutcome.NoHeadroom, "no_headroom"),
    ];
    private readonly L4Engine _engine;
    private readonly Counter _packets;
    private readonly Counter _bytes;
    private readonly Counter _drops;
    private readonly Counter _newFlows;
    private readonly Counter _clientAddressOptions;
    private readonly Gauge _entries;
    private readonly Gauge _backendFlows;
    private readonly Gauge _capacity;
    private readonly Counter _evictions;
    private readonly Counter _refusals;
    private readonly Counter _restarts;
    private readonly Gauge _natPorts;
    private readonly Counter _arp;
    private readonly Counter _ndp;
    private readonly Counter _ndpDrops;
    private readonly Gauge _ndpUnresolved;
    private readonly Counter _pcapReceived;
    private readonly Counter _pcapDropped;
    private readonly Counter _framesSent;
    private readonly Counter _sendFailures;
    private readonly Counter _oversize;
    private readonly Counter _txDrops;
    private readonly Counter _txFlushes;
    private readonly Counter _workerPackets;
    private readonly Counter _workerBatches;

    /// <summary>Registers the L4 metrics of <paramref name="engine"/> in the instance's registry, read from the engine before every scrape; they live as long as the registry.</summary>
    public static void Register(BalancerMetrics metrics, L4Engine engine)
    {
        var l4 = new L4Metrics(metrics, engine);
        metrics.Registry.AddBeforeCollectCallback(l4.Collect);
    }

    private L4Metrics(BalancerMetrics metrics, L4Engine engine)
    {
        _engine = engine;
        var f = Prometheus.Metrics.WithCustomRegistry(metrics.Registry);
        _packets = f.CreateCounter("lb_l4_packets_total", "Packets forwarded by the L4 engine, by service, backend and direction (to_backend, to_client).", ["service", "backend", "direction"]);
        _bytes = f.CreateCounter("lb_l4_bytes_total", "Bytes (Ethernet frames) forwarded by the L4 engine, by service, backend and direction.", ["service", "backend", "direction"]);
        _drops = f.CreateCounter("lb_l4_drops_total", "Frames the L4 data plane dropped, by reason.", ["reason"]);
        _newFlows = f.CreateCounter("lb_l4_new_flows_total", "Flows the L4 engine started tracking.");
        _clientAddressOptions = f.CreateCounter("lb_l4_client_address_option_total",
            "Client SYNs of full-NAT services with ClientAddressOption, by outcome: added, replaced (the client sent one), or forwarded without it (no_option_space, syn_payload, no_headroom).", ["outcome"]);
        _entries = f.CreateGauge("lb_conntrack_entries", "Flows in the connection table now.");
        _backendFlows = f.CreateGauge("lb_l4_backend_flows", "Active tracked flows per L4 backend (opened, not yet closing, expired or evicted); what leastconn compares.", ["service", "backend"]);
        _capacity = f.CreateGauge("lb_conntrack_capacity", "Most flows the connection table holds.");
        _evictions = f.CreateCounter("lb_conntrack_evictions_total", "Idle flows evicted to make room for new ones.");
        _refusals = f.CreateCounter("lb_conntrack_refusals_total", "New flows refused because the table was full (RefuseNew).");
        _restarts = f.CreateCounter("lb_conntrack_restarts_total", "Tracked flows replaced by a new connection on the same 4-tuple (a SYN after the old one closed, or whose backend takes no new flows), which picks a backend again.");
        _natPorts = f.CreateGauge("lb_fullnat_ports_available", "Free full-NAT source ports per source address.", ["address"]);
        _arp = f.CreateCounter("lb_arp_total", "ARP activity: answered (requests for owned addresses), gratuitous, requests (sent to resolve neighbours), learnt, unresolved.", ["kind"]);
        _ndp = f.CreateCounter("lb_ndp_total",
            "Neighbour discovery activity: answered (solicitations for owned IPv6 addresses), unsolicited (advertisements sent at start), solicitations (sent to resolve neighbours), advertisements (valid ones received), learnt, unresolved.", ["kind"]);
        _ndpDrops = f.CreateCounter("lb_ndp_drops_total", "Neighbour discovery messages dropped, by reason (the Ndp* reasons of lb_l4_drops_total).", ["reason"]);
        _ndpUnresolved = f.CreateGauge("lb_ndp_unresolved_neighbours", "IPv6 backends and gateway without a MAC now (they take no new flows until they answer a solicitation).");
        _pcapReceived = f.CreateCounter("lb_pcap_received_total", "Frames libpcap received on the interface (pcap_stats ps_recv).", ["interface"]);
        _pcapDropped = f.CreateCounter("lb_pcap_dropped_total", "Frames dropped before the engine saw them (pcap_stats ps_drop + ps_ifdrop).", ["interface"]);
        _framesSent = f.CreateCounter("lb_l4_frames_sent_total", "Frames the engine sent on the interface.", ["interface"]);
        _sendFailures = f.CreateCounter("lb_l4_send_failures_total", "Frames the engine failed to send (e.g. larger than the MTU).", ["interface"]);
        _oversize = f.CreateCounter("lb_l4_oversize_frames_total", "Captured frames too large for the engine's buffer.");
        _txDrops = f.CreateCounter("lb_l4_tx_drops_total", "Frames the engine's transmitters did not send, by reason (OverMtu, TxFull, SendError, Stopped); their sum is in lb_l4_send_failures_total.", ["reason"]);
        _txFlushes = f.CreateCounter("lb_l4_tx_flushes_total", "Send syscalls made by the transmitters (frames per syscall = lb_l4_frames_sent_total / this).");
        _workerPackets = f.CreateCounter("lb_l4_worker_packets_total", "Frames each receive worker took from libpcap.", ["worker"]);
        _workerBatches = f.CreateCounter("lb_l4_worker_batches_total", "Non-empty receive batches per worker (mean batch size = lb_l4_worker_packets_total / this).", ["worker"]);
        _capacity.Set(engine.Config.ConnectionTable.Capacity);
    }

    private void Collect()
    {
        var workers = _engine.Workers;
        if (workers.Count == 0)
        {
            return;
        }
        var services = _engine.Names.ServiceNames;
        var maxServices = workers[0].Counters.MaxServices;
        var maxBackends = workers[0].Counters.MaxBackendsPerService;
        for (var s = 0; s < services.Count && s < maxServices; s++)
        {
            var backends = _engine.Names.BackendNames(services[s]);
            for (var b = 0; b < backends.Count && b < maxBackends; b++)
            {
                if (backends[b].Length == 0)
                {
                    continue;
                }
                foreach (var (direction, label) in new[] { (FlowDirection.ToBackend, "to_backend"), (FlowDirection.ToClient, "to_client") })
                {
                    _packets.WithLabels(services[s], backends[b], label).IncTo(workers.Sum(w => w.Counters.GetPackets(s, b, direction)));
                    _bytes.WithLabels(services[s], backends[b], label).IncTo(workers.Sum(w => w.Counters.GetBytes(s, b, direction)));
                }
            }
        }
        foreach (var reason in Reasons)
        {
            _drops.WithLabels(reason.ToString()).IncTo(workers.Sum(w => w.Counters.GetDrops(reason)));
        }
        _newFlows.IncTo(workers.Sum(w => w.Counters.NewFlows));
        foreach (var (outcome, label) in OptionOutcomes)
        {
            _clientAddressOptions.WithLabels(label).IncTo(workers.Sum(w => w.Counters.GetClientAddressOptions(outcome)));
        }
        foreach (var reason in TxReasons)
        {
            _txDrops.WithLabels(reason.ToString()).IncTo(workers.Sum(w => w.Transmitter.Counters.GetDrops(reason)));
        }
        _txFlushes.IncTo(workers.Sum(w => w.Transmitter.Counters.Flushes));
        foreach (var w in workers)
        {
            var label = w.Index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _workerPackets.WithLabels(label).IncTo(w.Packets);
            _workerBatches.WithLabels(label).IncTo(w.Batches);
        }
        foreach (var service in services)
        {
            foreach (var (backend, flows) in _engine.Names.BackendFlows(service))
            {
                _backendFlows.WithLabels(service, backend).Set(flows);
            }
        }
        var table = _engine.Table;
        _entries.Set(table.Count);
        _evictions.IncTo(table.Evictions);
        _refusals.IncTo(table.Refusals);
        _restarts.IncTo(table.Restarts);
        foreach (var address in _engine.Config.Services.Values.SelectMany(x => x.FullNatSources).Distinct())
        {
            _natPorts.WithLabels(Ipv4Address.Format(address)).Set(table.AvailableNatPorts(address));
        }
        var (oversize, answered, gratuitous) = _engine.EngineCounters;
        var (requests, learnt, failures) = _engine.Neighbours.Counters;
        _arp.WithLabels("answered").IncTo(answered);
        _arp.WithLabels("gratuitous").IncTo(gratuitous);
        _arp.WithLabels("requests").IncTo(requests);
        _arp.WithLabels("learnt").IncTo(learnt);
        _arp.WithLabels("unresolved").IncTo(failures);
        _oversize.IncTo(oversize);
        CollectNdp(workers);
        var port = _engine.PortCounters;
        var name = _engine.Interface.Name;
        _pcapReceived.WithLabels(name).IncTo(port.Kernel.Received);
        _pcapDropped.WithLabels(name).IncTo((long)port.Kernel.Dropped + port.Kernel.InterfaceDropped);
        _framesSent.WithLabels(name).IncTo(port.FramesSent);
        _sendFailures.WithLabels(name).IncTo(port.SendFailures);
    }

    private void CollectNdp(IReadOnlyList<L4Worker> workers)
    {
        var (answered, unsolicited, _, advertisements) = _engine.NdpCounters;
        var (solicitations, learnt, failures) = _engine.Neighbours.Counters6;
        _ndp.WithLabels("answered").IncTo(answered);
        _ndp.WithLabels("unsolicited").IncTo(unsolicited);
        _ndp.WithLabels("solicitations").IncTo(solicitations);
        _ndp.WithLabels("advertisements").IncTo(advertisements);
        _ndp.WithLabels("learnt").IncTo(learnt);
        _ndp.WithLabels("unresolved").IncTo(failures);
        foreach (var reason in NdpReasons)
        {
            _ndpDrops.WithLabels(reason.ToString()).IncTo(workers.Sum(w => w.Counters.GetDrops(reason)));
        }
        _ndpUnresolved.Set(_engine.Neighbours.Unresolved6);
    }
}
