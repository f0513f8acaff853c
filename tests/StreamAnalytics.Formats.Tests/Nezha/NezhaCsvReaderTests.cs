using StreamAnalytics.Formats.Tests.Support;
using StreamAnalytics.Tools.Logical;
using StreamAnalytics.Tools.Nezha;

namespace StreamAnalytics.Formats.Tests.Nezha;

public class NezhaCsvReaderTests
{
    [Theory]
    [InlineData("frontend-579b9bff58-t2dbm", "frontend")]
    [InlineData("ts-gateway-service-6f6cfc45b-h5m2n", "ts-gateway-service")]
    [InlineData("redis-cart-0", "redis-cart")]
    [InlineData("ts-ui-dashboard", "ts-ui-dashboard")]
    [InlineData("standalone", "standalone")]
    public void The_service_is_the_pod_name_without_replicaset_hash_and_pod_suffix(string pod, string service)
    {
        Assert.Equal(service, NezhaCsvReader.ServiceOfPod(pod));
    }

    [Fact]
    public void The_online_boutique_table_reads_with_roots_services_and_exact_times()
    {
        List<LogicalSpan> spans = NezhaCsvReader.Read(TestData.OnlineBoutique);
        Assert.Equal(22_969, spans.Count); // SOURCE.md
        Assert.Equal(502, spans.Select(s => s.TraceId).Distinct().Count());

        LogicalSpan first = spans[0];
        Assert.Equal("01db723f5de73f1e8954a6d76d02e140", first.TraceId);
        Assert.Equal("ab872b6a0755789d", first.SpanId);
        Assert.Null(first.ParentSpanId);
        Assert.Equal("frontend", first.Service);
        Assert.Equal("hipstershop.Frontend/Recv.", first.Operation);
        Assert.Equal(1661273974730641486, first.StartUnixNanos);
        Assert.Equal(1661273975415194516 - 1661273974730641486, first.DurationNanos);
        Assert.Equal("ab872b6a0755789d", spans[1].ParentSpanId);
        Assert.Contains(spans, s => s.Service == "productcatalogservice");
    }

    [Fact]
    public void The_train_ticket_table_reads_every_span()
    {
        List<LogicalSpan> spans = NezhaCsvReader.Read(TestData.TrainTicket);
        Assert.Equal(4_890, spans.Count);
        Assert.Equal(71, spans.Select(s => s.TraceId).Distinct().Count());
        Assert.Equal("ts-gateway-service", spans[0].Service);
        Assert.All(spans, s => Assert.True(s.DurationNanos >= 0));
    }
}
