using System.Security.Cryptography;
using System.Text;
using LoadBalancer.Health;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace LoadBalancer.Balancer.Control;

/// <summary>The admin HTTP API (HAProxy's runtime API is the bar): status, per-backend ready/drain/maint/weight, reload; bearer-token auth when a token is configured.</summary>
public static class AdminApi
{
    /// <summary>Maps the admin endpoints onto the admin app.</summary>
    public static void Map(WebApplication app, IBalancerRuntime runtime, string? token)
    {
        if (!string.IsNullOrEmpty(token))
        {
            var expected = Encoding.UTF8.GetBytes("Bearer " + token);
            app.Use(async (ctx, next) =>
            {
                // The liveness probe and the (data-free) status page shell stay open; everything with data needs the token.
                var path = ctx.Request.Path.Value ?? "/";
                if (path is "/healthz" or "/" || Authorized(ctx, expected))
                {
                    await next(ctx);
                    return;
                }
                ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
                ctx.Response.Headers.WWWAuthenticate = "Bearer";
            });
        }
        app.MapGet("/healthz", () => Results.Text("ok\n"));
        app.MapGet("/", () => Results.Content(StatusPage.Html, "text/html; charset=utf-8"));
        // What the status shows is in force: a health change is published before it reaches YARP and the L4 engine.
        app.MapGet("/api/status", async (CancellationToken ct) =>
        {
            await InForce(runtime, ct);
            return Results.Json(Status(runtime), AdminJsonContext.Default.StatusDocument);
        });
        var backend = app.MapGroup("/api/pools/{pool}/backends/{backend}");
        backend.MapPost("/ready", (string pool, string backend) => SetState(runtime, pool, backend, AdminState.Ready));
        backend.MapPost("/drain", (string pool, string backend) => SetState(runtime, pool, backend, AdminState.Drain));
        backend.MapPost("/maint", (string pool, string backend) => SetState(runtime, pool, backend, AdminState.Maint));
        backend.MapPost("/weight/{weight:int}", async (string pool, string backend, int weight) =>
            weight is < 0 or > L7.LoadBalancing.DestinationWeights.MaxWeight
                ? Results.BadRequest(new AdminError($"weight '{weight}' must be from 0 to {L7.LoadBalancing.DestinationWeights.MaxWeight}"))
                : await SetWeight(runtime, pool, backend, weight));
        backend.MapDelete("/weight", (string pool, string backend) => SetWeight(runtime, pool, backend, null));
        app.MapPost("/api/node/drain", (CancellationToken ct) => SetNode(runtime, draining: true, ct));
        app.MapPost("/api/node/ready", (CancellationToken ct) => SetNode(runtime, draining: false, ct));
        app.MapPost("/api/reload", async () =>
        {
            var result = await runtime.ReloadAsync();
            return result.IsValid
                ? Results.Ok(new ReloadApplied(result.Config!.Source))
                : Results.UnprocessableEntity(new ReloadRefused(result.Errors.Select(e => e.ToString()).ToArray()));
        });
    }

