namespace LoadBalancer.TestSupport;

/// <summary>Starts blocking work (a child process waited for, a send loop) on a thread of its own.</summary>
/// <remarks>
/// <c>Task.Run</c> puts such work on the thread pool. The pool starts with one thread per core and adds more only about
/// once a second while they are all blocked. On a 2-core machine, four downloads started with <c>Task.Run</c> began
/// about a second apart: the first had 6.7 MB when the last had 1 MB. A test that needs them under way together
/// then depends on how busy the machine is.
/// </remarks>
public static class Blocking
{
    /// <summary>Runs <paramref name="work"/> on a dedicated thread and returns its result.</summary>
    public static Task<T> Start<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Runs <paramref name="work"/> on a dedicated thread.</summary>
    public static Task Start(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
