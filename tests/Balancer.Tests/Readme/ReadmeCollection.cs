namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>
/// The README's blocks use fixed names (the lab <c>lblab</c>, ports 8080 and 9100): every test that runs them is in this
/// collection, which xunit runs alone, one test at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReadmeCollection
{
    /// <summary>The collection name to use in <c>[Collection(...)]</c>.</summary>
    public const string Name = "readme";
}
