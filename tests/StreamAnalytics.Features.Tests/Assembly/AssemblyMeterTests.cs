using System.Diagnostics.Metrics;
using Microsoft.Extensions.Time.Testing;
using StreamAnalytics.Features.Assembly;
using StreamAnalytics.Formats.Model;
using StreamAnalytics.Streams.Api;
using StreamAnalytics.Streams.State;
using StreamAnalytics.Streams.Testing;
using static StreamAnalytics.Features.Tests.Assembly.AssemblyTestKit;

namespace StreamAnalytics.Features.Tests.Assembly;

public sealed class AssemblyMeterTests
{
    [Fact]
    public void A_store_reports_through_the_meter_from_init_to_close_labelled_with_its_task()
    {
        var strings = new StringTable();
        var store = new OpenTraceStore(Config(), strings, new FakeTimeProvider(TopologyTestDriver.DefaultWallClockStart));
        var context = new TaskContext(new TaskId(7, 41));
        Assert.Empty(Observe("assembly_open_traces", "7_41")); // built but not initialised: a topology probe

        store.Init(context);
        var a = new TraceAssembler(store);
        var done = new List<Trace>();
        a.Add(Child(strings, Tid(1), 1), 0, T0Wall, done);
        a.Add(Child(strings, Tid(2), 1), 0, T0Wall, done);
        a.CompleteDue(10_000, T0Wall, done);
        a.Add(Child(strings, Tid(3), 1), 10_000, T0Wall, done);

        Assert.Equal(1, Observe("assembly_open_traces", "7_41").Single().Value);
        Assert.Equal(store.OpenBytes, Observe("assembly_store_bytes", "7_41").Single().Value);
        var completed = Observe("assembly_traces_completed", "7_41");
        Assert.Equal(2, completed.Single(m => m.Reason == "gap").Value);
        Assert.Equal(0, completed.Single(m => m.Reason == "memoryPressure").Value);
        Assert.Contains(Observe("assembly_spans_dropped", "7_41"), m => m.Reason == "traceCap");

        store.Close();
        Assert.Empty(Observe("assembly_open_traces", "7_41"));
    }

    [Theory]
    [InlineData("assembly_late_spans_expired")]
    [InlineData("assembly_retained_spans_released")]
    [InlineData("assembly_retained_traces_evicted")]
    [InlineData("assembly_partial_late_revisions")]
    public void What_the_late_handling_bounds_cut_is_exported(string instrument)
    {
        using var metrics = new AssemblyMetrics("9_" + instrument.Length);
        metrics.ExpiredLateSpansCount = 3;
        metrics.RetainedSpansReleasedCount = 3;
        metrics.RetainedTracesEvictedCount = 3;
        metrics.PartialLateRevisionsCount = 3;
        Assert.Equal(3, Observe(instrument, metrics.Task).Single().Value);
    }

    private static List<(long Value, string? Reason)> Observe(string instrument, string task)
    {
        var result = new List<(long, string?)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (i.Meter.Name == AssemblyMeter.MeterName && i.Name == instrument) l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? t = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "task") t = tag.Value as string;
                if (tag.Key == "reason") reason = tag.Value as string;
            }
            if (t == task) result.Add((value, reason));
        });
        listener.Start();
        _ = AssemblyMeter.Meter; // make sure the instruments exist
        listener.RecordObservableInstruments();
        return result;
    }

    private sealed class TaskContext(TaskId task) : IStateStoreContext
    {
        public string ApplicationId => "app";
        public TaskId TaskId => task;
        public IChangelog Register(IStateStore store, StateRestoreCallback restore) => new RecordingChangelog();
    }
}
