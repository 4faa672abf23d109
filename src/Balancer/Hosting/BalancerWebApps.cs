using LoadBalancer.Balancer.Configuration;
using LoadBalancer.Balancer.Control;
using LoadBalancer.Balancer.L7;
using LoadBalancer.Balancer.L7.ClientAddress;
using LoadBalancer.Balancer.L7.FastPath;
using LoadBalancer.Balancer.L7.ProxyProtocol;
using LoadBalancer.Balancer.L7.RateLimiting;
using LoadBalancer.Balancer.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Yarp.ReverseProxy;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>Builds the two Kestrel applications of a balancer: the L7 front (YARP) and the admin endpoint.</summary>
internal static class BalancerWebApps
{
    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.ToList();

    private static WebApplicationBuilder NewBuilder(BalancerHostOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, NullHostLifetime>();
        builder.Logging.ClearProviders();
        if (options.ConfigureLogging is { } configure)
        {
            configure(builder.Logging);
        }
        // With this category enabled at any level, ASP.NET Core starts an Activity and a logging scope for every
        // request, and the forwarder then adds a client Activity and trace headers: a large share of a proxied
        // request's cost. Request logging belongs in metrics here.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        return builder;
    }

    public static WebApplication BuildFront(BalancerConfig config, BalancerHostOptions options, BalancerMetrics metrics, BackendControl control,
        ListenerCertificates certificates)
    {
        var builder = NewBuilder(options);
        var limits = config.Balancer.Limits;
        var proxyProtocolMetrics = new ProxyProtocolMetrics(metrics);
        var clientAddressMetrics = new ClientAddressOptionMetrics(metrics);
        var drain = new ConnectionDrain();
        UseReusePort(builder, TcpOptionClientAddressFront.SaveSynEndpoints(config.Balancer.Listeners));
        builder.Services.AddSingleton(drain);
        var fastPath = Http1FastPath.Register(builder.Services, config, drain, metrics);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = limits.MaxRequestBodySize;
            k.Limits.RequestHeadersTimeout = limits.RequestHeadersTimeout;
            k.Limits.KeepAliveTimeout = limits.KeepAliveTimeout;
            k.Limits.MaxConcurrentConnections = limits.MaxConcurrentConnections;
            for (var index = 0; index < config.Balancer.Listeners.Count; index++)
            {
                var listener = config.Balancer.Listeners[index];
                var certificateOptions = certificates.Options(index);
                ListenerUrl.TryParse(listener.Url, out var url, out _);
                k.Listen(url.Address, url.Port, o =>
                {
                    o.Use(drain.Track);
                    o.Protocols = listener.Protocols is { } p ? Enum.Parse<HttpProtocols>(p, ignoreCase: true)
                        : url.IsHttps ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1;
                    TcpOptionClientAddressFront.Use(o, listener, clientAddressMetrics);
                    ProxyProtocolFront.Use(o, listener, limits.RequestHeadersTimeout, proxyProtocolMetrics);
                    FrontOperations.MarkAccessLog(o, config, listener);
                    fastPath?.UseOn(o, listener, url.IsHttps, config.Balancer.AccessLog.EnabledOn(listener));
                    if (url.IsHttps && listener.Certificate is not null)
                    {
                        // Read on every handshake, so a reloaded certificate is used for new connections.
                        o.UseHttps(certificateOptions);
                    }
                });
            }
        });
        builder.Services.AddSingleton(metrics);
        builder.Services.AddSingleton(control);
        builder.Services.AddSingleton<L7Metrics>();
        builder.Services.AddSingleton<Control.Traffic.TrafficRecorder>();
        builder.Services.AddRequestTimeouts();
        builder.Services.AddBalancerProxy().AddFrontOperations(config, metrics);
        builder.Services.AddSingleton(config.Balancer.Tuning);
        builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, TunedForwarderHttpClientFactory>();
        // Clusters that send PROXY headers keep one backend pool per client connection, found through the request.
        builder.Services.AddHttpContextAccessor();
        if (config.Balancer.Tuning.InlineSocketCompletions)
        {
            builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        }
        fastPath?.AddTransport(builder.Services);
        // Affinity cookies are protected with keys that live as long as the process (documented in the README).
        builder.Services.AddDataProtection().UseEphemeralDataProtectionProvider();
        var app = builder.Build();
        fastPath?.Attach(app.Services);
        app.UseAccessLog();
        app.Use(drain.CloseWhenDrainingAsync);
        app.UseRequestTimeouts();
        var l7Metrics = app.Services.GetRequiredService<L7Metrics>();
        var retry = new ConnectFailureRetry(config.Balancer.Limits.ConnectRetries);
        var traffic = app.Services.GetRequiredService<Control.Traffic.TrafficRecorder>();
        app.MapReverseProxy(proxy =>
        {
            // The (context, RequestDelegate) form: the (context, Func<Task>) one allocates a closure per step per request.
            var limits = app.Services.GetRequiredService<RouteRateLimits>();
            proxy.Use((RequestDelegate next) => context => l7Metrics.RecordAsync(context, next));
            proxy.Use((RequestDelegate next) => context => limits.InvokeAsync(context, next));
            proxy.Use((RequestDelegate next) => context => RequestTimeoutAs504(context, next));
            proxy.Use((RequestDelegate next) => context => retry.InvokeAsync(context, next));
            proxy.Use((RequestDelegate next) => context => traffic.RecordAsync(context, next));
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return app;
    }

    /// <summary>YARP reports a request cut off by a route's Timeout as a client cancel (400); the client deserves 504.</summary>
    /// <remarks>Only a request with a timeout (the feature is there) pays for an awaiting step.</remarks>
    private static Task RequestTimeoutAs504(HttpContext context, RequestDelegate next) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature>() is { } timeout
            ? Within(context, next, timeout)
            : next(context);

    private static async Task Within(HttpContext context, RequestDelegate next, Microsoft.AspNetCore.Http.Timeouts.IHttpRequestTimeoutFeature timeout)
    {
        await next(context);
        if (timeout.RequestTimeoutToken.IsCancellationRequested && !context.Response.HasStarted)
        {
            context.Response.StatusCode = StatusCodes.Status504GatewayTimeout;
        }
    }

    public static WebApplication BuildAdmin(BalancerConfig config, BalancerHostOptions options, BalancerMetrics metrics, IBalancerRuntime runtime)
    {
        var builder = NewBuilder(options);
        UseReusePort(builder);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));
        ListenerUrl.TryParse(config.Balancer.Admin.Url, out var url, out _);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(url.Address, url.Port);
        });
        var app = builder.Build();
        AdminApi.Map(app, runtime, config.Balancer.Admin.Token);
        app.MapMetrics("/metrics", metrics.Registry);
        return app;
    }

    /// <summary>Listen sockets with SO_REUSEPORT (see <see cref="ReusePortListeners"/>), kept in the app's services so the host can close them first at shutdown.</summary>
    private static void UseReusePort(WebApplicationBuilder builder, IReadOnlyCollection<System.Net.IPEndPoint>? saveSyn = null)
    {
        var listeners = new ReusePortListeners(saveSyn ?? []);
        builder.Services.AddSingleton(listeners);
        builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = listeners.CreateBoundListenSocket);
    }
}
