namespace LoadBalancer.Balancer.Tests.Metrics;

/// <summary>Finds files of the repository (configs/...) from the test's output directory.</summary>
internal static class RepoFiles
{
    /// <summary>The full path of <paramref name="relative"/> under the directory that holds LoadBalancer.sln.</summary>
    public static string Path(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "LoadBalancer.sln")))
            {
                return System.IO.Path.Combine(dir.FullName, relative);
            }
        }

        throw new FileNotFoundException($"no LoadBalancer.sln above {AppContext.BaseDirectory}");
    }
}
