using System.Globalization;

namespace LoadBalancer.Health.Probes;

/// <summary>An inclusive range of HTTP status codes, written "200-399" or "204" in config.</summary>
/// <param name="Min">Lowest accepted status.</param>
/// <param name="Max">Highest accepted status.</param>
public readonly record struct StatusCodeRange(int Min, int Max)
{
    /// <summary>True when <paramref name="status"/> lies in the range.</summary>
    public bool Contains(int status) => status >= Min && status <= Max;

    /// <summary>Parses "200-399" or "200"; codes must be 100-599 and Min &lt;= Max.</summary>
    public static bool TryParse(string? text, out StatusCodeRange range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var dash = text.IndexOf('-', StringComparison.Ordinal);
        var minText = dash < 0 ? text : text[..dash];
        var maxText = dash < 0 ? text : text[(dash + 1)..];
        if (!int.TryParse(minText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            || !int.TryParse(maxText.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            || min < 100 || max > 599 || min > max)
        {
            return false;
        }

        range = new StatusCodeRange(min, max);
        return true;
    }

    /// <summary>Formats as "200-399", or "204" for a single code.</summary>
    public override string ToString() => Min == Max
        ? Min.ToString(CultureInfo.InvariantCulture)
        : string.Create(CultureInfo.InvariantCulture, $"{Min}-{Max}");
}
