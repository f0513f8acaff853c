
namespace StreamAnalytics.Sinks.Prometheus;

/// <summary>
/// The exported state of one metric (one or more instruments with the same Prometheus name and type): its series,
/// each found by its tag values without allocating once it exists, and bounded by <c>metrics.cardinality.limit</c>.
/// </summary>
/// <remarks>Thread-safe: recording threads and the scrape lock <see cref="Sync"/>.</remarks>
internal sealed class MetricFamily
{
    private readonly Dictionary<int, Series> _byHash = new();
    private readonly List<Series> _series = [];
    private readonly int _limit;
    private readonly bool _exemplars;
    private readonly SeriesIdentityCache _identity = new();
    private Series? _overflowSeries;

    public MetricFamily(string name, string type, string help, bool cumulativeInput, bool observable, double[]? bounds, int limit, bool exemplars)
    {
        Name = name;
        Type = type;
        Help = help;
        CumulativeInput = cumulativeInput;
        Observable = observable;
        Bounds = bounds;
        _limit = limit;
        _exemplars = exemplars;
    }

    public object Sync { get; } = new();

    /// <summary>Sample name: sanitized, unit-suffixed, <c>_total</c> for counters.</summary>
    public string Name { get; }

    /// <summary><c>counter</c>, <c>gauge</c> or <c>histogram</c>.</summary>
    public string Type { get; }

    public string Help { get; }

    /// <summary>Measurements are the current value (gauges, observable instruments), not increments.</summary>
    public bool CumulativeInput { get; }

    /// <summary>Series are rebuilt from callbacks at every scrape.</summary>
    public bool Observable { get; }

    /// <summary>Histogram upper bounds (finite); +Inf is implicit.</summary>
    public double[]? Bounds { get; }

    /// <summary>Measurements redirected to the overflow series.</summary>
    public long Overflowed { get; private set; }

    public IReadOnlyList<Series> SeriesList => _series;

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (Sync)
        {
            Series series = _identity.TryFind(tags, out int slot) ?? FindOrAdd(tags, slot);
            if (ReferenceEquals(series, _overflowSeries)) Overflowed++;
            if (Bounds is not null)
            {
                int i = 0;
                while (i < Bounds.Length && value > Bounds[i]) i++;
                series.Buckets![i]++;
                series.Count++;
                series.Value += value;
                if (_exemplars && ExemplarContext.CurrentTraceId is { } traceId)
                    series.Exemplars![i] = new Exemplar(traceId, value, ExemplarContext.CurrentUnixSeconds());
            }
            else if (CumulativeInput)
            {
                series.Value = value;
            }
            else
            {
                series.Value += value;
            }
        }
    }

    /// <summary>Drops every series (observable instruments before their callbacks run again). Call holding <see cref="Sync"/>.</summary>
    public void ClearSeries()
    {
        _byHash.Clear();
        _series.Clear();
        _overflowSeries = null;
        _identity.Clear();
    }

    /// <summary>The content lookup (hash of the label text), adding the series or taking the overflow one; remembered in the identity cache.</summary>
    private Series FindOrAdd(ReadOnlySpan<KeyValuePair<string, object?>> tags, int identitySlot)
    {
        int hash = Hash(tags);
        Series? series = Find(hash, tags);
        if (series is null)
        {
            if (_series.Count - (_overflowSeries is null ? 0 : 1) >= _limit)
            {
                series = _overflowSeries ??= Add(new Series([new Label("overflow", "true")], [], Bounds));
            }
            else
            {
                series = CreateSeries(tags);
                series.Next = _byHash.GetValueOrDefault(hash);
                _byHash[hash] = series;
                Add(series);
            }
        }
        _identity.Remember(identitySlot, tags, series);
        return series;
    }

    private Series Add(Series s)
    {
        _series.Add(s);
        return s;
    }

    private Series? Find(int hash, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        for (var s = _byHash.GetValueOrDefault(hash); s is not null; s = s.Next)
        {
            if (s.Matches(tags)) return s;
        }
        return null;
    }

    private Series CreateSeries(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new Label[tags.Length];
        var keys = new string[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            keys[i] = tags[i].Key;
            labels[i] = new Label(PrometheusNames.LabelName(tags[i].Key), ValueString(tags[i].Value));
        }
        // Sorted by label name: the same tag set in another order is the same series, and output is stable.
        Array.Sort(labels, keys, LabelNameComparer.Instance);
        return new Series(labels, keys, Bounds);
    }

    internal static string ValueString(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Order-independent hash of the tags, computed without allocating for string values.</summary>
    private static int Hash(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        int hash = tags.Length;
        foreach (var tag in tags)
        {
            int valueHash = tag.Value switch
            {
                null => 0,
                string s => s.GetHashCode(),
                _ => ValueString(tag.Value).GetHashCode(),
            };
            hash += HashCode.Combine(tag.Key, valueHash);
        }
        return hash;
    }

    internal sealed class Series
    {
        private readonly string[] _keys;

        public Series(Label[] labels, string[] keys, double[]? bounds)
        {
            Labels = labels;
            _keys = keys;
            if (bounds is not null)
            {
                Buckets = new long[bounds.Length + 1];
                Exemplars = new Exemplar[bounds.Length + 1];
            }
        }

        public Label[] Labels { get; }

        /// <summary>Counter/gauge value, or the histogram sum.</summary>
        public double Value;

        public long Count;

        public long[]? Buckets { get; }

        public Exemplar[]? Exemplars { get; }

        public Series? Next;

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _keys.Length) return false;
            foreach (var tag in tags)
            {
                int i = Array.IndexOf(_keys, tag.Key);
                if (i < 0) return false;
                string expected = Labels[i].Value;
                if (tag.Value is string s ? !string.Equals(s, expected, StringComparison.Ordinal) : ValueString(tag.Value) != expected) return false;
            }
            return true;
        }
    }

    private sealed class LabelNameComparer : IComparer<Label>
    {
        public static readonly LabelNameComparer Instance = new();
        public int Compare(Label x, Label y) => string.CompareOrdinal(x.Name, y.Name);
    }
}
