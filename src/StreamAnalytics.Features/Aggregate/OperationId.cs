namespace StreamAnalytics.Features.Aggregate;

/// <summary>
/// An operation series' dimensions as one 64-bit number: service and operation ids of a <c>StringTable</c> (28 bits
/// each), span kind (3 bits) and status (2 bits). The key of <see cref="AggregateWindow"/>'s id shortcut.
/// </summary>
internal static class OperationId
{
    private const int IdBits = 28;

    /// <summary>Status index of <see cref="StatusNames"/>.</summary>
    public const int Unset = 0, Ok = 1, Error = 2;

    /// <summary>The <c>status</c> dimension values, by status index.</summary>
    public static readonly string[] StatusNames = ["unset", "ok", "error"];

    /// <summary>
    /// Packs the dimensions; false for ids beyond 28 bits (a string table of more than 268 million names), which then
    /// take the name path.
    /// </summary>
    /// <param name="service">Service id.</param>
    /// <param name="operation">Operation id.</param>
    /// <param name="spanKind">0–5, see <c>SpanKind</c>.</param>
    /// <param name="status">0–2, see <see cref="StatusNames"/>.</param>
    /// <param name="id">The packed dimensions.</param>
    public static bool TryPack(int service, int operation, int spanKind, int status, out long id)
    {
        if ((uint)service >= 1u << IdBits || (uint)operation >= 1u << IdBits)
        {
            id = 0;
            return false;
        }
        id = ((long)service << (IdBits + 5)) | ((long)operation << 5) | ((long)spanKind << 2) | (long)status;
        return true;
    }
}
