using System.CommandLine;

namespace StreamAnalytics.Cli.Commands;

/// <summary>Every subcommand of <c>streamanalytics</c>, in the order <c>--help</c> lists them.</summary>
internal static class CommandCatalog
{
    public static IEnumerable<Command> All()
    {
        yield return DemoCommand.Create();
        yield return RunCommand.Create();
        yield return GenerateCommand.Create();
        yield return ReplayCommand.Create();
        yield return KafkaMockCommand.Create();
        yield return ProbeCommand.Create();
        yield return ConfigKeysCommand.Create();
    }
}
