using StreamAnalytics.Cli.Configuration;

namespace StreamAnalytics.Cli.Tests.Configuration;

public class JobConfigurationTests
{
    private static string WriteJob(string json)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("job-").FullName, "job.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static readonly Dictionary<string, string?> NoEnv = new();

    [Fact]
    public void Nested_objects_flatten_into_dotted_keys_and_defaults_fill_the_rest()
    {
        var config = JobConfiguration.Load(WriteJob("""{"kafka": {"bootstrap.servers": "k:9092"}, "assembly": {"gap.ms": 5000}}"""), [], NoEnv);
        Assert.Equal(5000, config.GetLong("assembly.gap.ms"));
        Assert.Equal(300000, config.GetLong("assembly.max.trace.duration.ms"));
        Assert.Equal("k:9092", config.GetString("kafka.bootstrap.servers"));
    }

    [Fact]
    public void Environment_overrides_the_job_file_and_set_overrides_both()
    {
        string job = WriteJob("""{"kafka.bootstrap.servers": "k:9092", "assembly.gap.ms": 5000, "source.format": "otlp_json"}""");
        var env = new Dictionary<string, string?> { ["STREAMANALYTICS_ASSEMBLY_GAP_MS"] = "7000", ["STREAMANALYTICS_SOURCE_FORMAT"] = "zipkin_json" };
        var config = JobConfiguration.Load(job, ["assembly.gap.ms=9000"], env);
        Assert.Equal(9000, config.GetLong("assembly.gap.ms"));
        Assert.Equal("zipkin_json", config.GetString("source.format"));
    }

    [Fact]
    public void Every_problem_is_reported_naming_the_key_the_source_and_the_accepted_values()
    {
        string job = WriteJob("""{"kafka.bootstrap.servers": "k:9092", "source.format": "avro", "assembly.gap.ms": -5, "assembly.gapms": 1}""");
        var ex = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(job, ["metrics.bind=nowhere"], NoEnv));
        Assert.Equal(4, ex.Problems.Count);
        Assert.Contains(ex.Problems, p => p.StartsWith("source.format (job file job.json): 'avro' is not one of: otlp_proto", StringComparison.Ordinal));
        Assert.Contains(ex.Problems, p => p.StartsWith("assembly.gap.ms", StringComparison.Ordinal) && p.Contains("out of range"));
        Assert.Contains(ex.Problems, p => p.Contains("did you mean 'assembly.gap.ms'"));
        Assert.Contains(ex.Problems, p => p.StartsWith("metrics.bind (--set)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_bootstrap_server_is_reported_with_every_way_to_set_it()
    {
        var ex = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, [], NoEnv));
        Assert.Contains(ex.Problems, p => p.Contains("kafka.bootstrap.servers: required") && p.Contains("STREAMANALYTICS_KAFKA_BOOTSTRAP_SERVERS"));
    }

    [Fact]
    public void Kafka_client_settings_pass_through_and_secrets_are_masked_in_the_description()
    {
        var env = new Dictionary<string, string?> { ["STREAMANALYTICS_KAFKA_SASL_PASSWORD"] = "hunter2" };
        var config = JobConfiguration.Load(WriteJob("""{"kafka": {"bootstrap.servers": "k:9092", "security.protocol": "SASL_SSL", "sasl.username": "svc"}, "elasticsearch.api.key": "abc123"}"""), [], env);
        var kafka = config.WithPrefix("kafka.");
        Assert.Equal("SASL_SSL", kafka["security.protocol"]);
        Assert.Equal("hunter2", kafka["sasl.password"]);
        string described = config.Describe();
        Assert.DoesNotContain("hunter2", described);
        Assert.DoesNotContain("abc123", described);
        Assert.Contains("sasl.username=svc", described);
    }

    [Fact]
    public void A_secret_with_a_wrong_type_is_not_echoed_in_the_error()
    {
        var ex = Assert.Throws<ConfigurationException>(() =>
            JobConfiguration.Load(null, ["kafka.bootstrap.servers=k:1", "log.level=supersecret"], NoEnv));
        Assert.Contains("'supersecret'", ex.Message); // not a secret key: shown
        var ok = JobConfiguration.Load(null, ["kafka.bootstrap.servers=k:1", "elasticsearch.password=pa55"], NoEnv);
        Assert.DoesNotContain("pa55", ok.Describe());
    }

    [Fact]
    public void An_unknown_environment_variable_with_the_prefix_is_refused()
    {
        var env = new Dictionary<string, string?> { ["STREAMANALYTICS_ASSEMBLY_GAPP_MS"] = "1" };
        var ex = Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(null, ["kafka.bootstrap.servers=k:1"], env));
        Assert.Contains(ex.Problems, p => p.Contains("STREAMANALYTICS_ASSEMBLY_GAPP_MS"));
    }
}
