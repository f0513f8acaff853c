using System.Text.Json;

namespace StreamAnalytics.Formats.Tests.Support;

internal static class GoldenFile
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };

    public static List<SpanView> Expected(string name) =>
        JsonSerializer.Deserialize<List<SpanView>>(File.ReadAllText(TestData.Path(name)), Options)
        ?? throw new InvalidOperationException(name + " is empty");

    public static string Render(IEnumerable<SpanView> views) => JsonSerializer.Serialize(views, Options);

    /// <summary>Compares element by element so that a failure names the span that differs.</summary>
    public static void AssertMatches(string expectedFile, List<SpanView> actual)
    {
        List<SpanView> expected = Expected(expectedFile);
        Assert.True(expected.Count == actual.Count, $"expected {expected.Count} spans, got {actual.Count}:\n{Render(actual)}");
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }
}
