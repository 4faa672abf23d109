using System.Diagnostics;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>A bounded steady load of new-connection GETs through the VIP from a lab namespace, recording when each ended and how.</summary>
internal sealed class LoadRecorder
{
    private readonly List<Attempt> _attempts = [];

    /// <summary>One request: when it started and ended (since the shared clock's start), which backend answered, or why it failed.</summary>
    public sealed record Attempt(TimeSpan At, TimeSpan End, string? Backend, string? Error)
    {
        /// <summary>True when a backend answered with a success status.</summary>
        public bool Ok => Error is null;
    }

    /// <summary>Every attempt so far, in start order per worker.</summary>
    public IReadOnlyList<Attempt> Attempts
    {
        get
        {
            lock (_attempts)
            {
                return _attempts.OrderBy(a => a.At).ToList();
            }
        }
    }

    /// <summary>Runs <paramref name="workers"/> loops, each one GET every <paramref name="pause"/>, until <paramref name="duration"/> has passed on <paramref name="clock"/> or <paramref name="stop"/> fires.</summary>
    public Task RunAsync(string ns, string url, Stopwatch clock, TimeSpan duration, TimeSpan pause, int workers = 1, TimeSpan? timeout = null, CancellationToken stop = default)
    {
        var client = NsHttp.Client(ns, timeout ?? TimeSpan.FromSeconds(2));
        var end = clock.Elapsed + duration;
        var loops = Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < end && !stop.IsCancellationRequested)
            {
                var at = clock.Elapsed;
                var (backend, error) = await NsHttp.GetNewConnectionAsync(client, url);
                lock (_attempts)
                {
                    _attempts.Add(new Attempt(at, clock.Elapsed, backend, error));
                }
                await Task.Delay(pause, CancellationToken.None);
            }
        }));
        return Task.WhenAll(loops).ContinueWith(t =>
        {
            client.Dispose();
            t.GetAwaiter().GetResult();
        }, TaskScheduler.Default);
    }

    /// <summary>Counts by outcome: backend name, or "FAIL".</summary>
    public static string Summary(IEnumerable<Attempt> attempts) =>
        string.Join(", ", attempts.GroupBy(a => a.Backend ?? "FAIL").OrderBy(g => g.Key).Select(g => $"{g.Key}={g.Count()}"));
}
