namespace LoadBalancer.Balancer.Cli;

/// <summary>Process exit codes of every command.</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Bad input: invalid config, bad arguments, a check that found problems.</summary>
    public const int BadInput = 1;

    /// <summary>Runtime failure: a port in use, a missing privilege, an I/O error.</summary>
    public const int RuntimeFailure = 2;
}
