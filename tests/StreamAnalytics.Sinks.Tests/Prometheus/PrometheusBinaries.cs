using System.Diagnostics;

namespace StreamAnalytics.Sinks.Tests.Prometheus;

/// <summary>
/// Finds Debian's <c>promtool</c> and <c>prometheus</c> (installed by eng/setup.sh). Tests call
/// <see cref="Require"/>: without the binary they fail with a message that says how to install it.
/// </summary>
internal static class PrometheusBinaries
{
    public static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin"))
        {
            if (dir.Length == 0) continue;
            string path = Path.Combine(dir, name);
            if (System.IO.File.Exists(path)) return path;
        }
        return null;
    }

    public static string Require(string name) => Find(name)
        ?? throw new InvalidOperationException($"'{name}' is not installed: run eng/setup.sh (Debian package 'prometheus' provides promtool and prometheus 2.42).");

    /// <summary>Runs a tool to completion (bounded: 2 minutes) and returns its exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string file, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} did not finish within 2 minutes");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
