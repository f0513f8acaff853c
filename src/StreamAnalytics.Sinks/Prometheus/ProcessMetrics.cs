using System.Diagnostics;
using System.Reflection;

namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// The process metrics every Prometheus client library writes, under their standard names (so stock dashboards and
/// alerts work): <c>process_cpu_seconds_total</c>, <c>process_resident_memory_bytes</c>,
/// <c>process_virtual_memory_bytes</c>, <c>process_start_time_seconds</c>, <c>process_open_fds</c>; and
/// <c>trace_analytics_build_info</c>, always 1, whose labels say which build runs.
/// </summary>
/// <remarks>Read at each scrape from the OS; the .NET runtime's own metrics (GC, heap, thread pool) come from the
/// <c>System.Runtime</c> meter as <c>dotnet_*</c>.</remarks>
internal static class ProcessMetrics
{
    public const string BuildInfoMetric = PrometheusNames.Namespace + "build_info";

    private static readonly double StartTimeSeconds = ReadStartTime();

    /// <summary>The version of this build (the assembly's informational version, without the source-link hash suffix).</summary>
    public static string Version { get; } = ReadVersion();

    public static void Write(ExpositionWriter writer, Label[] constantLabels)
    {
        using var process = Process.GetCurrentProcess();
        Sample(writer, constantLabels, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            process.TotalProcessorTime.TotalSeconds);
        Sample(writer, constantLabels, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", process.WorkingSet64);
        Sample(writer, constantLabels, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", process.VirtualMemorySize64);
        Sample(writer, constantLabels, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", StartTimeSeconds);
        if (OpenFileDescriptors() is { } fds)
            Sample(writer, constantLabels, "process_open_fds", "gauge", "Number of open file descriptors.", fds);

        var build = new List<Label>(constantLabels.Length + 2) { new("runtime", Environment.Version.ToString()), new("version", Version) };
        build.AddRange(constantLabels);
        build.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
        writer.WriteHeader(BuildInfoMetric, "gauge", "Always 1; the labels name the engine version and the .NET runtime that run.");
        writer.WriteSample(BuildInfoMetric, default, [.. build], null, null, 1);
    }

    private static void Sample(ExpositionWriter writer, Label[] labels, string name, string type, string help, double value)
    {
        writer.WriteHeader(name, type, help);
        writer.WriteSample(name, default, labels, null, null, value);
    }

    private static int? OpenFileDescriptors()
    {
        // Linux only (the container image); elsewhere the metric is left out rather than guessed.
        const string fdDirectory = "/proc/self/fd";
        if (!Directory.Exists(fdDirectory)) return null;
        try
        {
            int count = 0;
            foreach (string _ in Directory.EnumerateFileSystemEntries(fdDirectory)) count++;
            return count;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double ReadStartTime()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    private static string ReadVersion()
    {
        string version = typeof(ProcessMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(ProcessMetrics).Assembly.GetName().Version?.ToString() ?? "unknown";
        int plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? version[..plus] : version;
    }
}
