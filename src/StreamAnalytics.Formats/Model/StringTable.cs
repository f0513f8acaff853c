using System.Text;

namespace StreamAnalytics.Formats.Model;

/// <summary>
/// Interns service, operation and peer names so that a <see cref="Span"/> stores a 4-byte id instead of a string.
/// One table is shared by every decoder and reader of a process; ids are stable for the life of the process
/// (they are never written to Kafka: changelogs and outputs carry the strings).
/// </summary>
/// <remarks>
/// Thread-safe. Bounded by <see cref="MaxEntries"/>: once full, new names intern to <see cref="Overflow"/> and
/// <see cref="OverflowCount"/> counts them, so a cardinality attack (millions of distinct operation names) costs a
/// fixed amount of memory instead of growing without limit.
/// </remarks>
public sealed class StringTable
{
    /// <summary>Id 0: no string (e.g. no peer).</summary>
    public const int None = 0;
    /// <summary>Id 1: the name was missing in the input.</summary>
    public const int Unknown = 1;
    /// <summary>Id 2: the table was full when this name was first seen.</summary>
    public const int Overflow = 2;

    public const string UnknownName = "unknown";
    public const string OverflowName = "__overflow__";

    /// <summary>Job key of <see cref="MaxEntries"/> (a job makes its own table of that size).</summary>
    public const string MaxEntriesKey = "decode.max.interned.names";

    /// <summary>Default <see cref="MaxEntries"/>: one million names (tens of MB at most).</summary>
    public const int DefaultMaxEntries = 1_000_000;

    /// <summary>Smallest accepted <see cref="MaxEntries"/> (the three reserved ids plus room for real names).</summary>
    public const int MinEntries = 16;

    /// <summary>The table for tools and benchmarks; a job makes its own, sized by <see cref="MaxEntriesKey"/>.</summary>
    public static StringTable Shared { get; } = new(DefaultMaxEntries);

    private readonly object _lock = new();
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _byChars;
    private string[] _strings = new string[1024];
    private int _count;
    private long _overflowCount;

    public StringTable(int maxEntries = DefaultMaxEntries)
    {
        if (maxEntries < MinEntries) throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, $"{MaxEntriesKey} must be at least {MinEntries}");
        MaxEntries = maxEntries;
        _byChars = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
        Add(""); // None
        Add(UnknownName);
        Add(OverflowName);
    }

    /// <summary>The most distinct strings this table holds (job key <c>decode.max.interned.names</c>).</summary>
    public int MaxEntries { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Names that could not be interned because the table was full (they read as <see cref="OverflowName"/>). Exported as
    /// <c>decode_names_overflowed_total</c> by the decode processor.
    /// </summary>
    public long OverflowCount => Interlocked.Read(ref _overflowCount);

    /// <summary>The string for an id returned by this table.</summary>
    public string this[int id] => Volatile.Read(ref _strings)[id];

    public int Intern(string value)
    {
        if (value.Length == 0) return Unknown;
        lock (_lock)
        {
            if (_ids.TryGetValue(value, out int id)) return id;
            return AddOrOverflow(value);
        }
    }

    public int Intern(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return Unknown;
        lock (_lock)
        {
            if (_byChars.TryGetValue(value, out int id)) return id;
            return AddOrOverflow(value.ToString());
        }
    }

    /// <summary>Interns UTF-8 bytes; invalid UTF-8 is replaced with U+FFFD, as System.Text.Json would.</summary>
    public int Intern(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return Unknown;
        // Names are short; decode on the stack and look up by chars, so only a new name allocates a string.
        if (utf8.Length <= 256)
        {
            Span<char> chars = stackalloc char[256];
            int n = Encoding.UTF8.GetChars(utf8, chars);
            return Intern(chars[..n]);
        }
        return Intern(Encoding.UTF8.GetString(utf8));
    }

    private int AddOrOverflow(string value)
    {
        if (_count >= MaxEntries)
        {
            _overflowCount++;
            return Overflow;
        }
        return Add(value);
    }

    private int Add(string value)
    {
        int id = _count;
        if (id == _strings.Length)
        {
            var bigger = new string[_strings.Length * 2];
            Array.Copy(_strings, bigger, id);
            Volatile.Write(ref _strings, bigger);
        }
        _strings[id] = value;
        _ids[value] = id;
        Volatile.Write(ref _count, id + 1);
        return id;
    }
}
