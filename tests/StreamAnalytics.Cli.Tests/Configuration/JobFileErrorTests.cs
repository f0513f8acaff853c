using StreamAnalytics.Cli.Configuration;

namespace StreamAnalytics.Cli.Tests.Configuration;

public class JobFileErrorTests
{
    private static ConfigurationException LoadFile(string json)
    {
        string file = Path.Combine(Path.GetTempPath(), "job-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(file, json);
        try
        {
            return Assert.Throws<ConfigurationException>(() => JobConfiguration.Load(file, [], new Dictionary<string, string?>()));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Invalid_json_is_reported_at_the_line_and_column_an_editor_shows()
    {
        // Line 3, column 15 (1-based, as editors count): a colon where a property name belongs.
        var e = LoadFile("{\n  \"application.id\": \"a\",\n  \"source\": { : 1 }\n}\n");

        Assert.Contains("at line 3, column 15", e.Message);
        Assert.DoesNotContain("LineNumber", e.Message);
    }

    [Fact]
    public void A_key_set_both_nested_and_flat_in_one_file_is_an_error_naming_it()
    {
        var e = LoadFile("""
            { "application.id": "a", "kafka.bootstrap.servers": "b:9092", "source.topics": ["spans"],
              "assembly": { "gap.ms": 5000 }, "assembly.gap.ms": 7000 }
            """);

        Assert.Contains("assembly.gap.ms", e.Message);
        Assert.Contains("set twice", e.Message);
    }
}

public class TypedKeyErrorTests
{
    private static ConfigurationException Settings(string key, string value) => Assert.Throws<ConfigurationException>(() =>
        StreamAnalytics.Cli.Job.TraceJobSettings.From(JobConfiguration.FromPairs(new Dictionary<string, string>
        {
            ["application.id"] = "typed", ["kafka.bootstrap.servers"] = "b:9092", ["source.topics"] = "spans", [key] = value,
        })));

    [Theory]
    [InlineData("kafka.group.id")]
    [InlineData("kafka.consumer.group.id")]
    public void A_reserved_client_key_is_named_as_the_user_typed_it_once(string typed)
    {
        var e = Settings(typed, "foo");

        Assert.Contains($"{typed} is set by the runtime", e.Message);
        Assert.DoesNotContain("restore.consumer.group.id", e.Message);
        Assert.Single(e.Problems, p => p.Contains("group.id", StringComparison.Ordinal));
    }
}
