namespace StreamAnalytics.Streams.Errors;

/// <summary>Decides what happens to a record whose key or value deserializer threw (Kafka Streams' DeserializationExceptionHandler).</summary>
/// <remarks>
/// Called on the stream thread that processes the record's task. If the handler itself throws, the thread fails as with
/// <see cref="DeserializationHandlerResponse.Fail"/>. Set with <c>KafkaStreamsBuilder.SetDeserializationExceptionHandler</c>;
/// the default is <see cref="DeadLetterExceptionHandler"/>.
/// </remarks>
public interface IDeserializationExceptionHandler
{
    DeserializationHandlerResponse Handle(DeserializationErrorContext context, Exception exception);
}
