namespace StreamAnalytics.Streams.Api;

/// <summary><c>context.DeadLetter(reason, kind)</c> for any <see cref="IProcessorContext{TKeyOut,TValueOut}"/>.</summary>
public static class ProcessorContextDeadLetterExtensions
{
    /// <summary>Dead-letters the current record; see <see cref="IDeadLetterContext.DeadLetter"/>.</summary>
    /// <exception cref="NotSupportedException">The context was not created by this runtime (a hand-written fake).</exception>
    public static void DeadLetter<TKeyOut, TValueOut>(this IProcessorContext<TKeyOut, TValueOut> context, string reason, string? kind = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context is not IDeadLetterContext deadLetter)
            throw new NotSupportedException($"{context.GetType().Name} does not implement {nameof(IDeadLetterContext)}; only runtime contexts can dead-letter records");
        deadLetter.DeadLetter(reason, kind);
    }
}
