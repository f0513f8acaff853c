namespace StreamAnalytics.Streams.Api;

/// <summary>Cancels a punctuation schedule. Idempotent.</summary>
public interface ICancellable
{
    void Cancel();
}
