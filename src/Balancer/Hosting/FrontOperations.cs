using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.L7;
using LoadBalancer.Balancer.L7.AccessLog;
using LoadBalancer.Balancer.L7.RateLimiting;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Transforms;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Wires the access log and the rate limits into the L7 front.</summary>
internal static class FrontOperations
{
    /// <summary>Registers the metrics, client-address resolver, rate limits and (when on somewhere) the access log writer.</summary>
    public static void AddFrontOperations(this IReverseProxyBuilder proxy, BalancerConfig config, BalancerMetrics metrics)
    {
        var services = proxy.Services;
        var ops = new L7OperationsMetrics(metrics);
        var clients = new ClientAddressResolver();
        clients.Apply(config.Balancer.TrustedProxies);
        var limits = new RouteRateLimits(clients, ops);
        limits.Apply(config);
        services.AddSingleton(ops);
        services.AddSingleton(clients);
        services.AddSingleton(limits);
        var log = config.Balancer.AccessLog;
        if (!config.Balancer.Listeners.Any(log.EnabledOn))
        {
            return;
        }
        // Registered by factory so the container disposes it (writing what is queued) when the front stops.
        services.AddSingleton(sp =>
        {
            var writer = new AccessLogWriter(Enum.Parse<AccessLogFormat>(log.Format, ignoreCase: true), log.QueueSize,
                string.Equals(log.Path, "stdout", StringComparison.OrdinalIgnoreCase) ? AccessLogWriter.StandardOutput : AccessLogWriter.FileSink(log.Path),
                ops.AccessLogLines, ops.AccessLogDropped, sp.GetRequiredService<ILoggerFactory>().CreateLogger("LoadBalancer.AccessLog"));
            writer.ReopenOnSignals();
            return writer;
        });
        services.AddSingleton(sp => new AccessLogMiddleware(sp.GetRequiredService<AccessLogWriter>(), clients, config.Balancer.Listeners.All(log.EnabledOn)));
        // Response transforms run once the backend's response headers are in: the time to the backend's first byte.
        // They also run after a failed request, without a response: no backend time then.
        proxy.AddTransforms(t => t.AddResponseTransform(c =>
        {
            if (c.ProxyResponse is not null)
            {
                c.HttpContext.Features.Get<AccessLogScope>()?.MarkBackendHeaders();
            }
            return default;
        }));
    }

    /// <summary>Marks the connections of a listener whose access log is on, when only some listeners log.</summary>
    public static void MarkAccessLog(ListenOptions listen, BalancerConfig config, ListenerConfig listener)
    {
        var log = config.Balancer.AccessLog;
        if (log.EnabledOn(listener) && !config.Balancer.Listeners.All(log.EnabledOn))
        {
            listen.Use(next => connection =>
            {
                connection.Features.Set(AccessLogListenerMark.Instance);
                return next(connection);
            });
        }
    }

    /// <summary>Puts the access log first in the front's pipeline, when it is on.</summary>
    public static void UseAccessLog(this WebApplication app)
    {
        if (app.Services.GetService<AccessLogMiddleware>() is { } log)
        {
            app.Use(log.InvokeAsync);
        }
    }
}

