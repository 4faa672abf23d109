using System.CommandLine;
using LoadBalancer.Bench;

var root = new RootCommand("LoadBalancer end-to-end benchmark harness (run as root; everything happens inside network namespaces it creates)");
root.Subcommands.Add(E2eCommand.Create());
return root.Parse(args).Invoke();
