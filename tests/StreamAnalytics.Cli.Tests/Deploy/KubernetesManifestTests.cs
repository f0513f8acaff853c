using System.Globalization;
using System.Text.RegularExpressions;
using StreamAnalytics.Cli.Configuration;
using StreamAnalytics.Cli.Job;

namespace StreamAnalytics.Cli.Tests.Deploy;

/// <summary>
/// deploy/kubernetes/streamanalytics.yaml is consistent with itself, with the job configuration the engine accepts,
/// with the README's memory budget per task, and with the Prometheus example that scrapes it.
/// </summary>
public class KubernetesManifestTests
{
    private const string ManifestPath = "deploy/kubernetes/streamanalytics.yaml";
    private static readonly List<Dictionary<string, object?>> Documents = Yaml.LoadAll(ManifestPath);

    private static Dictionary<string, object?> Kind(string kind) =>
        Assert.Single(Documents, d => Yaml.Text(d, "kind") == kind);

    private static Dictionary<string, object?> Container() =>
        Assert.IsType<Dictionary<string, object?>>(Assert.Single(Yaml.List(Kind("Deployment"), "spec.template.spec.containers")));

    /// <summary>The job file of the ConfigMap, loaded with the container's environment as the engine would load it.</summary>
    private static TraceJobSettings JobSettings()
    {
        var data = Yaml.Map(Kind("ConfigMap"), "data");
        string file = Path.Combine(Path.GetTempPath(), "k8s-job-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, Assert.IsType<string>(Assert.Single(data).Value));
        try
        {
            var environment = new Dictionary<string, string?>();
            foreach (var entry in Yaml.List(Container(), "env"))
            {
                // A secret's value is not in the manifest; any non-empty value stands in for it.
                environment[Yaml.Text(entry, "name")] = Yaml.Has(entry, "value") ? Yaml.Text(entry, "value") : "from-secret";
            }
            return TraceJobSettings.From(JobConfiguration.Load(file, [], environment));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_document_names_its_api_version_kind_and_name()
    {
        Assert.Equal(["ConfigMap", "Deployment", "Service"], Documents.Select(d => Yaml.Text(d, "kind")).Order());
        foreach (var d in Documents)
        {
            Assert.Matches("^(v1|apps/v1)$", Yaml.Text(d, "apiVersion"));
            Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", Yaml.Text(d, "metadata.name"));
        }
    }

    [Fact]
    public void The_deployment_selects_its_pods_mounts_its_config_map_and_probes_named_ports()
    {
        var deployment = Kind("Deployment");
        var podLabels = Yaml.Map(deployment, "spec.template.metadata.labels");
        foreach (var (key, value) in Yaml.Map(deployment, "spec.selector.matchLabels")) Assert.Equal(value, podLabels[key]);

        var container = Container();
        var portNames = Yaml.List(container, "ports").Select(p => Yaml.Text(p, "name")).ToHashSet();
        foreach (string probe in new[] { "livenessProbe", "readinessProbe" })
            Assert.Contains(Yaml.Text(container, probe + ".httpGet.port"), portNames);
        Assert.Equal("/healthz", Yaml.Text(container, "livenessProbe.httpGet.path"));
        Assert.Equal("/readyz", Yaml.Text(container, "readinessProbe.httpGet.path"));

        var volume = Assert.Single(Yaml.List(deployment, "spec.template.spec.volumes"));
        Assert.Equal(Yaml.Text(Kind("ConfigMap"), "metadata.name"), Yaml.Text(volume, "configMap.name"));
        string mount = Yaml.Text(Assert.Single(Yaml.List(container, "volumeMounts")), "mountPath");
        var args = Yaml.List(container, "args").Cast<string>().ToList();
        string jobPath = args[args.IndexOf("--job") + 1];
        Assert.Equal(mount, Path.GetDirectoryName(jobPath));
        Assert.Equal(Path.GetFileName(jobPath), Assert.Single(Yaml.Map(Kind("ConfigMap"), "data")).Key);
    }

    [Fact]
    public void The_job_in_the_config_map_is_a_valid_job_and_the_grace_period_outlasts_its_shutdown()
    {
        var settings = JobSettings();
        Assert.Equal(9464, settings.Metrics.Bind.Port);
        long grace = long.Parse(Yaml.Text(Kind("Deployment"), "spec.template.spec.terminationGracePeriodSeconds"), CultureInfo.InvariantCulture);
        Assert.True(TimeSpan.FromSeconds(grace) > settings.ShutdownTimeout, $"terminationGracePeriodSeconds {grace} must exceed shutdown.timeout.ms");
    }

    [Fact]
    public void The_memory_limit_holds_the_per_task_budget_of_every_task_a_pod_owns_after_losing_a_peer()
    {
        var settings = JobSettings();
        int partitions = settings.RepartitionPartitions;
        Assert.True(partitions > 0, "the manifest's job must set repartition.partitions, or the memory sum cannot be checked");
        int replicas = int.Parse(Yaml.Text(Kind("Deployment"), "spec.replicas"), CultureInfo.InvariantCulture);
        Assert.InRange(replicas, 2, partitions);
        int tasksAfterLoss = (partitions + replicas - 2) / (replicas - 1); // ceil(partitions / (replicas - 1))
        long perTask = settings.Assembly.MaxOpenBytes + settings.Assembly.LateMaxBytes * 5 / 4;
        long accounted = tasksAfterLoss * perTask + (settings.Elasticsearch?.MaxBufferedBytes ?? 0);

        long limit = Quantity(Yaml.Text(Container(), "resources.limits.memory"));
        long heapLimit = limit * 3 / 4; // .NET's default GC heap hard limit in a container
        Assert.True(accounted <= heapLimit,
            $"{tasksAfterLoss} tasks x {perTask >> 20} MiB + sink buffer = {accounted >> 20} MiB exceeds 75 % of the {limit >> 20} MiB limit");
    }

    [Fact]
    public void The_prometheus_example_discovers_the_pods_through_the_headless_service_under_the_job_the_rules_select()
    {
        var service = Kind("Service");
        Assert.Equal("None", Yaml.Text(service, "spec.clusterIP"));
        Assert.Equal("true", Yaml.Text(service, "spec.publishNotReadyAddresses"));
        var podLabels = Yaml.Map(Kind("Deployment"), "spec.template.metadata.labels");
        foreach (var (key, value) in Yaml.Map(service, "spec.selector")) Assert.Equal(value, podLabels[key]);
        var port = Assert.Single(Yaml.List(service, "spec.ports"));
        Assert.Contains(Yaml.Text(port, "targetPort"), Yaml.List(Container(), "ports").Select(p => Yaml.Text(p, "name")));

        var scrape = Assert.Single(Yaml.List(Yaml.Load("deploy/prometheus/prometheus.yml"), "scrape_configs"));
        var dns = Assert.Single(Yaml.List(scrape, "dns_sd_configs"));
        string name = Assert.IsType<string>(Assert.Single(Yaml.List(dns, "names")));
        Assert.StartsWith(Yaml.Text(service, "metadata.name") + ".", name);
        Assert.Equal(Yaml.Text(port, "port"), Yaml.Text(dns, "port"));
        Assert.Equal(EngineDownJob(), Yaml.Text(scrape, "job_name"));
    }

    /// <summary>The <c>job</c> label value that the TraceAnalyticsEngineDown alert selects in rules.yml.</summary>
    internal static string EngineDownJob()
    {
        var groups = Yaml.List(Yaml.Load("deploy/prometheus/rules.yml"), "groups");
        foreach (var group in groups)
            foreach (var rule in Yaml.List(group, "rules"))
                if (Yaml.Has(rule, "alert") && Yaml.Text(rule, "alert") == "TraceAnalyticsEngineDown")
                    return Regex.Match(Yaml.Text(rule, "expr"), "job=\"([^\"]+)\"").Groups[1].Value;
        throw new InvalidOperationException("rules.yml has no TraceAnalyticsEngineDown alert");
    }

    private static long Quantity(string text)
    {
        var m = Regex.Match(text, "^([0-9]+)(Ki|Mi|Gi)?$");
        Assert.True(m.Success, $"memory quantity '{text}'");
        long n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "Ki" => n << 10, "Mi" => n << 20, "Gi" => n << 30, _ => n };
    }
}
