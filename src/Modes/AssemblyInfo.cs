namespace LoadBalancer.Modes;
