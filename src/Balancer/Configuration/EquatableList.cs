namespace LoadBalancer.Balancer.Configuration;

/// <summary>A list compared by its items, so that config records holding one compare by value (a reload that changes nothing is seen as unchanged).</summary>
/// <typeparam name="T">Item type.</typeparam>
public sealed class EquatableList<T> : List<T>, IEquatable<EquatableList<T>>
{
    /// <inheritdoc />
    public bool Equals(EquatableList<T>? other) => other is not null && this.SequenceEqual(other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EquatableList<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in this)
        {
            hash.Add(item);
        }
        return hash.ToHashCode();
    }
}
