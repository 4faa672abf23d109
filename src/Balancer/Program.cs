using LoadBalancer.Balancer.Cli;

return await BalancerCli.InvokeAsync(args);
