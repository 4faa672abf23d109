using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.ClientAddress;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Prometheus;

namespace LoadBalancer.Balancer.L7.ClientAddress;

/// <summary>
/// Kestrel connection middleware for <c>ClientAddressFrom: tcp-option</c>: reads the SYN the kernel saved for the
/// accepted socket (the listen socket has TCP_SAVE_SYN) and, when a trusted peer's SYN carries the client-address
/// option, makes that client the connection's remote endpoint, exactly as a PROXY header does, so X-Forwarded-For,
/// client-IP hashing, the access log and the metrics see it. Nothing is read from the stream; no connection is closed.
/// </summary>
internal sealed class TcpOptionClientAddressMiddleware(IPNetwork[] trusted, Counter.Child[] results)
{
    private const int IpProtoTcp = 6;
    private const int TcpSavedSyn = 28;

    // IPv6 header (40) + largest TCP header (60), with room to spare: a smaller buffer makes getsockopt fail with ENOBUFS.
    private const int SavedSynBufferLength = 256;

    /// <summary>The middleware for <c>ListenOptions.Use</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection =>
    {
        var result = Resolve(connection);
        results[(int)result].Inc();
        return next(connection);
    };

    private ClientAddressOptionResult Resolve(ConnectionContext connection)
    {
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        if (socket is null || connection.RemoteEndPoint is not IPEndPoint peer)
        {
            return ClientAddressOptionResult.NoSavedSyn;
        }
        Span<byte> syn = stackalloc byte[SavedSynBufferLength];
        int length;
        try
        {
            length = socket.GetRawSocketOption(IpProtoTcp, TcpSavedSyn, syn);
        }
        catch (SocketException)
        {
            return ClientAddressOptionResult.NoSavedSyn;
        }
        if (length <= 0)
        {
            return ClientAddressOptionResult.NoSavedSyn;
        }
        switch (ClientAddressOptionParser.TryParse(syn[..length], out var address, out var port))
        {
            case ClientAddressParseStatus.Absent:
                return ClientAddressOptionResult.Absent;
            case ClientAddressParseStatus.Malformed:
                return ClientAddressOptionResult.Malformed;
        }
        if (!IsTrusted(peer.Address))
        {
            return ClientAddressOptionResult.Untrusted;
        }
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, address);
        connection.RemoteEndPoint = new IPEndPoint(new IPAddress(bytes), port);
        return ClientAddressOptionResult.Applied;
    }

    private bool IsTrusted(IPAddress address) => TrustedNetworks.Contain(trusted, address);
}
