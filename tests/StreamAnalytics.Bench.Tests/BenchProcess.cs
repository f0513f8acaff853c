using System.Diagnostics;
using System.Text;

namespace StreamAnalytics.Bench.Tests;

/// <summary>Runs the real <c>streamanalytics-bench</c> executable (built next to the tests) to completion, bounded.</summary>
internal static class BenchProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "streamanalytics-bench.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start streamanalytics-bench");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"streamanalytics-bench did not exit within {timeout}.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        process.WaitForExit(); // drain redirected output
        lock (stdout) lock (stderr) return (process.ExitCode, stdout.ToString(), stderr.ToString());
    }
}
