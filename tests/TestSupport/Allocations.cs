namespace LoadBalancer.TestSupport;

/// <summary>Measures what a piece of code allocates on the calling thread once the runtime has settled.</summary>
/// <remarks>
/// The first rounds of a loop can see one-off allocations that are not the code's. The subject code allocates nothing
/// (a round with a per-call allocation shows 240,000 bytes, every round), yet a single measured round failed in full runs
/// with 4,240 and 8,120 bytes and never in isolation: the measured loops started while their method was still tier-0
/// code, so on-stack replacement and tier-1 promotion happened inside the window, and that JIT work runs on the measuring
/// thread and may load types and allocate their statics, depending on what other tests in the process loaded first.
/// That explanation was not reproduced in isolation (forcing OSR and tiering with DOTNET_ settings kept the test green).
/// Either way such allocations happen once, while an allocation per call happens in every round. So: run rounds until
/// one allocates nothing (bounded), and report every round's bytes when none does.
/// </remarks>
public static class Allocations
{
    /// <summary>Runs <paramref name="round"/> until one run allocates nothing on this thread, at most <paramref name="maxRounds"/> times; returns the bytes of each run.</summary>
    public static IReadOnlyList<long> UntilSteady(Action round, int maxRounds = 8)
    {
        ArgumentNullException.ThrowIfNull(round);
        var perRound = new List<long>(maxRounds);
        for (int i = 0; i < maxRounds; i++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            round();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            perRound.Add(allocated);
            if (allocated == 0)
            {
                break;
            }
        }

        return perRound;
    }

    /// <summary>True when the last round of <see cref="UntilSteady"/> allocated nothing.</summary>
    public static bool Settled(IReadOnlyList<long> perRound) => perRound.Count > 0 && perRound[^1] == 0;

    /// <summary>A message listing each round's bytes, for an assertion.</summary>
    public static string Describe(IReadOnlyList<long> perRound) =>
        $"every round allocated on this thread (bytes per round: {string.Join(", ", perRound)})";
}
