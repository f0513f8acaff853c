using System.CommandLine;
using StreamAnalytics.Cli.Commands;

// Composition root of the `streamanalytics` command. Each command lives in Commands/ and builds its own options.
var root = new RootCommand("StreamAnalytics: real-time trace analytics on Kafka (assemble traces, extract features, aggregate to Elasticsearch and Prometheus).");
foreach (var command in CommandCatalog.All())
{
    root.Subcommands.Add(command);
}
ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    // A usage error exits 2, like invalid configuration, and names what was wrong without the whole help text.
    foreach (var error in parsed.Errors) Console.Error.WriteLine("error: " + error.Message);
    string name = parsed.CommandResult.Command == root ? "streamanalytics" : "streamanalytics " + parsed.CommandResult.Command.Name;
    Console.Error.WriteLine($"see `{name} --help`");
    return 2;
}
return await parsed.InvokeAsync();
