using System.Text.Json.Nodes;
using StreamAnalytics.TestSupport;
using StreamAnalytics.Tools.Generate;

namespace StreamAnalytics.Tools.Tests.Generate;

public class SimulatedSystemTests
{
    // Smallest useful topology: web calls api, api queries a database. Each test breaks one key of it.
    private const string Tiny = """
        {
          "name": "tiny",
          "entryPoints": [{"service": "web", "operation": "GET /"}],
          "services": [
            {"name": "web", "operations": [{"name": "GET /", "kind": "server", "protocol": "http", "calls": [{"service": "api", "operation": "Get"}]}]},
            {"name": "api", "operations": [
              {"name": "Get", "kind": "server", "protocol": "grpc", "calls": [{"database": "db", "operation": "SELECT"}]},
              {"name": "Work", "kind": "internal"}
            ]}
          ],
          "databases": [{"name": "db", "system": "postgresql", "dbName": "app"}]
        }
        """;

    [Fact]
    public void The_online_shop_file_describes_the_same_model_as_the_built_in_default()
    {
        SimulatedSystem fromFile = SimulatedSystem.Load(RepositoryFiles.Find("jobs/topologies/online-shop.json"));

        Assert.Equal(SimulatedSystem.OnlineShop.ToJson(), fromFile.ToJson());
    }

    [Fact]
    public void The_built_in_online_shop_is_valid_and_has_the_boutique_services()
    {
        SimulatedSystem shop = SimulatedSystem.OnlineShop;

        shop.Validate();
        string[] expected = ["api-gateway", "frontend", "checkout", "cart", "productcatalog", "currency", "payment", "shipping", "email", "recommendation", "fulfillment"];
        Assert.Empty(expected.Except(shop.Services.Select(s => s.Name)));
        Assert.Contains(shop.Databases, d => d.System == "redis");
        Assert.Contains(shop.Databases, d => d.System == "postgresql");
        Assert.Contains(shop.Topics, t => t.System == "kafka" && t.Consumers.Count == 2);
    }

    [Fact]
    public void A_topology_survives_a_round_trip_through_json()
    {
        SimulatedSystem tiny = SimulatedSystem.Parse(Tiny);

        SimulatedSystem again = SimulatedSystem.Parse(tiny.ToJson());

        Assert.Equal(tiny.ToJson(), again.ToJson());
        Assert.Equal(100, again.TracesPerSecond);
        Assert.Equal(CallProtocol.Grpc, again.Services[1].Operations[0].Protocol);
    }

    [Fact]
    public void An_unknown_downstream_service_is_reported_with_its_key_and_the_known_names()
    {
        var e = Rejected(json => json["services"]![0]!["operations"]![0]!["calls"]![0]!["service"] = "apii");

        Assert.Equal("services[0].operations[0].calls[0].service", e.Key);
        Assert.Contains("unknown service 'apii'", e.Message);
        Assert.Contains("'api'", e.Message);
    }

    [Fact]
    public void An_unknown_operation_of_a_known_service_is_reported_with_its_key()
    {
        var e = Rejected(json => json["services"]![0]!["operations"]![0]!["calls"]![0]!["operation"] = "Put");

        Assert.Equal("services[0].operations[0].calls[0].operation", e.Key);
        Assert.Contains("'Put'", e.Message);
    }

    [Fact]
    public void A_misspelt_key_is_rejected_instead_of_ignored()
    {
        var e = Rejected(json => json["services"]![1]!["operations"]![0]!["latancy"] = new JsonObject { ["medianMs"] = 1 });

        Assert.Equal("services[1].operations[0].latancy", e.Key);
        Assert.Contains("unknown key 'latancy'", e.Message);
    }

    [Fact]
    public void An_unknown_span_kind_is_reported_with_its_key()
    {
        var e = Rejected(json => json["services"]![0]!["operations"]![0]!["kind"] = "sever");

        Assert.Equal("services[0].operations[0].kind", e.Key);
        Assert.Contains("'server', 'internal', 'consumer'", e.Message);
    }

    [Fact]
    public void An_unknown_database_is_reported_with_its_key()
    {
        var e = Rejected(json => json["services"]![1]!["operations"]![0]!["calls"]![0]!["database"] = "mysql");

        Assert.Equal("services[1].operations[0].calls[0].database", e.Key);
        Assert.Contains("'mysql'", e.Message);
    }

    [Fact]
    public void A_call_that_names_a_service_and_a_database_is_rejected()
    {
        var e = Rejected(json => json["services"]![1]!["operations"]![0]!["calls"]![0]!["service"] = "web");

        Assert.Equal("services[1].operations[0].calls[0]", e.Key);
        Assert.Contains("exactly one", e.Message);
    }

