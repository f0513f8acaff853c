using System.Reflection;
using System.Runtime.InteropServices;

namespace StreamAnalytics.Streams.Testing.Embedded;

/// <summary>
/// Finds the one native librdkafka of this process for the mock-cluster binding (<see cref="MockClusterNative"/>).
/// </summary>
/// <remarks>
/// The mock cluster must live in the same library instance as Confluent.Kafka's clients: one librdkafka, one set of
/// globals. Confluent.Kafka picks its file itself and falls back between the package's builds
/// (<c>librdkafka.so</c> needs <c>libsasl2.so.3</c>, which Debian lacks; <c>centos8-librdkafka.so</c> needs only libc;
/// <c>alpine-librdkafka.so</c> is for musl). Repeating that choice here could pick another file, so the binding first
/// lets Confluent.Kafka load, then asks the process which librdkafka is mapped (<c>/proc/self/maps</c>) and binds to
/// exactly that file. Only where that cannot be read (macOS, Windows: one file per platform) does it try the
/// package's names itself.
/// </remarks>
public static class LibrdkafkaLocator
{
    private static readonly object Gate = new();
    private static IntPtr _handle;
    private static string? _path;

    /// <summary>The full path of the librdkafka the binding uses, loading it first if needed.</summary>
    /// <exception cref="DllNotFoundException">No librdkafka could be loaded; the message names every file tried.</exception>
    public static string LoadedPath
    {
        get
        {
            EnsureLoaded();
            return _path!;
        }
    }

    /// <summary>Registers the resolver for this assembly's <c>librdkafka</c> imports. Called once, before the first import.</summary>
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaLocator).Assembly, Resolve);

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == MockClusterNative.Lib ? EnsureLoaded() : IntPtr.Zero;

    private static IntPtr EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero) return _handle;
            var tried = new List<string>();
            string? clientError = LoadClient();
            foreach (string path in MappedFiles())
            {
                if (NativeLibrary.TryLoad(path, out _handle)) { _path = path; return _handle; }
                tried.Add(path + " (mapped by Confluent.Kafka, but dlopen failed)");
            }
            foreach (string path in PackageCandidates())
            {
                if (!File.Exists(path)) { tried.Add(path + " (absent)"); continue; }
                try
                {
                    _handle = NativeLibrary.Load(path);
                    _path = path;
                    return _handle;
                }
                catch (DllNotFoundException e) { tried.Add($"{path} ({FirstLine(e.Message)})"); }
            }
            throw new DllNotFoundException(
                "No native librdkafka could be loaded for the embedded Kafka cluster. " +
                (clientError is null ? "" : $"Confluent.Kafka's own loader failed: {clientError}. ") +
                "Tried: " + string.Join("; ", tried) +
                ". The librdkafka.redist package's files are copied to runtimes/<rid>/native/ beside the application; a restore with the package present brings them.");
        }
    }

    /// <summary>Lets Confluent.Kafka load librdkafka its own way; returns its error message if it could not.</summary>
    private static string? LoadClient()
    {
        try
        {
            Confluent.Kafka.Library.Load();
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or InvalidOperationException or BadImageFormatException)
        {
            return FirstLine(e.Message);
        }
    }

    /// <summary>The distinct librdkafka files mapped into this process (Linux, glibc or musl), in map order.</summary>
    public static IReadOnlyList<string> MappedFiles()
    {
        var found = new List<string>();
        if (!OperatingSystem.IsLinux()) return found;
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/maps"); }
        catch (IOException) { return found; }
        catch (UnauthorizedAccessException) { return found; }
        foreach (string line in lines)
        {
            // address perms offset dev inode pathname; the path is everything from the first '/'.
            int slash = line.IndexOf('/');
            if (slash < 0) continue;
            string path = line[slash..].Trim();
            if (path.EndsWith(" (deleted)", StringComparison.Ordinal)) continue;
            string file = Path.GetFileName(path);
            if (!file.Contains("librdkafka", StringComparison.Ordinal) || file.Contains("librdkafkacpp", StringComparison.Ordinal)) continue;
            if (!found.Contains(path)) found.Add(path);
        }
        return found;
    }

    /// <summary>The package's files for this platform, in the order Confluent.Kafka tries them.</summary>
    private static IEnumerable<string> PackageCandidates()
    {
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeIdentifier(), "native");
        if (OperatingSystem.IsWindows()) { yield return Path.Combine(native, "librdkafka.dll"); yield break; }
        if (OperatingSystem.IsMacOS()) { yield return Path.Combine(native, "librdkafka.dylib"); yield break; }
        if (IsMusl()) { yield return Path.Combine(native, "alpine-librdkafka.so"); yield break; }
        yield return Path.Combine(native, "librdkafka.so");
        yield return Path.Combine(native, "centos8-librdkafka.so");
    }

    private static string RuntimeIdentifier()
    {
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "x86",
            Architecture.Arm64 => "arm64",
            Architecture.S390x => "s390x",
            var other => other.ToString().ToLowerInvariant(),
        };
        return os + "-" + arch;
    }

    // musl's dynamic loader is named ld-musl-<arch>.so.1; glibc never ships one.
    private static bool IsMusl() =>
        OperatingSystem.IsLinux() && Directory.Exists("/lib") &&
        Directory.EnumerateFiles("/lib", "ld-musl-*.so.1").Any();

    private static string FirstLine(string message)
    {
        int nl = message.IndexOf('\n');
        return (nl < 0 ? message : message[..nl]).Trim();
    }
}
