using System.Net.Http;
using LoadBalancer.Balancer.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7;

/// <summary>YARP's client factory with the balancer's tuning: trace-header propagation can be switched off, which takes the diagnostics handler out of every proxied request.</summary>
internal sealed class TunedForwarderHttpClientFactory(TuningConfig tuning) : ForwarderHttpClientFactory
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
}
