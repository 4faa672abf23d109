namespace LoadBalancer.Bench.Workloads;

/// <summary>One bounded traffic pattern.</summary>
/// <param name="Id">Short id used in files and --workloads.</param>
/// <param name="Title">Heading in the report.</param>
/// <param name="Unit">Unit of the primary value.</param>
/// <param name="Kind">What generates it.</param>
/// <param name="Connections">wrk connections (HTTP kinds).</param>
/// <param name="Path">Request path (HTTP kinds).</param>
/// <param name="Close">Send `Connection: close` (a new connection per request).</param>
internal sealed record Workload(string Id, string Title, string Unit, WorkloadKind Kind, int Connections = 0, string Path = "", bool Close = false)
{
    /// <summary>Workloads the contenders added by --series run (the others only for contenders named in --contenders).</summary>
    public static readonly IReadOnlySet<string> SeriesIds = new HashSet<string> { "ka64", "close", "1mb", "udp-zl", "cold", "overload" };

    /// <summary>Whether contenders added by --series run it.</summary>
    public bool InSeries => SeriesIds.Contains(Id);

    /// <summary>Whether it sends UDP (and so applies only to contenders that carry UDP).</summary>
    public bool IsUdp => Kind is WorkloadKind.Udp or WorkloadKind.UdpZeroLoss or WorkloadKind.ColdStart;

    /// <summary>Every workload, in run order (overload last: a flood leaves half-open state behind).</summary>
    public static readonly IReadOnlyList<Workload> All =
    [
        new("warm", "Warm-up: keep-alive small requests, 64 connections, one-second slices from the moment a fresh start answers", "s to 90% of steady", WorkloadKind.WarmUp, 64, "/small"),
        new("ka64", "Keep-alive small requests, 64 connections", "req/s", WorkloadKind.Http, 64, "/small"),
        new("ka256", "Keep-alive small requests, 256 connections", "req/s", WorkloadKind.Http, 256, "/small"),
        new("close", "New connection per request (Connection: close), 32 connections", "conn/s", WorkloadKind.Http, 32, "/small", Close: true),
        new("1mb", "1 MiB downloads, 8 keep-alive connections", "MB/s", WorkloadKind.Http, 8, "/1mb.bin"),
        new("udp", "64-byte UDP frames (22-byte payload), 16 flows, one sender", "pps", WorkloadKind.Udp),
        new("udp-zl", "64-byte UDP zero-loss throughput (RFC 2544 style, binary search)", "pps", WorkloadKind.UdpZeroLoss),
        new("cold", "Cold start: 64-byte UDP at a fixed rate from the moment a fresh start answers", "% lost in the 1st second", WorkloadKind.ColdStart),
        new("overload", "Overload: spoofed SYN flood while a real client connects and two downloads run", "% of the client's requests ok", WorkloadKind.Overload),
    ];
}
