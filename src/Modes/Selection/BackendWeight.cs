namespace LoadBalancer.Modes.Selection;

/// <summary>One backend as a selector sees it: a stable key (its identity for hashing) and its weight (0 = takes no new flows).</summary>
/// <param name="Key">Stable identity of the backend, e.g. "10.0.0.2:80"; hashing uses it so the list order does not matter.</param>
/// <param name="Weight">Relative weight; 0 means no new flows.</param>
public readonly record struct BackendWeight(string Key, int Weight);
