namespace LoadBalancer.Balancer.Lab;

/// <summary>The tiny web server each lab backend runs: busybox httpd if present, else python3's http.server.</summary>
/// <param name="Name">Which server this is, for status output.</param>
/// <param name="CommandWord">A word of its command line, used to recognise its process.</param>
/// <param name="Arguments">Builds the command line from (address, port, web root).</param>
/// <remarks>
/// The lab binds the servers to <see cref="AllAddresses"/>: in DSR and tunnel mode the packets reach the backend with
/// the VIP as destination (the VIP sits on its <c>lo</c>), so a server bound to the backend's own address refuses them.
/// </remarks>
public sealed record LabWebServer(string Name, string CommandWord, Func<string, int, string, IReadOnlyList<string>> Arguments)
{
    /// <summary>The address the lab's web servers bind: every IPv4 address of the backend, the VIP included.</summary>
    public const string AllAddresses = "0.0.0.0";

    /// <summary>The address the servers bind when the lab has IPv6: every IPv6 address and, dual-stack, every IPv4 one.</summary>
    public const string AllAddresses6 = "::";

    /// <summary>What to tell the user when no server is installed.</summary>
    public const string MissingMessage = "no web server for the lab backends: install busybox (apt-get install -y busybox)";

    /// <summary>Finds an installed server, preferring busybox (one small static binary, no runtime).</summary>
    public static LabWebServer? Detect() =>
        FindOnPath("busybox") is { } busybox ? Busybox(busybox)
        : FindOnPath("python3") is { } python ? Python(python)
        : null;

    /// <summary>busybox httpd at <paramref name="busybox"/>, in the foreground.</summary>
    public static LabWebServer Busybox(string busybox) => new("busybox httpd", "httpd", (address, port, root) =>
        [busybox, "httpd", "-f", "-p", address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}", "-h", root]);

    /// <summary>python3's http.server at <paramref name="python"/>.</summary>
    public static LabWebServer Python(string python) => new("python3 http.server", "http.server", (address, port, root) =>
        [python, "-m", "http.server", "--bind", address, port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--directory", root]);

    /// <summary>Returns the full path of an executable found on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }
}
