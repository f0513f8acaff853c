using System.Globalization;
using System.Text;
using System.Text.Json;
using StreamAnalytics.Streams.Configuration;

namespace StreamAnalytics.Cli.Configuration;

/// <summary>
/// The effective configuration of a job: the job file, then environment variables, then <c>--set key=value</c>, each
/// overriding the one before (the usual order for containerised Kafka tools). Values are kept as text with their source,
/// validated against <see cref="ConfigKeys"/> in one pass so every problem is reported at once.
/// </summary>
/// <remarks>
/// Job files are JSON objects; nested objects flatten into dotted keys, so <c>{"assembly": {"gap.ms": 5000}}</c> and
/// <c>{"assembly.gap.ms": 5000}</c> are the same. Keys under a pass-through prefix (<c>kafka.</c>) go to the Kafka client
/// unchanged, which is how SASL/SSL settings are given.
/// </remarks>
public sealed class JobConfiguration
{
    private readonly Dictionary<string, (string Value, string Source)> _values = new(StringComparer.Ordinal);

    private JobConfiguration() { }

    /// <summary>Builds and validates a configuration. Throws <see cref="ConfigurationException"/> listing every problem.</summary>
    public static JobConfiguration Load(string? jobFile, IEnumerable<string> sets, IDictionary<string, string?> environment)
    {
        var config = new JobConfiguration();
        var problems = new List<string>();
        if (jobFile is not null)
        {
            if (!File.Exists(jobFile)) throw new ConfigurationException([$"job file '{jobFile}' does not exist"]);
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(jobFile), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigurationException([$"job file '{jobFile}': the top level must be a JSON object"]);
                config.Flatten(doc.RootElement, "", $"job file {Path.GetFileName(jobFile)}", problems);
            }
            catch (JsonException e)
            {
                // System.Text.Json counts lines and columns from 0; editors count from 1.
                string reason = e.Message;
                int cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
                if (cut < 0) cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
                if (cut > 0) reason = reason[..cut];
                string where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
                throw new ConfigurationException([$"job file '{jobFile}' is not valid JSON{where}: {reason}"]);
            }
        }

        foreach (var (name, value) in environment)
        {
            if (value is null || !name.StartsWith("STREAMANALYTICS_", StringComparison.Ordinal)) continue;
            string? key = ConfigKeys.FromEnvironmentName(name);
            if (key is null) problems.Add($"environment variable {name} does not match any configuration key (see docs/CONFIGURATION.md)");
            else config._values[key] = (value, $"environment {name}");
        }

        foreach (string set in sets)
        {
            int eq = set.IndexOf('=');
            if (eq <= 0) { problems.Add($"--set '{set}' is not key=value"); continue; }
            config._values[set[..eq].Trim()] = (set[(eq + 1)..], "--set");
        }

