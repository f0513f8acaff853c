using System.Diagnostics.Metrics;

namespace StreamAnalytics.Cli.Demo;

/// <summary>
/// Reads the job's own instruments (spans decoded, open traces, completed traces) for the demo's live line, through a
/// <see cref="MeterListener"/>, the same numbers /metrics shows.
/// </summary>
internal sealed class DemoProgress : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _spansDecoded;
    private long _openTraces;
    private long _completed;
    private long _openAccumulator;
    private long _completedAccumulator;
    private long _spansAccumulator;

    public DemoProgress()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is "StreamAnalytics.Decode" && instrument.Name == "spans_decoded") listener.EnableMeasurementEvents(instrument);
            if (instrument.Meter.Name is "StreamAnalytics.Assembly" && instrument.Name is "assembly_open_traces" or "assembly_traces_completed")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            switch (instrument.Name)
            {
                case "spans_decoded": _spansAccumulator += value; break; // observable: the running total per format
                case "assembly_open_traces": _openAccumulator += value; break;
                case "assembly_traces_completed": _completedAccumulator += value; break;
            }
        });
        _listener.Start();
    }

    public long SpansDecoded => Interlocked.Read(ref _spansDecoded);
    public long OpenTraces => _openTraces;
    public long CompletedTraces => _completed;

    /// <summary>Polls the observable instruments (sums over tasks).</summary>
    public void Sample()
    {
        _openAccumulator = 0;
        _completedAccumulator = 0;
        _spansAccumulator = 0;
        _listener.RecordObservableInstruments();
        Interlocked.Exchange(ref _spansDecoded, _spansAccumulator);
        _openTraces = _openAccumulator;
        _completed = _completedAccumulator;
    }

    public void Dispose() => _listener.Dispose();
}
