namespace StreamAnalytics.Streams.Errors;

/// <summary>Fails the stream thread on the first undeserializable record (nothing after it is committed).</summary>
public sealed class LogAndFailExceptionHandler : IDeserializationExceptionHandler
{
    public DeserializationHandlerResponse Handle(DeserializationErrorContext context, Exception exception) => DeserializationHandlerResponse.Fail;
}