    [Fact]
    public void A_p99_below_the_median_is_reported_on_p99Ms()
    {
        var e = Rejected(json => json["services"]![1]!["operations"]![0]!["latency"] = new JsonObject { ["medianMs"] = 10, ["p99Ms"] = 2 });

        Assert.Equal("services[1].operations[0].latency.p99Ms", e.Key);
    }

    [Fact]
    public void A_call_cycle_is_rejected_and_pointed_at_bounded_depth()
    {
        var e = Rejected(json => json["services"]![1]!["operations"]![0]!["calls"]!.AsArray().Add(new JsonObject { ["service"] = "web", ["operation"] = "GET /" }));

        Assert.Contains("call cycle", e.Message);
        Assert.Contains("depth", e.Message);
    }

    [Fact]
    public void Another_service_cannot_call_an_internal_operation()
    {
        var e = Rejected(json => json["services"]![0]!["operations"]![0]!["calls"]![0]!["operation"] = "Work");

        Assert.Equal("services[0].operations[0].calls[0].operation", e.Key);
        Assert.Contains("internal", e.Message);
    }

    [Fact]
    public void An_entry_point_must_be_a_server_operation()
    {
        var e = Rejected(json => json["entryPoints"]![0]!.AsObject().ReplaceWith(new JsonObject { ["service"] = "api", ["operation"] = "Work" }));

        Assert.Equal("entryPoints[0].operation", e.Key);
    }

    [Fact]
    public void A_topic_consumer_must_exist()
    {
        var e = Rejected(json => json["topics"] = new JsonArray(new JsonObject
        {
            ["name"] = "orders",
            ["consumers"] = new JsonArray(new JsonObject { ["service"] = "mailer", ["operation"] = "process" }),
        }));

        Assert.Equal("topics[0].consumers[0].service", e.Key);
    }

    [Fact]
    public void An_incident_on_an_unknown_service_or_ending_before_it_starts_is_rejected()
    {
        var unknown = Rejected(json => json["incidents"] = new JsonArray(new JsonObject { ["service"] = "payments", ["endOffsetSeconds"] = 10 }));
        var backwards = Rejected(json => json["incidents"] = new JsonArray(new JsonObject { ["service"] = "db", ["startOffsetSeconds"] = 10, ["endOffsetSeconds"] = 5 }));

        Assert.Equal("incidents[0].service", unknown.Key);
        Assert.Equal("incidents[0].endOffsetSeconds", backwards.Key);
    }

    [Fact]
    public void A_name_used_by_a_service_and_a_database_is_rejected()
    {
        var e = Rejected(json => json["databases"]![0]!["name"] = "api");

        Assert.Equal("databases[0].name", e.Key);
    }

    [Fact]
    public void A_repeat_above_the_fan_out_bound_is_rejected()
    {
        var e = Rejected(json => json["services"]![0]!["operations"]![0]!["calls"]![0]!["repeat"] = new JsonObject { ["min"] = 1, ["max"] = SimulatedSystem.MaxRepeat + 1 });

        Assert.Equal("services[0].operations[0].calls[0].repeat", e.Key);
    }

    [Fact]
    public void Loading_a_file_names_the_file_and_the_key()
    {
        string path = Path.Combine(Path.GetTempPath(), $"topology-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Mutate(json => json["tracesPerSecond"] = 0));
        try
        {
            var e = Assert.Throws<SimulatedSystemException>(() => SimulatedSystem.Load(path));

            Assert.Equal("tracesPerSecond", e.Key);
            Assert.Contains(path, e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void The_generator_refuses_an_invalid_model_built_in_code()
    {
        SimulatedSystem broken = SimulatedSystem.Parse(Tiny).WithTracesPerSecond(-1);

        var e = Assert.Throws<SimulatedSystemException>(() => new TraceGenerator(broken, 1, 0));

        Assert.Equal("tracesPerSecond", e.Key);
    }

    [Fact]
    public void Changing_the_weight_of_a_missing_entry_point_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => SimulatedSystem.OnlineShop.WithEntryPointWeight("reporting", "GET /nothing", 1));
    }

    private static SimulatedSystemException Rejected(Action<JsonNode> mutate) =>
        Assert.Throws<SimulatedSystemException>(() => SimulatedSystem.Parse(Mutate(mutate)));

    private static string Mutate(Action<JsonNode> mutate)
    {
        JsonNode json = JsonNode.Parse(Tiny)!;
        mutate(json);
        return json.ToJsonString();
    }
}
