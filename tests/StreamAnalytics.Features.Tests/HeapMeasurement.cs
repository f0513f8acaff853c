namespace StreamAnalytics.Features.Tests;

/// <summary>Test classes that measure the managed heap run in this collection, which xunit runs with nothing beside it.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "heap measurement";
}
