using LoadBalancer.Balancer.Tests.L4;

namespace LoadBalancer.Balancer.Tests.Reliability;

/// <summary>A class fixture holding one DSR lab with a running balancer for every test of a class; built on first use (after the root check), torn down after the class.</summary>
public sealed class SharedLab : IDisposable
{
    private L4Lab? _lab;

    /// <summary>The lab, built and started on the first call.</summary>
    public L4Lab Get(string suffix)
    {
        if (_lab is null)
        {
            var lab = new L4Lab("dsr", suffix: suffix);
            try
            {
                lab.StartBalancer(lab.Config());
            }
            catch
            {
                lab.Dispose();
                throw;
            }
            _lab = lab;
        }
        return _lab;
    }

    /// <inheritdoc />
    public void Dispose() => _lab?.Dispose();
}
