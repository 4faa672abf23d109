using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.Readme;

/// <summary>A namespace of these tests' own, <c>lbrd{pid}{suffix}</c>, with lo up; deleted on dispose.</summary>
public sealed class ReadmeNamespace : IDisposable
{
    private ReadmeNamespace(string name) => Name = name;

    /// <summary>The namespace name.</summary>
    public string Name { get; }

    /// <summary>Creates the namespace (replacing a stale one of the same name, which can only be this process's).</summary>
    public static ReadmeNamespace Create(string suffix)
    {
        var name = $"lbrd{Environment.ProcessId}{suffix}";
        ProcessRunner.Run("ip", ["netns", "del", name]);
        ProcessRunner.RunChecked("ip", "netns", "add", name);
        ProcessRunner.RunChecked("ip", "-n", name, "link", "set", "lo", "up");
        return new ReadmeNamespace(name);
    }

    /// <inheritdoc />
    public void Dispose() => ProcessRunner.Run("ip", ["netns", "del", Name]);
}
