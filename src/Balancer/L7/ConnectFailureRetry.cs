using System.Net.Http;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.L7;

/// <summary>Proxy-pipeline step (before load balancing): an idempotent request without a body whose connection to the chosen destination could not be made is sent again to another available destination.</summary>
/// <remarks>A refused or failed connect means the backend never saw the request, so a retry cannot run it twice.</remarks>
internal sealed class ConnectFailureRetry(int retries)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next) =>
        retries <= 0 || !IsRetryable(context.Request) ? next(context) : WithRetriesAsync(context, next);

    private async Task WithRetriesAsync(HttpContext context, RequestDelegate next)
    {
        var proxy = context.GetReverseProxyFeature();
        var remaining = proxy.AvailableDestinations;
        for (var attempt = 0; ; attempt++)
        {
            await next(context);
            var error = context.Features.Get<IForwarderErrorFeature>();
            if (error is null || attempt >= retries || context.Response.HasStarted || !IsConnectFailure(error)
                || proxy.ProxiedDestination is not { } failed)
            {
                return;
            }
            remaining = remaining.Where(d => d != failed).ToList();
            if (remaining.Count == 0)
            {
                return;
            }
            // Undo what the failed attempt set, then let load balancing choose among the others.
            context.Features.Set<IForwarderErrorFeature>(null);
            context.Response.Clear();
            proxy.AvailableDestinations = remaining;
            proxy.ProxiedDestination = null;
        }
    }

    private static bool IsRetryable(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method)
            || HttpMethods.IsDelete(request.Method) || HttpMethods.IsTrace(request.Method))
        && request.ContentLength is null or 0 && !request.Headers.TransferEncoding.Any();

    internal static bool IsConnectFailure(IForwarderErrorFeature error) =>
        error.Error == ForwarderError.Request && error.Exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError };
}
