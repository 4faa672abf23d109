namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Tests that assert elapsed wall-clock time: they run one at a time, never beside the rest of the suite.</summary>
/// <remarks>
/// A bound is the design time (interval x fall + timeout, and so on) plus <see cref="SlackMs"/> for thread scheduling on a
/// loaded 2-core machine: enough that another build on the machine does not fail the test, small enough that a regression
/// which multiplies the design time still does.
/// </remarks>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WallClockCollection
{
    /// <summary>The collection name to use in <c>[Collection(...)]</c>.</summary>
    public const string Name = "Wall-clock bounds (serial)";

    /// <summary>Scheduling slack added to every design-time bound.</summary>
    public const int SlackMs = 1000;
}