    private static bool Authorized(HttpContext ctx, byte[] expected)
    {
        var header = ctx.Request.Headers.Authorization.ToString();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), expected);
    }

    private static async Task<IResult> SetNode(IBalancerRuntime runtime, bool draining, CancellationToken ct)
    {
        if (runtime.Announcer is not { } announcer)
        {
            return Results.NotFound(new AdminError("this balancer has no L4 services: there is no VIP to announce or withdraw"));
        }
        // Any snapshot published before this call is applied first, so the answer shows the final state.
        await InForce(runtime, ct);
        announcer.SetDraining(draining);
        return Results.Ok(Node(runtime));
    }

    private static NodeStatus? Node(IBalancerRuntime runtime) =>
        runtime.Announcer is { } a
            ? new NodeStatus(a.Draining, a.Status.Select(v => new VipAnnouncementStatus(v.Vip, v.Announced, v.Reason, [.. v.Services])).ToArray())
            : null;

    private static Task<IResult> SetState(IBalancerRuntime runtime, string pool, string backend, AdminState state) =>
        Applied(runtime, pool, backend, runtime.Control.Store.SetAdminState(pool, backend, state));

    private static Task<IResult> SetWeight(IBalancerRuntime runtime, string pool, string backend, int? weight) =>
        Applied(runtime, pool, backend, runtime.Control.Store.SetWeight(pool, backend, weight));

    /// <summary>Answers once the change is in force (the next request or new flow already sees it), so a script can drain and then act.</summary>
    private static async Task<IResult> Applied(IBalancerRuntime runtime, string pool, string backend, bool found)
    {
        if (!found)
        {
            return NotFound(pool, backend);
        }
        await InForce(runtime, CancellationToken.None);
        return Results.Ok(BackendJson(runtime, pool, backend));
    }

    /// <summary>Waits until every snapshot published so far reached the proxy and the L4 engine, at most <see cref="AppliedTimeout"/>.</summary>
    private static async Task InForce(IBalancerRuntime runtime, CancellationToken ct)
    {
        try
        {
            await runtime.Control.ChangesApplied().WaitAsync(AppliedTimeout, ct);
        }
        catch (TimeoutException)
        {
            // The caller answers anyway, with what is there (a listener that slow is a bug to find, not a reason for a 500).
        }
    }

    /// <summary>Longest wait for a change to reach the proxy and the L4 engine before the admin call answers anyway.</summary>
    private static readonly TimeSpan AppliedTimeout = TimeSpan.FromSeconds(5);

    private static IResult NotFound(string pool, string backend) =>
        Results.NotFound(new AdminError($"no backend '{backend}' in pool '{pool}'"));

    private static BackendStatus? BackendJson(IBalancerRuntime runtime, string pool, string backend)
    {
        var status = Status(runtime);
        return status.Pools.FirstOrDefault(p => p.Name == pool)?.Backends.FirstOrDefault(b => b.Id == backend);
    }

    /// <summary>The status document served at /api/status.</summary>
    public static StatusDocument Status(IBalancerRuntime runtime)
    {
        var snapshot = runtime.Control.Store.Current;
        var active = runtime.ActiveRequests();
        var flows = runtime.ActiveFlows();
        var l4 = runtime.Current.L4Settings.Services;
        var traffic = runtime.Traffic;
        var pools = snapshot.Pools.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new PoolStatus(
            p.Key,
            l4.ContainsKey(p.Key) ? "l4" : "l7",
            p.Value.Select(b => new BackendStatus(
                b.BackendId, b.Address, b.Health.ToString(), b.AdminState.ToString(), b.ConfiguredWeight, b.AdminWeight, b.EffectiveWeight,
                b.AcceptsNewFlows, active.GetValueOrDefault((p.Key, b.BackendId)),
                b.LastTransition is { } t ? new TransitionStatus(t.At, t.Reason) : null,
                l4.ContainsKey(p.Key) ? flows.GetValueOrDefault((p.Key, b.BackendId)) : null) { Traffic = traffic?.Backend(p.Key, b.BackendId) }).ToArray())
            { Traffic = traffic?.Pool(p.Key, p.Value.Select(b => b.BackendId)) }).ToArray();
        return new StatusDocument(runtime.Current.Source, snapshot.Version, DateTimeOffset.UtcNow, pools) { Node = Node(runtime) };
    }

    /// <summary>The whole status.</summary>
    public sealed record StatusDocument(string ConfigSource, long SnapshotVersion, DateTimeOffset At, PoolStatus[] Pools)
    {
        /// <summary>The node's drain flag and every VIP's announcement, when the config has L4 services.</summary>
        public NodeStatus? Node { get; init; }
    }

    /// <summary>The node: drained (every VIP withdrawn) or not, and each VIP's announcement.</summary>
    public sealed record NodeStatus(bool Draining, VipAnnouncementStatus[] Vips);

    /// <summary>One VIP: announced or not, and why.</summary>
    public sealed record VipAnnouncementStatus(string Vip, bool Announced, string Reason, string[] Services);

    /// <summary>One pool (an L7 cluster or an L4 service).</summary>
    public sealed record PoolStatus(string Name, string Kind, BackendStatus[] Backends)
    {
        /// <summary>The pool's traffic (all its backends), or null when not sampled.</summary>
        public Traffic.TrafficStatus? Traffic { get; init; }
    }

    /// <summary>One backend as the admin sees it.</summary>
    public sealed record BackendStatus(string Id, string Address, string Health, string Admin, int ConfiguredWeight, int? AdminWeight,
        int EffectiveWeight, bool AcceptsNew, int Active, TransitionStatus? LastTransition, int? Flows = null)
    {
        /// <summary>The backend's traffic, or null when not sampled.</summary>
        public Traffic.TrafficStatus? Traffic { get; init; }
    }

    /// <summary>The last health transition and why.</summary>
    public sealed record TransitionStatus(DateTimeOffset At, string Reason);

    /// <summary>The body of a refused admin call.</summary>
    public sealed record AdminError(string Error);

    /// <summary>The answer to a reload that was applied.</summary>
    public sealed record ReloadApplied(string Source)
    {
        /// <summary>Always true; first in the answer, as scripts read it.</summary>
        [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
        public bool Applied => true;
    }

    /// <summary>The answer to a reload that was refused: every error, each naming its key and value.</summary>
    public sealed record ReloadRefused(string[] Errors)
    {
        /// <summary>Always false; first in the answer, as scripts read it.</summary>
        [System.Text.Json.Serialization.JsonPropertyOrder(-1)]
        public bool Applied => false;
    }
}

/// <summary>Compile-time JSON metadata for every admin answer (the web defaults: camelCase), so the Native AOT build serves them too.</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.StatusDocument))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.NodeStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.BackendStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.AdminError))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.ReloadApplied))]
[System.Text.Json.Serialization.JsonSerializable(typeof(AdminApi.ReloadRefused))]
internal sealed partial class AdminJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
