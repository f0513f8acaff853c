using StreamAnalytics.Streams.Errors;
using StreamAnalytics.Streams.Internals;
using StreamAnalytics.Streams.Testing.State;
using StreamAnalytics.TestSupport;

namespace StreamAnalytics.Streams.Tests.Internals;

public class InternalTopicManagerTests
{
    private static Topology TwoStage(int? repartitionPartitions = null) => new Topology()
        .AddSource<string, string>("in", Serdes.String.Deserializer, Serdes.String.Deserializer, "spans")
        .AddRepartition("by-key", Serdes.String, Serdes.String, ["in"], repartitionPartitions)
        .AddProcessor("count", () => new StreamsTestKit.CountProcessor(), "by-key")
        .AddStateStore(Stores.InMemoryKeyValueStore("counts", Serdes.String, Serdes.Int64), "count");

    [Fact]
    public void Repartition_and_changelog_topics_get_the_input_partition_count_and_their_configs()
    {
        var admin = new FakeAdmin { ["spans"] = 6 };
        InternalTopicManager.Setup(TwoStage(), new StreamsConfig { ApplicationId = "app" }, admin);

        var repartition = admin.Created.Single(t => t.Name == "app-by-key-repartition");
        Assert.Equal(6, repartition.Partitions);
        Assert.Equal("delete", repartition.Configs["cleanup.policy"]);
        var changelog = admin.Created.Single(t => t.Name == "app-counts-changelog");
        Assert.Equal(6, changelog.Partitions);
        Assert.Equal("compact", changelog.Configs["cleanup.policy"]);
        Assert.Equal(1, admin.Created.Single(t => t.Name == "app-dlq").Partitions);
    }

    [Fact]
    public void A_declared_repartition_count_also_sizes_the_changelogs_downstream_of_it()
    {
        var admin = new FakeAdmin { ["spans"] = 6 };
        InternalTopicManager.Setup(TwoStage(repartitionPartitions: 3), new StreamsConfig { ApplicationId = "app" }, admin);
        Assert.Equal(3, admin.Created.Single(t => t.Name == "app-by-key-repartition").Partitions);
        Assert.Equal(3, admin.Created.Single(t => t.Name == "app-counts-changelog").Partitions);
    }

    [Fact]
    public void A_missing_source_topic_fails_the_start_naming_the_topic()
    {
        var ex = Assert.Throws<StreamsException>(() => InternalTopicManager.Setup(TwoStage(), new StreamsConfig { ApplicationId = "app" }, new FakeAdmin()));
        Assert.Contains("source topic 'spans' does not exist", ex.Message);
    }

    [Fact]
    public void An_existing_changelog_with_another_partition_count_is_an_error()
    {
        var admin = new FakeAdmin { ["spans"] = 6, ["app-counts-changelog"] = 2 };
        var ex = Assert.Throws<StreamsException>(() => InternalTopicManager.Setup(TwoStage(), new StreamsConfig { ApplicationId = "app" }, admin));
        Assert.Contains("'app-counts-changelog' has 2 partitions but the topology needs 6", ex.Message);
    }

    [Fact]
    public void Existing_internal_topics_are_not_created_again()
    {
        var admin = new FakeAdmin { ["spans"] = 6, ["app-counts-changelog"] = 6 };
        InternalTopicManager.Setup(TwoStage(), new StreamsConfig { ApplicationId = "app" }, admin);
        Assert.DoesNotContain(admin.Created, t => t.Name == "app-counts-changelog");
    }

    private sealed class FakeAdmin : ITopicAdmin, System.Collections.IEnumerable
    {
        private readonly Dictionary<string, int> _topics = new();

        public List<InternalTopicSpec> Created { get; } = new();

        public int this[string topic] { set => _topics[topic] = value; }

        public int? GetPartitionCount(string topic) => _topics.TryGetValue(topic, out int n) ? n : null;

        public void CreateTopics(IReadOnlyList<InternalTopicSpec> topics)
        {
            foreach (var t in topics)
            {
                Created.Add(t);
                _topics[t.Name] = t.Partitions;
            }
        }

        public System.Collections.IEnumerator GetEnumerator() => _topics.GetEnumerator();
    }
}
