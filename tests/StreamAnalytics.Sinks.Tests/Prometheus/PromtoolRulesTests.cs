namespace StreamAnalytics.Sinks.Tests.Prometheus;

/// <summary>The rules and configs in deploy/prometheus, checked and unit-tested with promtool as CI does.</summary>
public class PromtoolRulesTests
{
    internal static string DeployDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "deploy", "prometheus");
            if (System.IO.File.Exists(Path.Combine(candidate, "rules.yml"))) return candidate;
        }
        throw new InvalidOperationException($"deploy/prometheus/rules.yml not found above {AppContext.BaseDirectory}");
    }

    [PrometheusFact("promtool")]
    public void The_rules_pass_promtool_check_rules()
    {
        var (exit, output) = PrometheusBinaries.Run(PrometheusBinaries.Require("promtool"), ["check", "rules", "rules.yml"], workingDirectory: DeployDirectory());
        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    [PrometheusFact("promtool")]
    public void The_rule_unit_tests_pass_promtool_test_rules()
    {
        var (exit, output) = PrometheusBinaries.Run(PrometheusBinaries.Require("promtool"), ["test", "rules", "rules.test.yml"], workingDirectory: DeployDirectory());
        Assert.True(exit == 0, output);
    }

    [PrometheusFact("promtool")]
    public void The_example_scrape_configs_are_valid()
    {
        string promtool = PrometheusBinaries.Require("promtool");
        foreach (string config in new[] { "prometheus.yml", "prometheus.compose.yml" })
        {
            var (exit, output) = PrometheusBinaries.Run(promtool, ["check", "config", config], workingDirectory: DeployDirectory());
            Assert.True(exit == 0, config + ": " + output);
        }
    }
}
