using BenchmarkDotNet.Running;
using StreamAnalytics.Benchmarks;

// `stages [messages]`: where a span's time and a trace's allocations go, stage by stage (not BenchmarkDotNet: one
// quick pass, for profiling before optimising). Anything else goes to BenchmarkDotNet's switcher, so `--filter '*'`,
// `--list flat` and the other options work.
if (args.Length > 0 && args[0] == "stages")
{
    StageProfile.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(SampleData).Assembly).Run(args);
