namespace StreamAnalytics.Streams.Errors;

/// <summary>Skips undeserializable records (the runtime logs a warning with topic, partition and offset, and counts it).</summary>
public sealed class LogAndContinueExceptionHandler : IDeserializationExceptionHandler
{
    public DeserializationHandlerResponse Handle(DeserializationErrorContext context, Exception exception) => DeserializationHandlerResponse.Continue;
}
