namespace StreamAnalytics.Tools.Generate;

// The built-in default, kept apart from the model: it is data. jobs/topologies/online-shop.json must describe the same model (a test
// compares the two), so change both together.
public sealed partial class SimulatedSystem
{
    /// <summary>Service name of the root of the long and wide batch-report traces in <see cref="OnlineShop"/>.</summary>
    public const string ReportingService = "reporting";

    /// <summary>The <see cref="OnlineShop"/> entry point whose traces are a chain of 24 nested sections (depth 26 or more).</summary>
    public const string DeepReportOperation = "GET /reports/tree";

    /// <summary>The <see cref="OnlineShop"/> entry point whose traces fan out to 150–250 parallel catalogue lookups (300 spans or more).</summary>
    public const string WideReportOperation = "POST /reports/batch";

    /// <summary>
    /// An online shop modelled on Google's Online Boutique: <c>api-gateway</c> → <c>frontend</c> → checkout, cart (Redis),
    /// productcatalog (PostgreSQL), currency, payment, shipping, recommendation; checkout publishes to the <c>orders</c> Kafka topic,
    /// consumed by <c>fulfillment</c> and <c>email</c>. About one trace in 500 is a long or wide batch report from <c>reporting</c>.
    /// A payment incident (+250 ms, 30 % errors) runs from 20 s to 30 s of every 120 s of virtual time, so a 30-second demo shows it.
    /// </summary>
    /// <remarks>A new instance on each call; equal to <c>jobs/topologies/online-shop.json</c>.</remarks>
    public static SimulatedSystem OnlineShop => new()
    {
        Name = "online-shop",
        TracesPerSecond = 200,
        ErrorPropagation = 0.8,
        NetworkLatency = new LatencyDistribution(0.2, 1.5),
        ClockSkew = new ClockSkewSettings { Fraction = 0.005, MaxMs = 5 },
        MaxSpansPerTrace = 10_000,
        EntryPoints =
        [
            Entry("api-gateway", "GET /", 30),
            Entry("api-gateway", "GET /product/{id}", 35),
            Entry("api-gateway", "GET /cart", 10),
            Entry("api-gateway", "POST /cart", 12),
            Entry("api-gateway", "POST /cart/checkout", 5),
            Entry("api-gateway", "POST /setCurrency", 3),
            Entry(ReportingService, DeepReportOperation, 0.1),
            Entry(ReportingService, WideReportOperation, 0.1),
        ],
        Services =
        [
            Service("api-gateway",
                Gateway("GET /"),
                Gateway("GET /product/{id}"),
                Gateway("GET /cart"),
                Gateway("POST /cart"),
                Gateway("POST /cart/checkout"),
                Gateway("POST /setCurrency")),
            Service("frontend",
                Http("GET /", 3, 20, 0.001,
                    Call("currency", "GetSupportedCurrencies"),
                    Call("productcatalog", "ListProducts"),
                    Call("cart", "GetCart"),
                    Call("currency", "Convert", repeat: new(4, 9), parallel: true),
                    Call("ad", "GetAds", withPrevious: true)),
                Http("GET /product/{id}", 3, 25, 0.001,
                    Call("productcatalog", "GetProduct"),
                    Call("currency", "GetSupportedCurrencies"),
                    Call("cart", "GetCart", withPrevious: true),
                    Call("currency", "Convert"),
                    Call("recommendation", "ListRecommendations"),
                    Call("ad", "GetAds", withPrevious: true)),
                Http("GET /cart", 3, 20, 0.001,
                    Call("currency", "GetSupportedCurrencies"),
                    Call("cart", "GetCart"),
                    Call("recommendation", "ListRecommendations"),
                    Call("shipping", "GetQuote"),
                    Call("productcatalog", "GetProduct", repeat: new(1, 5)),
                    Call("currency", "Convert", repeat: new(1, 5), parallel: true)),
                Http("POST /cart", 2, 15, 0.001,
                    Call("productcatalog", "GetProduct"),
                    Call("cart", "AddItem")),
                Http("POST /cart/checkout", 4, 30, 0.002,
                    Call("checkout", "PlaceOrder")),
                Http("POST /setCurrency", 1, 8, 0.0005,
                    Call("currency", "GetSupportedCurrencies"))),
            Service("checkout",
                Grpc("PlaceOrder", 5, 40, 0.002,
                    Call("cart", "GetCart"),
                    // One catalogue lookup per cart item, one after the other, as Online Boutique's checkout does.
                    Call("productcatalog", "GetProduct", repeat: new(1, 5)),
                    Call("currency", "Convert", repeat: new(1, 5), parallel: true),
                    Call("shipping", "GetQuote"),
                    Call("payment", "Charge"),
                    Call("shipping", "ShipOrder"),
                    Db("postgres", "INSERT orders"),
                    Call("cart", "EmptyCart"),
                    Publish("orders"))),
            Service("cart",
                Grpc("GetCart", 1, 8, 0.001, Db("redis-cart", "HGETALL")),
                Grpc("AddItem", 1, 10, 0.001, Db("redis-cart", "HSET"), Db("redis-cart", "EXPIRE")),
                Grpc("EmptyCart", 1, 8, 0.001, Db("redis-cart", "DEL"))),
            Service("productcatalog",
                Grpc("ListProducts", 2, 15, 0.0005, Db("postgres", "SELECT products")),
                Grpc("GetProduct", 0.5, 5, 0.0005, Db("postgres", "SELECT products", probability: 0.7))),
            Service("currency",
                Grpc("GetSupportedCurrencies", 0.3, 3, 0.0002),
                Grpc("Convert", 0.3, 4, 0.0005)),
            Service("payment",
                Grpc("Charge", 20, 150, 0.01)),
            Service("shipping",
                Grpc("GetQuote", 1, 6, 0.0005),
                Grpc("ShipOrder", 3, 25, 0.002)),
            Service("recommendation",
                Grpc("ListRecommendations", 4, 30, 0.001,
                    Call("productcatalog", "ListProducts"))),
            Service("ad",
                Grpc("GetAds", 1, 10, 0.0005)),
            Service("email",
                Consumer("orders process", 2, 20, 0.002,
                    Call("email", "RenderConfirmation"),
                    Call("email", "SendConfirmation")),
                Internal("RenderConfirmation", 3, 15, 0),
                Internal("SendConfirmation", 30, 200, 0.005)),
            Service("fulfillment",
                Consumer("orders process", 3, 25, 0.002,
                    Db("postgres", "SELECT orders"),
                    Call("shipping", "ShipOrder"),
                    Db("postgres", "UPDATE orders"))),
            Service(ReportingService,
                Http(DeepReportOperation, 5, 30, 0.005,
                    Call(ReportingService, "RenderSection", depth: 24)),
                Http(WideReportOperation, 10, 60, 0.005,
                    Call("productcatalog", "GetProduct", repeat: new(150, 250), parallel: true),
                    Db("postgres", "INSERT reports")),
                Internal("RenderSection", 0.5, 4, 0.0005,
                    Db("postgres", "SELECT sections"))),
        ],
        Databases =
        [
            new DatabaseDefinition { Name = "redis-cart", System = "redis", DbName = "0", Address = "redis-cart:6379", Latency = new(0.3, 3), ErrorRate = 0.0005 },
            new DatabaseDefinition { Name = "postgres", System = "postgresql", DbName = "shop", Address = "postgres:5432", Latency = new(1, 12), ErrorRate = 0.0005 },
        ],
        Topics =
        [
            new TopicDefinition
            {
                Name = "orders",
                System = "kafka",
                Address = "kafka:9092",
                PublishLatency = new(1, 8),
                DeliveryDelay = new(5, 50),
                Consumers =
                [
                    new ConsumerDefinition { Service = "fulfillment", Operation = "orders process" },
                    new ConsumerDefinition { Service = "email", Operation = "orders process" },
                ],
            },
        ],
        Incidents =
        [
            new IncidentDefinition
            {
                Service = "payment",
                Operation = "Charge",
                ExtraLatencyMs = 250,
                ErrorRate = 0.3,
                StartOffsetSeconds = 20,
                EndOffsetSeconds = 30,
                PeriodSeconds = 120,
            },
        ],
    };

