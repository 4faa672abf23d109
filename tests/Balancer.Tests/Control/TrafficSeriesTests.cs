using LoadBalancer.Balancer.Control.Traffic;

namespace LoadBalancer.Balancer.Tests.Control;

/// <summary>The status page's per-backend rings: bounded, rates from deltas, percentiles from the latency buckets.</summary>
public sealed class TrafficSeriesTests
{
    [Fact]
    public void Add_MoreSamplesThanCapacity_KeepsTheLastFiveMinutesOnly()
    {
        var series = new TrafficSeries();
        for (var i = 1; i <= TrafficSeries.Capacity + 50; i++)
        {
            series.Add(new TrafficTotals(i * 10L, 0, 0, 0, 0, 0), null, 1.0);
        }

        var history = series.History(TrafficField.Requests);
        Assert.Equal(TrafficSeries.Capacity, history.Length);
        Assert.All(history, v => Assert.Equal(10f, v));
        Assert.Equal(10.0, series.Rate(TrafficField.Requests), 3);
        Assert.Equal(3500L, series.Totals.Requests);
    }

    [Fact]
    public void Rate_UsesTheRealSampleLength()
    {
        var series = new TrafficSeries();
        series.Add(new TrafficTotals(0, 0, 0, 0, 0, 0), null, 1.0);
        series.Add(new TrafficTotals(30, 3, 0, 3000, 6000, 0), null, 2.0);

        Assert.Equal(15f, series.History(TrafficField.Requests)[^1]);
        Assert.Equal(3000f, series.History(TrafficField.BytesOut)[^1]);
        Assert.Equal(1.5f, series.History(TrafficField.Errors5xx)[^1]);
    }

    [Fact]
    public void Percentile_KnownDurations_WithinOneBucket()
    {
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 98; i++)
        {
            histogram.Record(TimeSpan.FromMilliseconds(10));
        }
        histogram.Record(TimeSpan.FromMilliseconds(500));
        histogram.Record(TimeSpan.FromMilliseconds(500));
        var counts = new long[LatencyHistogram.Buckets];
        histogram.CopyTo(counts);
        var series = new TrafficSeries();
        series.Add(new TrafficTotals(100, 0, 0, 0, 0, 0), counts, 1.0);

        Assert.InRange(series.Percentile(0.5)!.Value, 10.0, 10.0 * 1.19);
        Assert.InRange(series.Percentile(0.99)!.Value, 500.0, 500.0 * 1.19);
        Assert.InRange(series.History(TrafficField.P99Ms)[^1], 500f, 500f * 1.19f);
        Assert.Null(new TrafficSeries().Percentile(0.5));
    }
}
