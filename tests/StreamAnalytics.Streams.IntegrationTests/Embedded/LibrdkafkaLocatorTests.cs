using System.Security.Cryptography;
using System.Text.Json;
using Confluent.Kafka;
using StreamAnalytics.Streams.Testing.Embedded;

namespace StreamAnalytics.Streams.IntegrationTests.Embedded;

/// <summary>
/// The fresh-machine guarantee: the clients and the mock brokers run on one librdkafka, and it is the
/// librdkafka.redist package's own file, not a system library or a build left in a cache.
/// </summary>
public class LibrdkafkaLocatorTests
{
    [Fact]
    public void The_mock_cluster_and_the_clients_share_one_librdkafka_from_the_package()
    {
        using var cluster = EmbeddedKafkaCluster.Start();
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
            producer.Produce("locator", new Message<Null, string> { Value = "x" });

        string loaded = LibrdkafkaLocator.LoadedPath;
        if (OperatingSystem.IsLinux())
            Assert.Equal([loaded], LibrdkafkaLocator.MappedFiles());

        // The file sits in the application's native assets, copied there from the restored package.
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes");
        Assert.StartsWith(native, loaded, StringComparison.Ordinal);
        string relative = Path.GetRelativePath(AppContext.BaseDirectory, loaded);
        var (version, packageDir) = RestoredPackage("librdkafka.redist");
        string packaged = Path.Combine(packageDir, relative);
        Assert.True(File.Exists(packaged), $"{packaged} is not in the restored package");
        Assert.Equal(Sha256(packaged), Sha256(loaded));
        Assert.StartsWith(version, Library.VersionString, StringComparison.Ordinal);
    }

    [Fact]
    public void The_binding_reports_the_same_library_on_every_call()
    {
        string first = LibrdkafkaLocator.LoadedPath;
        using var cluster = EmbeddedKafkaCluster.Start();
        Assert.Equal(first, LibrdkafkaLocator.LoadedPath);
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>The version and folder of a package in this test's deps.json, under the NuGet packages folder.</summary>
    private static (string Version, string Dir) RestoredPackage(string id)
    {
        string deps = Directory.GetFiles(AppContext.BaseDirectory, typeof(LibrdkafkaLocatorTests).Assembly.GetName().Name + ".deps.json").Single();
        using var doc = JsonDocument.Parse(File.ReadAllText(deps));
        foreach (var library in doc.RootElement.GetProperty("libraries").EnumerateObject())
        {
            if (!library.Name.StartsWith(id + "/", StringComparison.Ordinal)) continue;
            string version = library.Name[(id.Length + 1)..];
            string path = library.Value.GetProperty("path").GetString()!;
            string root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
                ? p
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
            return (version, Path.Combine(root, path));
        }
        throw new InvalidOperationException($"{id} is not in {deps}");
    }
}
