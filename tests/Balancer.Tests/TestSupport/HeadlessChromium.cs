using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using LoadBalancer.Balancer.Tools;

namespace LoadBalancer.Balancer.Tests.TestSupport;

/// <summary>Runs Debian's headless Chromium once per page load (dump the DOM or take a screenshot); loopback URLs only, bounded in time, a fresh profile each run.</summary>
public sealed class HeadlessChromium
{
    /// <summary>Where Debian's `chromium` package puts the launcher.</summary>
    public const string DefaultPath = "/usr/bin/chromium";

    private HeadlessChromium(string path)
    {
        ExecutablePath = path;
    }

    /// <summary>The launcher this instance runs.</summary>
    public string ExecutablePath { get; }

    /// <summary>Why Chromium cannot be used here, or null when it can.</summary>
    public static string? MissingReason =>
        File.Exists(DefaultPath) ? null : $"needs Chromium at {DefaultPath} (apt-get install -y --no-install-recommends chromium)";

    /// <summary>Skips the calling test with a clear reason when Chromium is not installed, else returns a runner.</summary>
    public static HeadlessChromium RequireOrSkip()
    {
        var reason = MissingReason;
        Skip.If(reason is not null, reason);
        return new HeadlessChromium(DefaultPath);
    }

    /// <summary>Loads the page, lets its timers and fetches run for <paramref name="virtualTime"/> of virtual time, and returns the serialized DOM.</summary>
    public async Task<string> DumpDomAsync(string url, TimeSpan virtualTime, TimeSpan timeout)
    {
        var result = await RunAsync(url, ["--dump-dom", VirtualTimeArg(virtualTime)], timeout);
        if (result.ExitCode != 0 || result.Stdout.Length == 0)
        {
            throw new InvalidOperationException($"chromium --dump-dom exited {result.ExitCode} with {result.Stdout.Length} chars of output; stderr tail:\n{Tail(result.Stderr)}");
        }
        return result.Stdout;
    }

    /// <summary>Loads the page, lets it run for <paramref name="virtualTime"/> of virtual time, and writes a PNG screenshot of the window to <paramref name="pngPath"/>.</summary>
    public async Task ScreenshotAsync(string url, string pngPath, TimeSpan virtualTime, TimeSpan timeout, int width = 1200, int height = 800)
    {
        var full = Path.GetFullPath(pngPath);
        File.Delete(full);
        var result = await RunAsync(url,
            ["--screenshot=" + full, "--window-size=" + width.ToString(CultureInfo.InvariantCulture) + "," + height.ToString(CultureInfo.InvariantCulture),
             "--hide-scrollbars", VirtualTimeArg(virtualTime)],
            timeout);
        if (result.ExitCode != 0 || !File.Exists(full))
        {
            throw new InvalidOperationException($"chromium --screenshot exited {result.ExitCode}, file written: {File.Exists(full)}; stderr tail:\n{Tail(result.Stderr)}");
        }
    }

    private static string VirtualTimeArg(TimeSpan t) =>
        "--virtual-time-budget=" + ((long)t.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);

    private async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string url, string[] modeArgs, TimeSpan timeout)
    {
        RequireLoopback(url);
        var profile = Directory.CreateTempSubdirectory("lbtest-chromium-");
        try
        {
            string[] args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--disable-extensions", "--mute-audio", "--no-default-browser-check",
                // Belt and braces for "loopback only": every other host, IP literals included, fails to resolve, so even a
                // background request Chromium makes on its own cannot leave the machine.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*, EXCLUDE [::1], EXCLUDE ::1",
                "--user-data-dir=" + profile.FullName,
                .. modeArgs,
                url,
            ];
            // Chromium's caches and crash dumps go to the throw-away profile, not the user's home.
            var environment = new Dictionary<string, string>
            {
                ["HOME"] = profile.FullName, ["XDG_CONFIG_HOME"] = profile.FullName, ["XDG_CACHE_HOME"] = profile.FullName,
            };
            // On timeout the runner kills the process tree: the launcher execs the browser, so its renderer and zygote go too.
            var result = await ProcessRunner.RunAsync(ExecutablePath, args, timeout, environment: environment);
            if (result.TimedOut)
            {
                throw new TimeoutException($"chromium did not finish within {timeout} for {url}. stderr tail:\n{Tail(result.StdErr)}");
            }
            return (result.ExitCode, result.StdOut, result.StdErr);
        }
        finally
        {
            DeleteQuietly(profile.FullName);
        }
    }

    /// <summary>Throws unless <paramref name="url"/> is an http(s) URL on a loopback address or localhost.</summary>
    internal static void RequireLoopback(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var loopback = uri.Scheme is "http" or "https"
            && (uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip)));
        if (!loopback)
        {
            throw new ArgumentException($"HeadlessChromium only loads loopback http(s) URLs, not '{url}'", nameof(url));
        }
    }

    private static void DeleteQuietly(string dir)
    {
        // Chromium's last helper processes may still hold files for a moment after the browser exits.
        for (var attempt = 0; attempt < 5; attempt++)
        {
            try
            {
                Directory.Delete(dir, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100);
            }
            catch (UnauthorizedAccessException)
            {
                Thread.Sleep(100);
            }
        }
    }

    private static string Tail(string text, int lines = 15) =>
        string.Join('\n', text.Split('\n').TakeLast(lines));
}
