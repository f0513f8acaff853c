namespace StreamAnalytics.Streams;

/// <summary>The <c>processing.guarantee</c> setting.</summary>
public enum ProcessingGuarantee
{
    /// <summary>
    /// <c>at_least_once</c> (default): input offsets are committed only after every output and changelog record derived
    /// from them has been acknowledged by the brokers. A crash replays from the last commit, so outputs may repeat.
    /// </summary>
    AtLeastOnce,

    /// <summary>
    /// <c>exactly_once_v2</c>: one transactional producer per stream thread; outputs, changelog writes and input offsets
    /// (sent with the consumer's group metadata) commit in one Kafka transaction. Readers must use <c>read_committed</c>.
    /// </summary>
    ExactlyOnceV2,
}
