using System.Buffers;
using System.Net;
using LoadBalancer.Modes.ProxyProtocol;

namespace LoadBalancer.Modes.Tests.Fuzz;

/// <summary>
/// Fuzz target `proxy`: the bytes a client sends first, through the PROXY header parser for every listener setting,
/// whole and split over two segments. A crash is an exception, or a result that breaks the parser's contract: a
/// length outside the input, a v1 header over 107 bytes, an error on success or none on failure, a different result
/// for the split input, or a parsed address that does not survive the writer and the parser again.
/// </summary>
public static class ProxyHeaderHarness
{
    private static readonly ProxyProtocolVersions[] Settings = [ProxyProtocolVersions.V1, ProxyProtocolVersions.V2, ProxyProtocolVersions.Any];

    /// <summary>Runs one input; returns the outcome for <see cref="ProxyProtocolVersions.Any"/> (for the replay tally).</summary>
    public static string Run(byte[] data)
    {
        string outcome = "";
        foreach (var allowed in Settings)
        {
            var status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(data), allowed, out var header, out var error);
            Check(data, status, header, error);
            int cut = data.Length == 0 ? 0 : data[^1] % (data.Length + 1);
            var splitStatus = ProxyHeaderParser.TryParse(Split(data, cut), allowed, out var splitHeader, out var splitError);
            if (splitStatus != status || splitHeader != header || splitError != error)
            {
                throw new HarnessFailureException($"split at {cut}: {splitStatus}/{splitError} vs {status}/{error}");
            }
            if (status == ProxyParseStatus.Complete && header.Source is { } source && header.Destination is { } destination)
            {
                RoundTrip(header.Version, source, destination);
            }
            outcome = status == ProxyParseStatus.Invalid ? $"Invalid/{error}" : status == ProxyParseStatus.Complete ? $"Complete/v{header.Version}{(header.Source is null ? "/local" : "")}" : "Incomplete";
        }
        return outcome;
    }

    private static void Check(byte[] data, ProxyParseStatus status, ProxyHeader header, ProxyHeaderError error)
    {
        bool ok = status switch
        {
            ProxyParseStatus.Complete => error == ProxyHeaderError.None && header.Length > 0 && header.Length <= data.Length
                && header.Version is 1 or 2 && (header.Version == 2 || header.Length <= ProxyHeaderParser.V1MaxLength)
                && (header.Version == 1 || header.Length >= 16) && (header.Source is null) == (header.Destination is null),
            ProxyParseStatus.Invalid => error != ProxyHeaderError.None && header == default,
            ProxyParseStatus.Incomplete => error == ProxyHeaderError.None && header == default,
            _ => false,
        };
        if (!ok)
        {
            throw new HarnessFailureException($"{status}/{error} with length {header.Length} v{header.Version} for {data.Length} bytes");
        }
    }

    private static void RoundTrip(int version, IPEndPoint source, IPEndPoint destination)
    {
        byte[] buffer = new byte[ProxyHeaderWriter.MaxLength];
        int n = ProxyHeaderWriter.Write(buffer, version, source, destination);
        var status = ProxyHeaderParser.TryParse(new ReadOnlySequence<byte>(buffer, 0, n), ProxyProtocolVersions.Any, out var again, out var error);
        if (status != ProxyParseStatus.Complete || again.Length != n || again.Source is null
            || !again.Source.Address.Equals(Unmap(source.Address)) || again.Source.Port != source.Port
            || !again.Destination!.Address.Equals(Unmap(destination.Address)) || again.Destination.Port != destination.Port)
        {
            // Mixed families are written as UNKNOWN/AF_UNSPEC: the only allowed difference is no address at all.
            if (!(status == ProxyParseStatus.Complete && again.Source is null && Unmap(source.Address).AddressFamily != Unmap(destination.Address).AddressFamily))
            {
                throw new HarnessFailureException($"round trip of {source} -> {destination} v{version}: {status}/{error} {again.Source} -> {again.Destination}");
            }
        }
    }

    /// <summary>The contract check alone, for the test that shows it can fail.</summary>
    internal static void RunChecked(byte[] data, ProxyParseStatus status, ProxyHeader header) => Check(data, status, header, ProxyHeaderError.None);

    private static IPAddress Unmap(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    private static ReadOnlySequence<byte> Split(byte[] data, int cut)
    {
        if (cut <= 0 || cut >= data.Length)
        {
            return new ReadOnlySequence<byte>(data);
        }
        var first = new Segment(data.AsMemory(0, cut), 0);
        var last = new Segment(data.AsMemory(cut), cut);
        first.SetNext(last);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
