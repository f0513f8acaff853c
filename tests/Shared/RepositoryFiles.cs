using System.Runtime.CompilerServices;

namespace StreamAnalytics.TestSupport;

/// <summary>Finds files checked into the repository (such as <c>jobs/topologies/</c>) from a test run.</summary>
internal static class RepositoryFiles
{
    public static string Find(string relativePath) => FindFrom(AppContext.BaseDirectory, relativePath)
        ?? FindFrom(Path.GetDirectoryName(ThisSourceFile()) ?? "", relativePath)
        ?? throw new FileNotFoundException($"'{relativePath}' not found above '{AppContext.BaseDirectory}' or this test's source folder");

    private static string? FindFrom(string start, string relativePath)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, relativePath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    // The build output sits inside the repository in a normal build; the source path is the fallback for out-of-tree output folders.
    private static string ThisSourceFile([CallerFilePath] string path = "") => path;
}
