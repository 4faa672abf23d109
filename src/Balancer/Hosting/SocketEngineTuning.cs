using LoadBalancer.Balancer.Configuration;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>
/// Process-wide socket settings that .NET reads once, when the first socket is created: they are applied by
/// <c>balancer run</c> after the config is loaded and before anything opens a socket.
/// </summary>
/// <remarks>
/// With <see cref="TuningConfig.InlineSocketCompletions"/> the continuations of the backend-side sockets (the forwarder's
/// SocketsHttpHandler, health probes) also run on the socket engine's threads, as Kestrel's do with
/// UnsafePreferInlineScheduling: a proxied request then needs no thread-pool hop on either side. On 2 cores the
/// hops, not our code, were the largest cost per request (perf: context switches and wake-ups, bench/RESULTS.md).
/// The engine then runs one event thread per core.
/// </remarks>
internal static class SocketEngineTuning
{
    /// <summary>The runtime's switch for inline completions of every socket (read once per process).</summary>
    internal const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Applies the tuning; returns what was done, for the start-up log.</summary>
    public static string Apply(TuningConfig tuning)
    {
        ArgumentNullException.ThrowIfNull(tuning);
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is { Length: > 0 } set)
        {
            return $"socket completions: {InlineCompletionsVariable}={set} from the environment (Tuning:InlineSocketCompletions not applied to backend sockets)";
        }

        if (!tuning.InlineSocketCompletions)
        {
            return "socket completions: on the thread pool (Tuning:InlineSocketCompletions is false)";
        }

        Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        return "socket completions: inline on the socket engine's threads, client and backend side (Tuning:InlineSocketCompletions)";
    }
}
