using System.Diagnostics;
using System.Text;

namespace StreamAnalytics.TestSupport;

/// <summary>
/// Runs the real <c>streamanalytics</c> executable (built next to the tests) as a child process, capturing its output,
/// so command tests exercise argument parsing, exit codes and signals exactly as users do.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private CliProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_stdout) _stdout.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_stderr) _stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static CliProcess Start(IEnumerable<string> args, IDictionary<string, string>? env = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? AppContext.BaseDirectory,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "streamanalytics.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var kv in env) psi.Environment[kv.Key] = kv.Value;
        return new CliProcess(Process.Start(psi) ?? throw new InvalidOperationException("could not start streamanalytics"));
    }

    /// <summary>Runs to completion (bounded) and returns the exit code.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string>? env = null)
    {
        using var p = Start(args, env);
        int code = await p.WaitForExitAsync(timeout);
        return (code, p.Stdout, p.Stderr);
    }

    public int Id => _process.Id;

    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for exit; kills the process and throws if it does not exit within <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"streamanalytics did not exit within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drain redirected output
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (graceful shutdown).</summary>
    public void Terminate()
    {
        if (!_process.HasExited) Posix.Kill(_process.Id, Posix.SIGTERM);
    }

    /// <summary>SIGKILL: no cleanup runs, as when a node dies.</summary>
    public void Kill()
    {
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    /// <summary>Waits (bounded) until a file exists and is non-empty, failing early if the process exits.</summary>
    public async Task<string> WaitForFileAsync(string path, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(path))
            {
                string text = (await File.ReadAllTextAsync(path)).Trim();
                if (text.Length > 0) return text;
            }
            if (_process.HasExited) throw new InvalidOperationException($"process exited ({_process.ExitCode}) before writing {path}.\nstderr:\n{Stderr}");
            await Task.Delay(50);
        }
        throw new TimeoutException($"{path} was not written within {timeout}.\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
    }
}

internal static partial class Posix
{
    public const int SIGTERM = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    public static partial int Kill(int pid, int signal);
}
