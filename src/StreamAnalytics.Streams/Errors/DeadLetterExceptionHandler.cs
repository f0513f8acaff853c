namespace StreamAnalytics.Streams.Errors;

/// <summary>The default policy: every undeserializable record goes to <c>{application.id}-dlq</c> and processing continues.</summary>
public sealed class DeadLetterExceptionHandler : IDeserializationExceptionHandler
{
    public DeserializationHandlerResponse Handle(DeserializationErrorContext context, Exception exception) => DeserializationHandlerResponse.DeadLetter;
}
