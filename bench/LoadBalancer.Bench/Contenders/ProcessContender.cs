using LoadBalancer.Bench.Infra;

namespace LoadBalancer.Bench.Contenders;

/// <summary>A contender that is one process (and its children) started in the balancer namespace.</summary>
internal abstract class ProcessContender : Contender
{
    private NsProcess? _process;

    /// <inheritdoc/>
    public override IReadOnlyList<int> Pids => _process is null ? [] : [_process.Pid];

    /// <inheritdoc/>
    public override void Start(BenchLab lab)
    {
        var dir = Dir(lab);
        var args = Prepare(lab, dir);
        _process = NsProcess.Start(lab.Layout.Balancer.Namespace, Name, Path.Combine(dir, "stdout.log"), args);
        try
        {
            WaitServing(lab, _process);
        }
        catch
        {
            Stop(lab);
            throw;
        }
    }

    /// <inheritdoc/>
    public override void Stop(BenchLab lab)
    {
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Writes the config files into <paramref name="dir"/> and returns the command line.</summary>
    protected abstract string[] Prepare(BenchLab lab, string dir);
}
