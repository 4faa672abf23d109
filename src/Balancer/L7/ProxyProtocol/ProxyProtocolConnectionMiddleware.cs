using System.Net;
using LoadBalancer.Balancer.Metrics;
using LoadBalancer.Modes.ProxyProtocol;
using Microsoft.AspNetCore.Connections;
using Prometheus;

namespace LoadBalancer.Balancer.L7.ProxyProtocol;

/// <summary>
/// Kestrel connection middleware, first on a listener (before TLS and HTTP): reads the PROXY header and makes the
/// client it names the connection's remote endpoint, so X-Forwarded-For, consistent hashing on the client IP and the
/// metrics see the real client. A connection from an untrusted source, or with a bad, incomplete or late header, is
/// closed and counted.
/// </summary>
internal sealed class ProxyProtocolConnectionMiddleware(ProxyProtocolVersions versions, IPNetwork[] trusted, TimeSpan timeout, Counter.Child[] rejected)
{
    /// <summary>The middleware for <c>ListenOptions.Use</c>.</summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => OnConnectionAsync(connection, next);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (connection.RemoteEndPoint is not IPEndPoint remote || !IsTrusted(remote.Address))
        {
            Reject(ProxyProtocolRejectReason.Untrusted);
            return;
        }
        var header = await ReadHeaderAsync(connection);
        if (header is not { } h)
        {
            return;
        }
        if (h.Source is not null)
        {
            connection.RemoteEndPoint = h.Source;
            connection.LocalEndPoint = h.Destination;
        }
        await next(connection);
    }

    private bool IsTrusted(IPAddress address) => TrustedNetworks.Contain(trusted, address);

    /// <summary>Reads until a whole header is there; consumes exactly its bytes, so what follows stays in the pipe for TLS or HTTP.</summary>
    private async Task<ProxyHeader?> ReadHeaderAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return Reject(ProxyProtocolRejectReason.Timeout);
            }
            var buffer = result.Buffer;
            switch (ProxyHeaderParser.TryParse(buffer, versions, out var header, out var error))
            {
                case ProxyParseStatus.Complete:
                    // Examined only up to the header: the bytes after it are new to the next reader.
                    input.AdvanceTo(buffer.GetPosition(header.Length));
                    return header;
                case ProxyParseStatus.Invalid:
                    input.AdvanceTo(buffer.Start);
                    return Reject(error switch
                    {
                        ProxyHeaderError.BadSignature => ProxyProtocolRejectReason.BadSignature,
                        ProxyHeaderError.VersionNotAllowed => ProxyProtocolRejectReason.Version,
                        ProxyHeaderError.TooLong => ProxyProtocolRejectReason.TooLong,
                        _ => ProxyProtocolRejectReason.Malformed,
                    });
                default:
                    input.AdvanceTo(buffer.Start, buffer.End);
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        return Reject(ProxyProtocolRejectReason.Closed);
                    }
                    break;
            }
        }
    }

    private ProxyHeader? Reject(ProxyProtocolRejectReason reason)
    {
        rejected[(int)reason].Inc();
        return null;
    }
}
