using LoadBalancer.Balancer.L4.Interop;

namespace LoadBalancer.Bench.Infra;

/// <summary>Runs code on a thread that has joined a named network namespace (sockets it opens live there).</summary>
internal static class NetNs
{
    /// <summary>Runs <paramref name="action"/> on a fresh thread inside namespace <paramref name="ns"/> and returns its result.</summary>
    public static T Run<T>(string ns, Func<T> action)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(ns);
                result = action();
            }
            catch (Exception ex)
            {
                error = ex;
            }
        })
        { IsBackground = true, Name = $"netns {ns}" };
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            throw new InvalidOperationException($"in namespace {ns}: {error.Message}", error);
        }

        return result;
    }

    /// <summary>Moves the calling thread into namespace <paramref name="ns"/>; the thread should end afterwards.</summary>
    public static void Enter(string ns)
    {
        using var handle = File.OpenHandle($"/var/run/netns/{ns}");
        if (Libc.SetNs((int)handle.DangerousGetHandle(), Libc.CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns({ns}) failed: {Libc.LastErrorText()}");
        }
    }
}
