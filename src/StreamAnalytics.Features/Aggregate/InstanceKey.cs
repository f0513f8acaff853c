using System.Runtime.CompilerServices;

namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// A series' dimension strings as object references: the features' names are interned instances (the same
/// <c>StringTable</c> string, the same cached <c>service::operation</c> key, trace after trace), so reference equality
/// finds a series without hashing the text. Equal text in another instance is just a different key for the same series.
/// </summary>
internal readonly struct InstanceKey(AggregateKind kind, string? v0, string? v1 = null, string? v2 = null) : IEquatable<InstanceKey>
{
    private readonly AggregateKind _kind = kind;
    private readonly string? _v0 = v0;
    private readonly string? _v1 = v1;
    private readonly string? _v2 = v2;

    public bool Equals(InstanceKey other) =>
        _kind == other._kind && ReferenceEquals(_v0, other._v0) && ReferenceEquals(_v1, other._v1) && ReferenceEquals(_v2, other._v2);

    public override bool Equals(object? obj) => obj is InstanceKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(
        (int)_kind, RuntimeHelpers.GetHashCode(_v0), RuntimeHelpers.GetHashCode(_v1), RuntimeHelpers.GetHashCode(_v2));
}
