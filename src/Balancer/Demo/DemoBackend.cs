using System.Net;
using LoadBalancer.Balancer.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LoadBalancer.Balancer.Demo;

/// <summary>A small in-process web server that answers with its own name: the demo's backends and the tests' real backends.</summary>
/// <remarks>
/// Paths: <c>/</c> and anything else answers "NAME\n" with header X-Backend: NAME; <c>/health</c> answers "ok";
/// <c>/bytes/N</c> streams N bytes (<c>?rate=B</c>: paced at B bytes/s); <c>/delay/MS</c> answers after MS milliseconds; <c>/echo</c> returns the request body and headers as X-Echo-*.
/// </remarks>
public sealed class DemoBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private DemoBackend(string name, WebApplication app)
    {
        Name = name;
        _app = app;
    }

    /// <summary>The name this backend answers with.</summary>
    public string Name { get; }

    /// <summary>The URL it actually listens on (with the real port when 0 was asked).</summary>
    public string Url { get; private set; } = "";

    /// <summary>Requests served so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a backend on the given loopback URL (port 0 picks a free one).</summary>
    public static async Task<DemoBackend> StartAsync(string name, string url = "http://127.0.0.1:0", CancellationToken ct = default)
    {
        if (!ListenerUrl.TryParse(url, out var parsed, out var error))
        {
            throw new ArgumentException($"{url} {error}", nameof(url));
        }
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, Hosting.NullHostLifetime>();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            k.Listen(parsed.Address, parsed.Port, o => o.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1AndHttp2);
        });
        var app = builder.Build();
        var backend = new DemoBackend(name, app);
        app.Use(async (ctx, next) =>
        {
            Interlocked.Increment(ref backend._requests);
            ctx.Response.Headers["X-Backend"] = name;
            await next(ctx);
        });
        app.MapGet("/health", () => "ok");
        app.MapGet("/bytes/{n:long}", SendBytesAsync);
        app.MapGet("/delay/{ms:int}", async (int ms, HttpContext ctx) =>
        {
            await Task.Delay(ms, ctx.RequestAborted);
            return Results.Text($"{name}\n");
        });
        app.Map("/echo", async (HttpContext ctx) =>
        {
            foreach (var (key, value) in ctx.Request.Headers)
            {
                ctx.Response.Headers[$"X-Echo-{key}"] = value;
            }
            ctx.Response.Headers["X-Echo-Protocol"] = ctx.Request.Protocol;
            await ctx.Request.Body.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
        });
        app.MapFallback(() => Results.Text($"{name}\n"));
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext ctx) => await EchoWebSocketAsync(name, ctx));
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        backend.Url = address.Replace("[::]", IPAddress.Loopback.ToString(), StringComparison.Ordinal);
        return backend;
    }

    /// <summary>/bytes/N: N bytes of a fixed pattern, paced at <paramref name="rate"/> bytes/s when given.</summary>
    private static async Task SendBytesAsync(long n, long? rate, HttpContext ctx)
    {
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = n;
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)(i * 31 + 7);
        }
        // ?rate=B paces the body at B bytes/s from the server side (a steady stream, unlike a client that reads in bursts).
        var paced = rate is > 0;
        var piece = paced ? 16 * 1024 : chunk.Length;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (long sent = 0; sent < n;)
        {
            var offset = (int)(sent % chunk.Length);
            var count = (int)Math.Min(Math.Min(piece, chunk.Length - offset), n - sent);
            await ctx.Response.Body.WriteAsync(chunk.AsMemory(offset, count), ctx.RequestAborted);
            sent += count;
            if (paced)
            {
                var ahead = TimeSpan.FromSeconds((double)sent / rate!.Value) - clock.Elapsed;
                if (ahead > TimeSpan.Zero)
                {
                    await Task.Delay(ahead, ctx.RequestAborted);
                }
            }
        }
    }

    /// <summary>/ws: echoes each WebSocket message prefixed with the backend's name.</summary>
    private static async Task<IResult> EchoWebSocketAsync(string name, HttpContext ctx)
    {
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            return Results.BadRequest();
        }
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var r = await ws.ReceiveAsync(buffer, ctx.RequestAborted);
            if (r.MessageType == System.Net.WebSockets.WebSocketMessageType.Close)
            {
                await ws.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, ctx.RequestAborted);
                return Results.Empty;
            }
            var prefix = System.Text.Encoding.UTF8.GetBytes($"{name}:");
            await ws.SendAsync(prefix.Concat(buffer.Take(r.Count)).ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, ctx.RequestAborted);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}
