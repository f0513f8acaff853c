using System.Diagnostics.Metrics;

namespace StreamAnalytics.Bench;

/// <summary>
/// A one-off reading of the running job's observable instruments, the way a metrics scrape sees them: each reports its
/// current values once. (A plain counter would report only the adds that happen to run during the reading.)
/// </summary>
internal static class MeterReading
{
    /// <summary>Calls <paramref name="onMeasurement"/> once for each current value of the named instruments of one Meter.</summary>
    public static void Read(string meterName, Func<string, bool> instrumentNames, MeasurementCallback<long> onMeasurement)
    {
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == meterName && instrumentNames(instrument.Name)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback(onMeasurement);
        listener.Start();
        listener.RecordObservableInstruments();
    }
}
