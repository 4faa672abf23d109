using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LoadBalancer.Balancer.Tests.NetNs;
using LoadBalancer.Balancer.Tests.Reliability;
using LoadBalancer.TestSupport;
using Xunit.Abstractions;

namespace LoadBalancer.Balancer.Tests.L4;

/// <summary>Per-backend flow counts and least-connections through a real `balancer run` in namespaces.</summary>
[Collection(NetNsCollection.Name)]
public sealed class L4FlowCountTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    [SkippableFact]
    public void LeastConn_OpenDrainClose_CountsInStatusAndMetricsFollowTheFlows()
    {
        Skip.IfNot(NetworkNamespace.IsRoot, "needs root: creates network namespaces and runs the L4 engine on raw sockets");
        using var lab = new L4Lab("nat", prefix: "lbtp", suffix: "fc");
        lab.StartBalancer(lab.Config(shapeService: s => s["Selector"] = "leastconn"));
        Poll.Until(() => Flows(lab).Count == 2, Deadline, "both backends listed with flow counts");

        var open = new List<(Socket Socket, string Backend)>();
        try
        {
            // Ten keep-alive connections opened one after another: leastconn alternates, 5 and 5.
            for (var i = 0; i < 10; i++)
            {
                open.Add(OpenAndAsk(lab));
            }
            Poll.Until(() => Flows(lab) is { } f && f["b1"] == 5 && f["b2"] == 5, Deadline, "5 flows on each backend in admin status");
            Assert.Equal(5, open.Count(o => o.Backend == "b1"));
            Poll.Until(() => MetricFlows(lab) is { } m && m.GetValueOrDefault("b1") == 5 && m.GetValueOrDefault("b2") == 5, Deadline, "lb_l4_backend_flows 5 and 5");

            // Drain b1: new flows go to b2 only, b1 keeps its five until they close.
            Assert.Contains("\"admin\":\"Drain\"", lab.Admin("POST", "/api/pools/web/backends/b1/drain"));
            for (var i = 0; i < 4; i++)
            {
                open.Add(OpenAndAsk(lab));
            }
            Assert.All(open.Skip(10), o => Assert.Equal("b2", o.Backend));
            Poll.Until(() => Flows(lab) is { } f && f["b1"] == 5 && f["b2"] == 9, Deadline, "b1 5 (draining), b2 9");

            foreach (var (socket, _) in open.Where(o => o.Backend == "b1"))
            {
                socket.Shutdown(SocketShutdown.Both);
                socket.Close();
            }
            Poll.Until(() => Flows(lab) is { } f && f["b1"] == 0 && f["b2"] == 9, Deadline, "b1 empty after its clients closed");
            output.WriteLine("drained b1 emptied: " + lab.Admin("GET", "/api/status"));
            Assert.Contains("lb_l4_backend_flows{service=\"web\",backend=\"b1\"} 0", lab.Admin("GET", "/metrics"));
        }
        finally
        {
            foreach (var (socket, _) in open)
            {
                socket.Dispose();
            }
        }
        Poll.Until(() => Flows(lab) is { } f && f["b1"] == 0 && f["b2"] == 0, Deadline, "all flows closed");
        Poll.Until(() => MetricFlows(lab) is { } m && m.GetValueOrDefault("b1") == 0 && m.GetValueOrDefault("b2") == 0, Deadline, "metrics back to 0");
    }

    /// <summary>Connects from the client namespace to the VIP, sends one keep-alive request and returns the socket (left open) with the backend that answered.</summary>
    private static (Socket, string) OpenAndAsk(L4Lab lab)
    {
        var socket = NsHttp.NewTcpSocket(lab.Client);
        socket.ReceiveTimeout = 10_000;
        socket.Connect(new IPEndPoint(IPAddress.Parse(L4Lab.Vip), 8080));
        socket.Send(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: {L4Lab.Vip}\r\n\r\n"));
        var buffer = new byte[4096];
        var text = "";
        while (!Regex.IsMatch(text, @"\r\n\r\n[\s\S]*b\d"))
        {
            var n = socket.Receive(buffer);
            Assert.True(n > 0, "connection closed before the answer: " + text);
            text += Encoding.ASCII.GetString(buffer, 0, n);
        }
        return (socket, Regex.Match(text, @"\r\n\r\n[\s\S]*?(b\d)").Groups[1].Value);
    }

    /// <summary>The "flows" of every backend of the L4 service "web" in the admin status.</summary>
    private static Dictionary<string, int> Flows(L4Lab lab)
    {
        var status = JsonNode.Parse(lab.Admin("GET", "/api/status"))!;
        var pool = status["pools"]!.AsArray().Single(p => (string?)p!["name"] == "web")!;
        return pool["backends"]!.AsArray()
            .Where(b => b!["flows"] is not null)
            .ToDictionary(b => (string)b!["id"]!, b => (int)b!["flows"]!);
    }

    private static Dictionary<string, int> MetricFlows(L4Lab lab) =>
        Regex.Matches(lab.Admin("GET", "/metrics"), @"^lb_l4_backend_flows\{service=""web"",backend=""(\w+)""\} (\d+)", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
}
