using StreamAnalytics.Bench;

// Entry point of `streamanalytics-bench` (run as `bash eng/streamanalytics.sh bench ...`): the bench command is the root.
return await BenchCommand.RunFromCommandLineAsync(args);
