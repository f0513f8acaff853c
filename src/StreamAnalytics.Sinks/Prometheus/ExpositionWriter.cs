using System.Buffers;
using System.Globalization;
using System.Text;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// Writes exposition text as UTF-8 straight into a buffer: no intermediate strings per sample. Knows the syntax of
/// both formats (escaping, number spelling, counter naming, exemplars, <c># EOF</c>); what to write comes from
/// <see cref="MetricsCollector"/>.
/// </summary>
/// <remarks>Not thread-safe; one per scrape.</remarks>
internal sealed class ExpositionWriter(IBufferWriter<byte> output, ExpositionFormat format)
{
    public ExpositionFormat Format { get; } = format;

    /// <summary><c># HELP</c> and <c># TYPE</c> lines. <paramref name="name"/> is the sample name (<c>…_total</c> for counters).</summary>
    public void WriteHeader(string name, string type, string help)
    {
        // OpenMetrics names a counter family without the _total its samples carry.
        string family = Format == ExpositionFormat.OpenMetrics && type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^6] : name;
        if (help.Length > 0)
        {
            Raw("# HELP "u8);
            Ascii(family);
            Raw(" "u8);
            Escaped(help, quote: Format == ExpositionFormat.OpenMetrics);
            Raw("\n"u8);
        }
        Raw("# TYPE "u8);
        Ascii(family);
        Raw(" "u8);
        Ascii(type);
        Raw("\n"u8);
    }

    /// <summary>
    /// One sample line: <c>name{labels[,extraName="extraValue"]} value[ # {trace_id="…"} value timestamp]</c>.
    /// </summary>
    public void WriteSample(string name, ReadOnlySpan<byte> suffix, Label[] labels, string? extraName, string? extraValue, double value,
        in Exemplar exemplar = default)
    {
        Ascii(name);
        Raw(suffix);
        if (labels.Length > 0 || extraName is not null)
        {
            Raw("{"u8);
            bool first = true;
            foreach (var label in labels)
            {
                if (!first) Raw(","u8);
                first = false;
                WriteLabel(label.Name, label.Value);
            }
            if (extraName is not null)
            {
                if (!first) Raw(","u8);
                WriteLabel(extraName, extraValue ?? "");
            }
            Raw("}"u8);
        }
        Raw(" "u8);
        Number(value);
        if (Format == ExpositionFormat.OpenMetrics && exemplar.TraceId is not null)
        {
            Raw(" # {trace_id=\""u8);
            Escaped(exemplar.TraceId, quote: true);
            Raw("\"} "u8);
            Number(exemplar.Value);
            Raw(" "u8);
            Number(exemplar.UnixSeconds);
        }
        Raw("\n"u8);
    }

    /// <summary>The OpenMetrics terminator; nothing for 0.0.4.</summary>
    public void WriteEnd()
    {
        if (Format == ExpositionFormat.OpenMetrics) Raw("# EOF\n"u8);
    }

    /// <summary>How a bucket bound is spelled in <c>le</c>: <c>+Inf</c> or the shortest round-trip form.</summary>
    public static string FormatBound(double bound) =>
        double.IsPositiveInfinity(bound) ? "+Inf" : bound.ToString("R", CultureInfo.InvariantCulture);

    private void WriteLabel(string name, string value)
    {
        Ascii(name);
        Raw("=\""u8);
        Escaped(value, quote: true);
        Raw("\""u8);
    }

    private void Number(double value)
    {
        if (double.IsNaN(value)) { Raw("NaN"u8); return; }
        if (double.IsPositiveInfinity(value)) { Raw("+Inf"u8); return; }
        if (double.IsNegativeInfinity(value)) { Raw("-Inf"u8); return; }
        Span<byte> dst = output.GetSpan(32);
        // Integral values print as integers (counts), others as the shortest string that round-trips.
        bool ok = value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? ((long)value).TryFormat(dst, out int n, default, CultureInfo.InvariantCulture)
            : value.TryFormat(dst, out n, "R", CultureInfo.InvariantCulture);
        if (!ok) throw new InvalidOperationException("number did not fit in 32 bytes");
        output.Advance(n);
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    /// <summary>Names are sanitized to [a-zA-Z0-9_:] beforehand, so they are ASCII.</summary>
    private void Ascii(string s)
    {
        Span<byte> dst = output.GetSpan(s.Length);
        for (int i = 0; i < s.Length; i++) dst[i] = (byte)s[i];
        output.Advance(s.Length);
    }

    /// <summary>Escapes \ and newline (and " inside label values and OpenMetrics help), writing UTF-8.</summary>
    private void Escaped(string s, bool quote)
    {
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            ReadOnlySpan<byte> escape = c switch
            {
                '\\' => "\\\\"u8,
                '\n' => "\\n"u8,
                '"' when quote => "\\\""u8,
                _ => default,
            };
            if (escape.IsEmpty) continue;
            Utf8(s.AsSpan(start, i - start));
            Raw(escape);
            start = i + 1;
        }
        Utf8(s.AsSpan(start));
    }

    private void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        Span<byte> dst = output.GetSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
        output.Advance(Encoding.UTF8.GetBytes(chars, dst));
    }
}

/// <summary>A label name (sanitized) and value.</summary>
internal readonly record struct Label(string Name, string Value);

/// <summary>A histogram exemplar: the trace id of one observation in the bucket, its value and when it was seen.</summary>
internal readonly record struct Exemplar(string? TraceId, double Value, double UnixSeconds);
