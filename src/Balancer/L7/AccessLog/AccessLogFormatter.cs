using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Yarp.ReverseProxy.Forwarder;

namespace LoadBalancer.Balancer.L7.AccessLog;

/// <summary>Formats entries into UTF-8 lines on the writer task; one instance reuses one <see cref="Utf8JsonWriter"/>.</summary>
public sealed class AccessLogFormatter
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly AccessLogFormat _format;
    private readonly Utf8JsonWriter _json = new(Stream.Null, JsonOptions);

    /// <summary>Creates a formatter for one format.</summary>
    public AccessLogFormatter(AccessLogFormat format) => _format = format;

    /// <summary>Appends one line (with its newline) to <paramref name="output"/>.</summary>
    public void Write(in AccessLogEntry e, IBufferWriter<byte> output)
    {
        if (_format == AccessLogFormat.Json)
        {
            WriteJson(e, output);
        }
        else
        {
            WriteCommon(e, output, _format == AccessLogFormat.Combined);
        }
        output.GetSpan(1)[0] = (byte)'\n';
        output.Advance(1);
    }

    private void WriteJson(in AccessLogEntry e, IBufferWriter<byte> output)
    {
        var w = _json;
        w.Reset(output);
        w.WriteStartObject();
        w.WriteString("time", e.Time);
        Span<char> client = stackalloc char[64];
        w.WriteString("client", client[..FormatClient(e, client)]);
        w.WriteString("method", e.Method);
        w.WriteString("host", e.Host);
        w.WriteString("path", e.Path);
        w.WriteString("query", e.Query);
        w.WriteString("protocol", e.Protocol);
        w.WriteNumber("status", e.Status);
        w.WriteNumber("bytes_in", e.BytesIn);
        w.WriteNumber("bytes_out", e.BytesOut);
        w.WriteNumber("duration_ms", Math.Round(e.Duration * 1000, 3));
        if (e.BackendTime >= 0)
        {
            w.WriteNumber("backend_ms", Math.Round(e.BackendTime * 1000, 3));
        }
        else
        {
            w.WriteNull("backend_ms");
        }
        w.WriteString("route", e.Route);
        w.WriteString("cluster", e.Cluster);
        w.WriteString("destination", e.Destination);
        if (e.Error != ForwarderError.None)
        {
            w.WriteString("error", ErrorName(e.Error));
        }
        else
        {
            w.WriteNull("error");
        }
        w.WriteEndObject();
        w.Flush();
    }

    private static void WriteCommon(in AccessLogEntry e, IBufferWriter<byte> output, bool combined)
    {
        // 1.2.3.4 - - [02/Dec/2026:10:00:00 +0000] "GET /x?y HTTP/1.1" 200 123 "referer" "agent"
        Span<char> text = stackalloc char[64];
        Ascii(output, text[..FormatClient(e, text)]);
        Ascii(output, " - - [");
        e.Time.TryFormat(text, out var n, "dd/MMM/yyyy:HH:mm:ss", CultureInfo.InvariantCulture);
        Ascii(output, text[..n]);
        Ascii(output, " +0000] \"");
        Quoted(output, e.Method);
        Ascii(output, " ");
        Quoted(output, e.Path);
        Quoted(output, e.Query);
        Ascii(output, " ");
        Quoted(output, e.Protocol);
        Ascii(output, "\" ");
        e.Status.TryFormat(text, out n, provider: CultureInfo.InvariantCulture);
        Ascii(output, text[..n]);
        Ascii(output, " ");
        if (e.BytesOut == 0)
        {
            Ascii(output, "-");
        }
        else
        {
            e.BytesOut.TryFormat(text, out n, provider: CultureInfo.InvariantCulture);
            Ascii(output, text[..n]);
        }
        if (combined)
        {
            Ascii(output, " \"");
            Quoted(output, e.Referer ?? "-");
            Ascii(output, "\" \"");
            Quoted(output, e.UserAgent ?? "-");
            Ascii(output, "\"");
        }
    }

    /// <summary>Writes the client address into <paramref name="dest"/>: X-Forwarded-For's first address from a trusted peer, else the peer.</summary>
    private static int FormatClient(in AccessLogEntry e, Span<char> dest)
    {
        IPAddress? address = null;
        if (e.ForwardedFor is { } xff && IPAddress.TryParse(L7.ClientAddressResolver.FirstForwarded(xff), out var forwarded))
        {
            address = forwarded;
        }
        address ??= e.Peer;
        if (address is null)
        {
            dest[0] = '-';
            return 1;
        }
        if (!address.TryFormat(dest, out var written))
        {
            return 0;
        }
        // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d; log a.b.c.d (cut from the text: MapToIPv4 allocates).
        const string mapped = "::ffff:";
        if (address.IsIPv4MappedToIPv6 && dest[..written].StartsWith(mapped, StringComparison.OrdinalIgnoreCase))
        {
            dest[mapped.Length..written].CopyTo(dest);
            written -= mapped.Length;
        }
        return written;
    }

    private static void Ascii(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        var span = output.GetSpan(text.Length);
        var n = Encoding.ASCII.GetBytes(text, span);
        output.Advance(n);
    }

    /// <summary>Writes a value for a quoted field: quotes, backslashes and control or non-ASCII bytes as <c>\xHH</c> (as nginx does), so a line always splits back into its fields.</summary>
    private static void Quoted(IBufferWriter<byte> output, string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : new byte[max];
        var count = Encoding.UTF8.GetBytes(value, utf8);
        var span = output.GetSpan(count * 4);
        var o = 0;
        foreach (var b in utf8[..count])
        {
            if (b is (byte)'"' or (byte)'\\' or < 0x20 or >= 0x7f)
            {
                span[o++] = (byte)'\\';
                span[o++] = (byte)'x';
                span[o++] = (byte)"0123456789ABCDEF"[b >> 4];
                span[o++] = (byte)"0123456789ABCDEF"[b & 0xf];
            }
            else
            {
                span[o++] = b;
            }
        }
        output.Advance(o);
    }
    private static string ErrorName(ForwarderError error) => error.ToString();
}
