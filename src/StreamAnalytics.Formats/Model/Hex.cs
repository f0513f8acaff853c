namespace StreamAnalytics.Formats.Model;

/// <summary>Allocation-free hex helpers for ids.</summary>
internal static class Hex
{
    private const string Digits = "0123456789abcdef";

    /// <summary>Writes 16 lowercase hex chars.</summary>
    public static void Write(ulong value, Span<char> destination)
    {
        for (int i = 15; i >= 0; i--)
        {
            destination[i] = Digits[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    public static bool TryParseUInt64(ReadOnlySpan<char> hex, out ulong value)
    {
        value = 0;
        if (hex.Length > 16) return false;
        foreach (char c in hex)
        {
            int d = Digit(c);
            if (d < 0) return false;
            value = (value << 4) | (uint)d;
        }
        return true;
    }

    public static bool TryParseUInt64(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        if (hex.Length > 16) return false;
        foreach (byte c in hex)
        {
            int d = Digit((char)c);
            if (d < 0) return false;
            value = (value << 4) | (uint)d;
        }
        return true;
    }

    private static int Digit(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
