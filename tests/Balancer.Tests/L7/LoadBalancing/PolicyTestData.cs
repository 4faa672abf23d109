using System.Net;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace LoadBalancer.Balancer.Tests.L7.LoadBalancing;

/// <summary>Builds YARP model objects and requests the way the proxy pipeline would hand them to a policy.</summary>
internal static class PolicyTestData
{
    private static readonly HttpMessageInvoker SharedInvoker = new(new SocketsHttpHandler());

    public static DestinationState Destination(string id, int? weight = null)
    {
        var config = new DestinationConfig
        {
            Address = $"http://{id}.test/",
            Metadata = weight is int w ? new Dictionary<string, string> { ["Weight"] = w.ToString(System.Globalization.CultureInfo.InvariantCulture) } : null,
        };
        return new DestinationState(id, new DestinationModel(config));
    }

    public static DestinationState[] Destinations(params int[] weights) =>
        weights.Select((w, i) => Destination($"d{i}", w)).ToArray();

    public static ClusterState Cluster(string? hashKey = null, IReadOnlyList<DestinationState>? all = null)
    {
        var config = new ClusterConfig
        {
            ClusterId = "c1",
            Metadata = hashKey is null ? null : new Dictionary<string, string> { ["HashKey"] = hashKey },
        };
        var cluster = new ClusterState("c1", new ClusterModel(config, SharedInvoker));
        if (all is not null)
        {
            foreach (DestinationState d in all)
            {
                cluster.Destinations[d.DestinationId] = d;
            }

            cluster.DestinationsState = new ClusterDestinationsState(all, all);
        }

        return cluster;
    }

    public static HttpContext Request(IPAddress? ip, string? header = null, string? headerValue = null, string? cookie = null)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = ip;
        if (header is not null)
        {
            context.Request.Headers[header] = headerValue;
        }

        if (cookie is not null)
        {
            context.Request.Headers.Cookie = cookie;
        }

        return context;
    }

    public static IPAddress Ip(int i) => new(new byte[] { 10, (byte)(i >> 16), (byte)(i >> 8), (byte)i });
}
