using StreamAnalytics.Formats.Model;

namespace StreamAnalytics.Formats;

/// <summary>
/// A reusable, growable buffer of decoded spans. Decoders append to it; a failed decode rolls back to where it started,
/// so a batch never holds half of a bad message.
/// </summary>
/// <remarks>Not thread-safe: one batch per decoding thread.</remarks>
public sealed class SpanBatch
{
    private Span[] _items;

    public SpanBatch(int initialCapacity = 256) => _items = new Span[Math.Max(4, initialCapacity)];

    public int Count { get; private set; }

    public ReadOnlySpan<Span> Spans => _items.AsSpan(0, Count);

    public ref Span this[int index]
    {
        get
        {
            if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
            return ref _items[index];
        }
    }

    /// <summary>Appends a default span and returns a reference to it for the decoder to fill.</summary>
    public ref Span Add()
    {
        if (Count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        ref Span s = ref _items[Count++];
        s = default;
        return ref s;
    }

    public void Add(in Span span) => Add() = span;

    /// <summary>Drops everything after <paramref name="count"/> (used to undo a failed message).</summary>
    public void Truncate(int count)
    {
        if ((uint)count > (uint)Count) throw new ArgumentOutOfRangeException(nameof(count));
        Count = count;
    }

    public void Clear() => Count = 0;
}
