using System.CommandLine;
using StreamAnalytics.Cli.Commands;

// Composition root of the `streamanalytics` command. Each command lives in Commands/ and builds its own options.
var root = new RootCommand("StreamAnalytics: real-time trace analytics on Kafka (assemble traces, extract features, aggregate to Elasticsearch and Prometheus).");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
