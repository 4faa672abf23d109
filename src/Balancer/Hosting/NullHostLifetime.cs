using Microsoft.Extensions.Hosting;

namespace LoadBalancer.Balancer.Hosting;

/// <summary>A host lifetime that ignores console signals: the balancer's command decides when and in which order its web applications stop.</summary>
internal sealed class NullHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
