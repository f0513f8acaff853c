using YamlDotNet.RepresentationModel;

namespace StreamAnalytics.Cli.Tests.Deploy;

/// <summary>The shipped YAML files as plain trees (maps, lists, scalar strings), every document of a file.</summary>
internal static class Yaml
{
    public static List<Dictionary<string, object?>> LoadAll(string relativePath)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(RepositoryFiles.Find(relativePath))) stream.Load(reader);
        var documents = new List<Dictionary<string, object?>>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" }) continue; // an empty document after a trailing ---
            documents.Add(Assert.IsType<Dictionary<string, object?>>(Convert(document.RootNode)));
        }
        return documents;
    }

    public static Dictionary<string, object?> Load(string relativePath) => Assert.Single(LoadAll(relativePath));

    private static object? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => Convert(kv.Value)),
        YamlSequenceNode seq => seq.Children.Select(Convert).ToList(),
        YamlScalarNode scalar => scalar.Value,
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    /// <summary>The value at a dotted path of map keys; fails the test, naming the path, when it is missing.</summary>
    public static T At<T>(object? node, string path)
    {
        object? current = node;
        foreach (string key in path.Split('.'))
        {
            var map = Assert.IsType<Dictionary<string, object?>>(current);
            Assert.True(map.TryGetValue(key, out current), $"'{path}': no key '{key}'");
        }
        return Assert.IsAssignableFrom<T>(current);
    }

    public static Dictionary<string, object?> Map(object? node, string path) => At<Dictionary<string, object?>>(node, path);

    public static List<object?> List(object? node, string path) => At<List<object?>>(node, path);

    public static string Text(object? node, string path) => At<string>(node, path);

    public static bool Has(object? node, string key) => node is Dictionary<string, object?> map && map.ContainsKey(key);
}