    private static EntryPointDefinition Entry(string service, string operation, double weight) =>
        new() { Service = service, Operation = operation, Weight = weight };

    private static ServiceDefinition Service(string name, params OperationDefinition[] operations) =>
        new() { Name = name, Operations = operations };

    private static OperationDefinition Gateway(string route) =>
        Http(route, 0.5, 4, 0.0002, Call("frontend", route));

    private static OperationDefinition Http(string name, double medianMs, double p99Ms, double errorRate, params CallDefinition[] calls) =>
        Operation(name, OperationKind.Server, CallProtocol.Http, medianMs, p99Ms, errorRate, calls);

    private static OperationDefinition Grpc(string name, double medianMs, double p99Ms, double errorRate, params CallDefinition[] calls) =>
        Operation(name, OperationKind.Server, CallProtocol.Grpc, medianMs, p99Ms, errorRate, calls);

    private static OperationDefinition Internal(string name, double medianMs, double p99Ms, double errorRate, params CallDefinition[] calls) =>
        Operation(name, OperationKind.Internal, CallProtocol.None, medianMs, p99Ms, errorRate, calls);

    private static OperationDefinition Consumer(string name, double medianMs, double p99Ms, double errorRate, params CallDefinition[] calls) =>
        Operation(name, OperationKind.Consumer, CallProtocol.None, medianMs, p99Ms, errorRate, calls);

    private static OperationDefinition Operation(
        string name, OperationKind kind, CallProtocol protocol, double medianMs, double p99Ms, double errorRate, CallDefinition[] calls) =>
        new()
        {
            Name = name,
            Kind = kind,
            Protocol = protocol,
            Latency = new LatencyDistribution(medianMs, p99Ms),
            ErrorRate = errorRate,
            Calls = calls,
        };

    private static CallDefinition Call(
        string service, string operation, RepeatRange? repeat = null, bool parallel = false, bool withPrevious = false, int depth = 1) =>
        new()
        {
            Service = service,
            Operation = operation,
            Repeat = repeat ?? new RepeatRange(),
            Concurrency = parallel ? CallConcurrency.Parallel : CallConcurrency.Sequential,
            WithPrevious = withPrevious,
            Depth = depth,
        };

    private static CallDefinition Db(string database, string statement, double probability = 1) =>
        new() { Database = database, Operation = statement, Probability = probability };

    private static CallDefinition Publish(string topic) => new() { Topic = topic };
}
