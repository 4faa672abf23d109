using System.Text;
using Spectre.Console;

namespace LoadBalancer.Bench.Infra;

/// <summary>A TextWriter that prints whole lines through Spectre.Console (so they render above a live progress bar).</summary>
internal sealed class SpectreLog : TextWriter
{
    private readonly StringBuilder _line = new();

    /// <inheritdoc/>
    public override Encoding Encoding => Encoding.UTF8;

    /// <inheritdoc/>
    public override void Write(char value)
    {
        if (value == '\n')
        {
            AnsiConsole.MarkupLineInterpolated($"[grey]{_line.ToString()}[/]");
            _line.Clear();
        }
        else if (value != '\r')
        {
            _line.Append(value);
        }
    }
}