        config.Validate(problems);
        if (problems.Count > 0) throw new ConfigurationException(problems);
        return config;
    }

    /// <summary>For tests and embedded uses: a configuration from key/value pairs only.</summary>
    public static JobConfiguration FromPairs(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var sets = new List<string>();
        foreach (var kv in pairs) sets.Add(kv.Key + "=" + kv.Value);
        return Load(null, sets, new Dictionary<string, string?>());
    }

    private void Flatten(JsonElement element, string prefix, string source, List<string> problems)
    {
        foreach (var property in element.EnumerateObject())
        {
            string key = prefix.Length == 0 ? property.Name : prefix + "." + property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object:
                    Flatten(property.Value, key, source, problems);
                    break;
                case JsonValueKind.Array:
                    var items = new List<string>();
                    foreach (var item in property.Value.EnumerateArray())
                    {
                        if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array) { problems.Add($"{key} ({source}): list items must be strings or numbers"); continue; }
                        items.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
                    }
                    SetFromFile(key, string.Join(",", items), source, problems);
                    break;
                case JsonValueKind.String:
                    SetFromFile(key, property.Value.GetString()!, source, problems);
                    break;
                case JsonValueKind.Null:
                    _values.Remove(key);
                    break;
                default:
                    SetFromFile(key, property.Value.GetRawText(), source, problems);
                    break;
            }
        }
    }

    /// <summary>
    /// A key from the job file; the same key twice in it (nested and flat, <c>"assembly": {"gap.ms": …}</c> and
    /// <c>"assembly.gap.ms"</c>, or a repeated name) is an error rather than a silent last-one-wins.
    /// </summary>
    private void SetFromFile(string key, string value, string source, List<string> problems)
    {
        if (_values.TryGetValue(key, out var previous) && previous.Source == source)
            problems.Add($"{key} ({source}) is set twice (nested and flat forms of one key, or a repeated name): keep one");
        _values[key] = (value, source);
    }

    private void Validate(List<string> problems)
    {
        foreach (var (key, (value, source)) in _values)
        {
            if (ConfigKeys.IsPassThrough(key)) continue;
            if (!ConfigKeys.TryGet(key, out var def))
            {
                string? hint = ConfigKeys.Suggest(key);
                problems.Add($"{key} ({source}): unknown key" + (hint is null ? "" : $"; did you mean '{hint}'?"));
                continue;
            }
            string? problem = Check(def, value);
            if (problem is not null) problems.Add($"{key} ({source}): {problem}");
        }
        foreach (var def in ConfigKeys.All)
        {
            if (def.Default is null && ConfigKeys.Required.Contains(def.Name) && !_values.ContainsKey(def.Name))
                problems.Add($"{def.Name}: required (set it in the job file, with --set {def.Name}=..., or {ConfigKeys.EnvironmentName(def.Name)})");
        }
    }

    private static string? Check(ConfigKey def, string value)
    {
        string shown = def.Secret ? "***" : $"'{value}'";
        switch (def.Type)
        {
            case ConfigValueType.Integer:
                if (!long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n)) return $"{shown} is not an integer";
                if (n < def.Min || n > def.Max) return $"{n} is out of range [{def.Min}, {def.Max}]";
                return null;
            case ConfigValueType.Boolean:
                return value is "true" or "false" ? null : $"{shown} is not true or false";
            case ConfigValueType.Enum:
                foreach (string allowed in def.AllowedValues) if (string.Equals(allowed, value, StringComparison.OrdinalIgnoreCase)) return null;
                return $"{shown} is not one of: {string.Join(", ", def.AllowedValues)}";
            case ConfigValueType.List:
                // An empty list is valid: it is how a sink is switched off (elasticsearch.urls=).
                if (def.AllowedValues.Count == 0) return null;
                foreach (string item in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    bool ok = false;
                    foreach (string allowed in def.AllowedValues) ok |= string.Equals(allowed, item, StringComparison.OrdinalIgnoreCase);
                    if (!ok) return $"'{item}' is not one of: {string.Join(", ", def.AllowedValues)}";
                }
                return null;
            case ConfigValueType.Endpoint:
                int colon = value.LastIndexOf(':');
                return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out int port) && port is >= 0 and <= 65535
                    ? null : $"{shown} is not host:port (e.g. 127.0.0.1:9464)";
            default:
                return null;
        }
    }

    /// <summary>The value of a documented key, or its default.</summary>
    public string? Get(string key)
    {
        if (_values.TryGetValue(key, out var v)) return v.Value;
        return ConfigKeys.TryGet(key, out var def) ? def.Default : null;
    }

    public bool IsSet(string key) => _values.ContainsKey(key);

    public string GetString(string key) => Get(key) ?? throw new InvalidOperationException($"{key} has no value and no default");

    public long GetLong(string key) => long.Parse(GetString(key), CultureInfo.InvariantCulture);

    public int GetInt(string key) => checked((int)GetLong(key));

    public bool GetBool(string key) => GetString(key) == "true";

    public IReadOnlyList<string> GetList(string key) =>
        (Get(key) ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every key under <paramref name="prefix"/> with the prefix removed (e.g. Kafka client settings).</summary>
    public IReadOnlyDictionary<string, string> WithPrefix(string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, (value, _)) in _values)
            if (key.StartsWith(prefix, StringComparison.Ordinal)) result[key[prefix.Length..]] = value;
        return result;
    }

    /// <summary>The effective configuration for the start-up log, with secrets masked.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        foreach (var (key, (value, source)) in _values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.Append(key).Append('=').Append(ConfigKeys.IsSecret(key) ? "***" : value).Append("  (").Append(source).Append(")\n");
        return sb.ToString();
    }
}
