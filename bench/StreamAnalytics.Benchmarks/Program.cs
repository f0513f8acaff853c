using BenchmarkDotNet.Running;

// Entry point: BenchmarkDotNet's switcher, so `--filter '*'`, `--list flat` and the other options work.
BenchmarkSwitcher.FromAssembly(typeof(StreamAnalytics.Benchmarks.SampleData).Assembly).Run(args);
