using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LoadBalancer.Balancer.L7.FastPath;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace LoadBalancer.Balancer.Tests.L7.FastPath;

/// <summary>The fast path's own socket input and output (<see cref="SocketInput"/>, <see cref="SocketOutput"/>) and the hand-over wrapper, over real loopback sockets.</summary>
public sealed class OwnSocketsPipeTests
{
    private static async Task<(Socket Client, Socket Server)> PairAsync()
    {
        using var listen = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listen.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listen.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(listen.LocalEndPoint!);
        return (client, await listen.AcceptAsync());
    }

    private static async Task<ReadResult> ReadWithinAsync(PipeReader reader)
    {
        var read = reader.ReadAsync().AsTask();
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
        return await read;
    }

    private static string Text(in ReadOnlySequence<byte> buffer) => Encoding.ASCII.GetString(buffer.ToArray());

    [Fact]
    public async Task FirstRead_OnlyPeeks_SoAConnectionLeftUnconsumedStillHasEveryByteInTheSocket()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var input = new SocketInput(server);
        await client.SendAsync("GET / HTTP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);

        var result = await ReadWithinAsync(input);
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Text(result.Buffer));
        input.AdvanceTo(result.Buffer.Start);

        Assert.True(input.Untouched);
        var again = new byte[64];
        var n = server.Receive(again);
        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(again, 0, n));
    }

    [Fact]
    public async Task ConsumingTheFirstRequest_TakesItFromTheSocket_AndTheNextReadGetsWhatFollows()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var input = new SocketInput(server);
        await client.SendAsync("one|"u8.ToArray(), SocketFlags.None);

        var first = await ReadWithinAsync(input);
        Assert.Equal("one|", Text(first.Buffer));
        input.AdvanceTo(first.Buffer.GetPosition(2), first.Buffer.End);
        Assert.False(input.Untouched);

        await client.SendAsync("two"u8.ToArray(), SocketFlags.None);
        var second = await ReadWithinAsync(input);
        Assert.Equal("e|two", Text(second.Buffer));
        Assert.Equal("e|two", Encoding.ASCII.GetString(input.Unconsumed()));

        client.Shutdown(SocketShutdown.Send);
        input.AdvanceTo(second.Buffer.End);
        var end = await ReadWithinAsync(input);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
    }

    [Fact]
    public async Task AHeadInPieces_IsReadWhole_AfterThePeekedPartIsTaken()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var input = new SocketInput(server);
        await client.SendAsync("GET / HT"u8.ToArray(), SocketFlags.None);
        var part = await ReadWithinAsync(input);
        Assert.Equal("GET / HT", Text(part.Buffer));
        input.AdvanceTo(part.Buffer.Start, part.Buffer.End);

        var next = input.ReadAsync();
        Assert.False(next.IsCompleted);
        await client.SendAsync("TP/1.1\r\n\r\n"u8.ToArray(), SocketFlags.None);
        var whole = await next.AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("GET / HTTP/1.1\r\n\r\n", Text(whole.Buffer));
        Assert.False(input.Untouched);
        Assert.Equal(0, server.Available);
    }

    [Fact]
    public async Task CancelPendingRead_EndsAWaitingRead_AndDataThatComesLaterIsNotLost()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var input = new SocketInput(server);
        await client.SendAsync("a"u8.ToArray(), SocketFlags.None);
        var first = await ReadWithinAsync(input);
        input.AdvanceTo(first.Buffer.End);

        var waiting = input.ReadAsync();
        Assert.False(waiting.IsCompleted);
        input.CancelPendingRead();
        var canceled = await waiting.AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(canceled.IsCanceled);
        input.AdvanceTo(canceled.Buffer.Start, canceled.Buffer.End);

        // Cancelled before the read: the next read returns at once, cancelled.
        input.CancelPendingRead();
        var early = await ReadWithinAsync(input);
        Assert.True(early.IsCanceled);
        input.AdvanceTo(early.Buffer.Start, early.Buffer.End);

        await client.SendAsync("bc"u8.ToArray(), SocketFlags.None);
        var data = await ReadWithinAsync(input);
        Assert.False(data.IsCanceled);
        Assert.Equal("bc", Text(data.Buffer));
    }

    [Fact]
    public async Task UnconsumedBytes_GrowTheBuffer_UpToTheLimit_ThenTheInputEnds()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var input = new SocketInput(server);
        var sending = Task.Run(() =>
        {
            try
            {
                client.Send(new byte[SocketInput.MaxBuffered + 65536]);
            }
            catch (SocketException)
            {
                // The server side closed.
            }
        });
        ReadResult result;
        do
        {
            result = await ReadWithinAsync(input);
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        while (!result.IsCompleted);

        Assert.Equal(SocketInput.MaxBuffered, result.Buffer.Length);
        server.Dispose();
        await sending.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Output_SendsEveryByteInOrder_WhileThePeerReadsSlowly_AndReportsAClosedPeer()
    {
        var (client, server) = await PairAsync();
        using var _c = client;
        using var _s = server;
        using var output = new SocketOutput(server);
        const int Total = 4 * 1024 * 1024;
        var received = new List<byte>(Total);
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[7000];
            while (received.Count < Total)
            {
                var n = await client.ReceiveAsync(buffer, SocketFlags.None);
                Assert.True(n > 0);
                received.AddRange(buffer.AsSpan(0, n));
                if (received.Count % 5 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });

        for (var sent = 0; sent < Total;)
        {
            var span = output.GetSpan(1);
            var n = Math.Min(Math.Min(span.Length, 10_000), Total - sent);
            for (var i = 0; i < n; i++)
            {
                span[i] = (byte)((sent + i) % 251);
            }
            output.Advance(n);
            sent += n;
            if (sent % 3 == 0 || sent == Total)
            {
                Assert.False((await output.FlushAsync()).IsCompleted);
            }
        }
        await reading.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(received.Select((b, i) => b == (byte)(i % 251)).All(x => x));

        client.Dispose();
        var closed = false;
        for (var i = 0; i < 50 && !closed; i++)
        {
            output.Write(new byte[65536]);
            closed = (await output.FlushAsync()).IsCompleted;
        }
        Assert.True(closed);
    }

    [Fact]
    public async Task HandedOverConnection_GivesTheTakenBytesFirst_ThenTheSocketsOwn()
    {
        var inner = new Pipe();
        var output = new Pipe();
        await using var connection = new HandedOverConnection(new PipeConnection(new DuplexPipe(inner.Reader, output.Writer)), "GET /2 HT"u8);
        await inner.Writer.WriteAsync("TP/1.1\r\n\r\n"u8.ToArray());
        await inner.Writer.CompleteAsync();

        var all = new List<byte>();
        while (true)
        {
            var r = await ReadWithinAsync(connection.Transport.Input);
            all.AddRange(r.Buffer.ToArray());
            connection.Transport.Input.AdvanceTo(r.Buffer.End);
            if (r.IsCompleted)
            {
                break;
            }
        }
        Assert.Equal("GET /2 HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(all.ToArray()));
        Assert.Same(output.Writer, connection.Transport.Output);
    }

    [Fact]
    public async Task HandedOverConnection_Dispose_EndsItsPump_WhileTheClientSendsNothing()
    {
        var inner = new Pipe();
        var output = new Pipe();
        var connection = new HandedOverConnection(new PipeConnection(new DuplexPipe(inner.Reader, output.Writer)), "x"u8);

        await connection.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    private sealed class PipeConnection(IDuplexPipe transport) : ConnectionContext
    {
        public override IDuplexPipe Transport { get; set; } = transport;
        public override string ConnectionId { get; set; } = "test";
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
    }
}
