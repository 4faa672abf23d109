using System.Diagnostics;

namespace LoadBalancer.TestSupport;

/// <summary>Waits for a condition with a deadline instead of a fixed sleep, so a test is as fast as the machine allows and still bounded.</summary>
public static class Poll
{
    /// <summary>How often a condition is checked.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
        => await UntilAsync(() => Task.FromResult(condition()), timeout, what);

    /// <summary>Polls an asynchronous <paramref name="condition"/> until it holds; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        if (!await TryUntilAsync(condition, timeout))
        {
            throw new TimeoutException($"{what}: not reached within {timeout.TotalMilliseconds:0} ms");
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it held.</summary>
    public static async Task<bool> TryUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (await condition())
            {
                return true;
            }

            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>Blocking poll until <paramref name="condition"/> holds or <paramref name="timeout"/> passes; returns whether it held (the caller's assertions then say what is missing).</summary>
    public static bool TryUntil(Func<bool> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(Interval);
        }

        return true;
    }

    /// <summary>Blocking form of <see cref="UntilAsync(Func{bool}, TimeSpan, string)"/> for synchronous tests.</summary>
    public static void Until(Func<bool> condition, TimeSpan timeout, string what)
    {
        if (!TryUntil(condition, timeout))
        {
            throw new TimeoutException($"{what}: not reached within {timeout.TotalMilliseconds:0} ms");
        }
    }
}
