using System.Text;

namespace LoadBalancer.Modes.Tests.TestSupport;

/// <summary>Formats the first difference between two byte arrays with some context, for golden-fixture failures.</summary>
internal static class HexDiff
{
    public static string? Describe(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        int n = Math.Min(expected.Length, actual.Length);
        int first = -1;
        for (int i = 0; i < n; i++)
        {
            if (expected[i] != actual[i])
            {
                first = i;
                break;
            }
        }

        if (first < 0 && expected.Length == actual.Length)
        {
            return null;
        }

        if (first < 0)
        {
            first = n;
        }

        var sb = new StringBuilder();
        sb.Append("first difference at offset ").Append(first)
          .Append(" (expected length ").Append(expected.Length).Append(", actual ").Append(actual.Length).AppendLine(")");
        int from = Math.Max(0, first - 8);
        sb.Append("expected: ").AppendLine(Convert.ToHexString(expected[from..Math.Min(expected.Length, first + 16)]));
        sb.Append("actual:   ").AppendLine(Convert.ToHexString(actual[from..Math.Min(actual.Length, first + 16)]));
        sb.Append("(dumps start at offset ").Append(from).AppendLine(")");
        sb.Append("expected full: ").AppendLine(Convert.ToHexString(expected));
        sb.Append("actual full:   ").Append(Convert.ToHexString(actual));
        return sb.ToString();
    }
}
