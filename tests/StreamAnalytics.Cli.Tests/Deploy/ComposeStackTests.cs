using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using StreamAnalytics.Cli.Commands;
using StreamAnalytics.Cli.Configuration;

namespace StreamAnalytics.Cli.Tests.Deploy;

/// <summary>
/// docker-compose.kafka.yml and the files it mounts: the engine and generator commands parse with the real CLI, the
/// engine scales (no fixed host port), Prometheus finds every replica, Grafana loads the dashboard from the repository.
/// </summary>
public class ComposeStackTests
{
    private const string ComposePath = "docker-compose.kafka.yml";
    private static readonly Dictionary<string, object?> Compose = Yaml.Load(ComposePath);
    private static readonly Dictionary<string, object?> Services = Yaml.Map(Compose, "services");

    private static Dictionary<string, object?> Service(string name) => Yaml.Map(Services, name);

    private static string[] Command(string service) => [.. Yaml.List(Service(service), "command").Cast<string>()];

    private static ParseResult ParseCli(string[] args)
    {
        var root = new RootCommand();
        foreach (var command in CommandCatalog.All()) root.Subcommands.Add(command);
        return root.Parse(args);
    }

    [Fact]
    public void The_engine_and_generator_commands_parse_with_the_real_command_line()
    {
        foreach (string service in new[] { "engine", "generator" })
        {
            var parsed = ParseCli(Command(service));
            Assert.True(parsed.Errors.Count == 0, $"{service}: {string.Join("; ", parsed.Errors.Select(e => e.Message))}");
        }
        string[] generator = Command("generator");
        Assert.True(DurationOption.TryParse(generator[Array.IndexOf(generator, "--duration") + 1], out var duration, out _));
        Assert.True(duration >= TimeSpan.FromHours(1), "the generator should outlast a session with the stack");
    }

    [Fact]
    public void The_engine_job_file_exists_in_the_image_and_its_environment_names_real_keys()
    {
        string[] engine = Command("engine");
        string jobPath = engine[Array.IndexOf(engine, "--job") + 1];
        // The Dockerfile copies jobs/ to /app/jobs.
        Assert.StartsWith("/app/jobs/", jobPath);
        Assert.True(File.Exists(RepositoryFiles.Find("jobs/" + jobPath["/app/jobs/".Length..])));
        foreach (var (name, _) in Yaml.Map(Service("engine"), "environment"))
            Assert.True(ConfigKeys.FromEnvironmentName(name) is not null, $"{name} matches no configuration key");
    }

    [Fact]
    public void The_engine_has_no_fixed_host_port_so_it_scales_and_prometheus_finds_every_replica_by_dns()
    {
        foreach (var port in Yaml.List(Service("engine"), "ports"))
            Assert.DoesNotContain(":", Assert.IsType<string>(port)); // "9464" = container port on an ephemeral host port

        var prometheusConfig = Yaml.Load("deploy/prometheus/prometheus.compose.yml");
        var scrape = Assert.Single(Yaml.List(prometheusConfig, "scrape_configs"));
        Assert.Equal(KubernetesManifestTests.EngineDownJob(), Yaml.Text(scrape, "job_name"));
        var dns = Assert.Single(Yaml.List(scrape, "dns_sd_configs"));
        Assert.Equal(["engine"], Yaml.List(dns, "names"));
        Assert.Equal("9464", Yaml.Text(dns, "port"));
    }

    [Fact]
    public void Every_dependency_is_a_service_and_every_mounted_file_is_in_the_repository()
    {
        foreach (var (name, value) in Services)
        {
            Assert.True(Yaml.Has(value, "image") || Yaml.Has(value, "build"), $"{name} has neither image nor build");
            if (Yaml.Has(value, "depends_on"))
            {
                var dependsOn = Yaml.At<object>(value, "depends_on");
                IEnumerable<string> names = dependsOn is Dictionary<string, object?> map ? map.Keys : ((List<object?>)dependsOn).Cast<string>();
                foreach (string dependency in names) Assert.True(Services.ContainsKey(dependency), $"{name} depends on unknown service {dependency}");
            }
            if (!Yaml.Has(value, "volumes")) continue;
            foreach (string volume in Yaml.List(value, "volumes").Cast<string>())
            {
                string source = volume.Split(':')[0];
                Assert.StartsWith("./", source);
                string path = Path.Combine(Path.GetDirectoryName(RepositoryFiles.Find(ComposePath))!, source[2..]);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{name} mounts {source}, which is not in the repository");
            }
        }
    }

    [Fact]
    public void Grafana_provisions_the_prometheus_data_source_the_dashboard_uses_and_loads_the_mounted_dashboards()
    {
        var volumes = Yaml.List(Service("grafana"), "volumes").Cast<string>().ToList();
        string dashboardsMount = volumes.Single(v => v.StartsWith("./deploy/grafana/dashboards:", StringComparison.Ordinal)).Split(':')[1];
        var provider = Assert.Single(Yaml.List(Yaml.Load("deploy/grafana/provisioning/dashboards/trace-analytics.yml"), "providers"));
        Assert.Equal(dashboardsMount, Yaml.Text(provider, "options.path"));

        var source = Assert.Single(Yaml.List(Yaml.Load("deploy/grafana/provisioning/datasources/prometheus.yml"), "datasources"));
        Assert.Equal("http://prometheus:9090", Yaml.Text(source, "url"));
        Assert.True(Services.ContainsKey("prometheus"));
        using var dashboard = JsonDocument.Parse(File.ReadAllText(RepositoryFiles.Find("deploy/grafana/dashboards/trace-analytics.json")));
        foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            if (panel.GetProperty("type").GetString() == "row") continue;
            Assert.Equal(Yaml.Text(source, "uid"), panel.GetProperty("datasource").GetProperty("uid").GetString());
        }
    }

    [ComposeFact]
    public void Docker_compose_accepts_the_file()
    {
        var psi = new ProcessStartInfo("docker", ["compose", "-f", RepositoryFiles.Find(ComposePath), "config", "--quiet"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        string errors = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "docker compose config did not finish within a minute");
        Assert.True(process.ExitCode == 0, errors);
    }
}

/// <summary>
/// A fact that needs the <c>docker compose</c> plugin (<c>docker compose config</c> needs no daemon). Skipped, saying
/// so, where the plugin is missing, as on the project's CI machine (its docker client has no compose).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ComposeFactAttribute : FactAttribute
{
    private static readonly bool Available = Probe();

    public ComposeFactAttribute()
    {
        if (!Available) Skip = "'docker compose' is not available here (a docker client with the compose plugin is needed; no daemon)";
    }

    private static bool Probe()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("docker", ["compose", "version"]) { RedirectStandardOutput = true, RedirectStandardError = true });
            if (process is null) return false;
            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(10_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no docker client at all
        }
    }
}
