using System.Net;
using System.Net.Http;
using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L7.ProxyProtocol;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7;

/// <summary>YARP's client factory with the balancer's tuning: trace-header propagation can be switched off, which takes the diagnostics handler out of every proxied request.</summary>
internal sealed class TunedForwarderHttpClientFactory(TuningConfig tuning, IHttpContextAccessor? accessor = null) : ForwarderHttpClientFactory
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (!tuning.PropagateTraceHeaders)
        {
            handler.ActivityHeadersPropagator = null;
        }
        handler.PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2);
    }

    /// <summary>YARP reuses a cluster's client when its HttpClient config is unchanged; a changed PROXY protocol setting needs a new one too.</summary>
    protected override bool CanReuseOldClient(ForwarderHttpClientContext context) =>
        base.CanReuseOldClient(context) && SendVersion(context.OldMetadata) == SendVersion(context.NewMetadata);

    /// <summary>A cluster with <c>Metadata:ProxyProtocol</c> gets a handler that keeps one backend pool per client connection.</summary>
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler)
    {
        if (SendVersion(context.NewMetadata) is not (> 0 and var version) || accessor is null || handler is not SocketsHttpHandler template)
        {
            return handler;
        }
        var propagator = template.ActivityHeadersPropagator;
        template.Dispose();
        return new ProxyProtocolForwarderHandler(version, () =>
        {
            // The same start as YARP's own CreateClient, then the same configuration.
            var h = new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                ActivityHeadersPropagator = propagator,
            };
            ConfigureHandler(context, h);
            return h;
        }, accessor);
    }

    private static int SendVersion(IReadOnlyDictionary<string, string>? metadata) =>
        metadata?.TryGetValue(ProxyProtocolSettings.ClusterMetadataKey, out var v) == true && ProxyProtocolSettings.TryParseSendVersion(v, out var version) ? version : 0;
}
