namespace StreamAnalytics.Tools.Generate;

/// <summary>A topology file or model is invalid. <see cref="Key"/> names the offending JSON key.</summary>
public sealed class SimulatedSystemException : Exception
{
    /// <summary>Path of the offending key in the topology JSON, e.g. <c>services[2].operations[0].calls[1].service</c>; empty for the whole document.</summary>
    public string Key { get; }

    /// <summary>Creates an exception for <paramref name="key"/>; the message is prefixed with the key.</summary>
    public SimulatedSystemException(string key, string reason, Exception? inner = null)
        : base(key.Length == 0 ? reason : $"{key}: {reason}", inner)
    {
        Key = key;
    }
}
