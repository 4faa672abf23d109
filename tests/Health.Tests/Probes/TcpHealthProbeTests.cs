using System.Net;
using System.Net.Sockets;
using LoadBalancer.Health.Probes;

namespace LoadBalancer.Health.Tests.Probes;

public sealed class TcpHealthProbeTests
{
    private readonly TcpHealthProbe _probe = new();

    [Fact]
    public async Task Probe_Listening_Ok()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();

        var result = await ProbeAsync((IPEndPoint)listener.LocalEndpoint, TimeSpan.FromSeconds(5));

        Assert.True(result.Success, result.ToString());
        Assert.Equal(ProbeReason.Ok, result.Reason);
    }

    [Fact]
    public async Task Probe_ClosedPort_Refused()
    {
        var result = await ProbeAsync(new IPEndPoint(IPAddress.Loopback, TestServer.ClosedPort()), TimeSpan.FromSeconds(5));

        Assert.Equal(ProbeReason.Refused, result.Reason);
        Assert.Equal("connection refused", result.Detail);
    }

    [Fact]
    public async Task Probe_AcceptQueueFull_Timeout()
    {
        // A listener that never accepts, with a full accept queue: Linux drops further SYNs, so connect hangs like a dead host.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = new List<Socket>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                fillers.Add(filler);
                _ = filler.ConnectAsync(endPoint).ContinueWith(static t => t.Exception, TaskScheduler.Default);
            }

            await Task.Delay(100);
            var result = await ProbeAsync(endPoint, TimeSpan.FromMilliseconds(300));

            Assert.Equal(ProbeReason.Timeout, result.Reason);
            Assert.False(result.Success);
        }
        finally
        {
            fillers.ForEach(s => s.Dispose());
        }
    }

    private async Task<ProbeResult> ProbeAsync(IPEndPoint endPoint, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await _probe.ProbeAsync(new ProbeTarget("web", "b1", endPoint, HttpProbeSettings.Default), cts.Token);
    }
}
