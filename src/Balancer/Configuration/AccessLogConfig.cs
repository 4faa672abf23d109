namespace LoadBalancer.Balancer.Configuration;

/// <summary>The access log of the L7 front (the <c>Balancer:AccessLog</c> section): one line per request, written off the request path.</summary>
public sealed record AccessLogConfig
{
    /// <summary>Whether requests are logged; a listener's <see cref="ListenerConfig.AccessLog"/> overrides it.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>json</c> (JSON lines), <c>combined</c> or <c>common</c> (the Apache/nginx formats).</summary>
    public string Format { get; set; } = "json";

    /// <summary><c>stdout</c>, or a file (relative to the config file) that is appended to and reopened on SIGHUP and SIGUSR1.</summary>
    public string Path { get; set; } = "stdout";

    /// <summary>Lines waiting for the writer; when the queue is full new lines are dropped and counted.</summary>
    public int QueueSize { get; set; } = 8192;

    /// <summary>Whether requests on <paramref name="listener"/> are logged: its own setting, else <see cref="Enabled"/>.</summary>
    internal bool EnabledOn(ListenerConfig listener) => listener.AccessLog ?? Enabled;
}
