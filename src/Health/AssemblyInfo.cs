namespace LoadBalancer.Health;
