namespace StreamAnalytics.Sinks.Tests.Prometheus;

/// <summary>
/// A fact that needs a Prometheus binary (<c>promtool</c> or <c>prometheus</c>). It is skipped, with a message, only
/// when the binary is missing on a developer machine; when <c>CI=true</c> it runs and fails with a message that says
/// how to install the binary, so CI cannot silently lose these tests.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute(string binary)
    {
        bool ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (PrometheusBinaries.Find(binary) is null && !ci)
            Skip = $"'{binary}' is not installed (eng/setup.sh installs Debian's prometheus package; with CI=true this test fails instead)";
    }
}
