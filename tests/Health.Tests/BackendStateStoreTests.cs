using Microsoft.Extensions.Time.Testing;

namespace LoadBalancer.Health.Tests;

public sealed class BackendStateStoreTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly BackendStateStore _store;

    public BackendStateStoreTests()
    {
        _store = new BackendStateStore(_time);
    }

    public void Dispose() => _store.Dispose();

    [Fact]
    public void ApplyConfig_CheckedPool_BackendsStartUnknownAndTakeNoFlows()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, Backend("b1", 10))]);

        var view = View("web", "b1");
        Assert.Equal(HealthState.Unknown, view.Health);
        Assert.Equal(AdminState.Ready, view.AdminState);
        Assert.Equal(10, view.ConfiguredWeight);
        Assert.Equal(0, view.EffectiveWeight);
        Assert.False(view.AcceptsNewFlows);
        Assert.Null(view.LastTransition);
    }

    [Fact]
    public void ApplyConfig_PoolWithoutCheck_CountsAsHealthy()
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10))]);

        var view = View("web", "b1");
        Assert.Equal(HealthState.Healthy, view.Health);
        Assert.Equal(10, view.EffectiveWeight);
        Assert.True(view.AcceptsNewFlows);
    }

    [Fact]
    public void ApplyTransition_HealthyThenUnhealthy_FlowsFollowHealth()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, Backend("b1", 10))]);

        _store.ApplyTransition(Transition("b1", HealthState.Healthy, "2 consecutive passes"));
        var healthy = View("web", "b1");
        _time.Advance(TimeSpan.FromSeconds(3));
        _store.ApplyTransition(Transition("b1", HealthState.Unhealthy, "3 consecutive failures"));
        var unhealthy = View("web", "b1");

        Assert.True(healthy.AcceptsNewFlows);
        Assert.Equal(10, healthy.EffectiveWeight);
        Assert.False(unhealthy.AcceptsNewFlows);
        Assert.Equal(0, unhealthy.EffectiveWeight);
        Assert.Equal(new TransitionInfo(_time.GetUtcNow(), "3 consecutive failures"), unhealthy.LastTransition);
    }

    [Theory]
    [InlineData(AdminState.Drain)]
    [InlineData(AdminState.Maint)]
    public void SetAdminState_NotReady_StopsNewFlowsAndReadyRestores(AdminState state)
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10), Backend("b2", 10))]);

        Assert.True(_store.SetAdminState("web", "b1", state));
        var out1 = View("web", "b1");
        var other = View("web", "b2");
        Assert.True(_store.SetAdminState("web", "b1", AdminState.Ready));
        var back = View("web", "b1");

        Assert.Equal(state, out1.AdminState);
        Assert.False(out1.AcceptsNewFlows);
        Assert.Equal(0, out1.EffectiveWeight);
        Assert.Equal(HealthState.Healthy, out1.Health);
        Assert.True(other.AcceptsNewFlows);
        Assert.True(back.AcceptsNewFlows);
        Assert.Equal(10, back.EffectiveWeight);
    }

    [Fact]
    public void SetWeight_OverrideZeroAndClear_Semantics()
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10))]);

        _store.SetWeight("web", "b1", 3);
        var three = View("web", "b1");
        _store.SetWeight("web", "b1", 0);
        var zero = View("web", "b1");
        _store.SetWeight("web", "b1", null);
        var cleared = View("web", "b1");

        Assert.Equal((10, 3, 3, true), (three.ConfiguredWeight, three.AdminWeight, three.EffectiveWeight, three.AcceptsNewFlows));
        Assert.Equal((0, false, AdminState.Ready), (zero.EffectiveWeight, zero.AcceptsNewFlows, zero.AdminState));
        Assert.Equal((null, 10, true), (cleared.AdminWeight, cleared.EffectiveWeight, cleared.AcceptsNewFlows));
        Assert.Throws<ArgumentOutOfRangeException>(() => _store.SetWeight("web", "b1", -1));
    }

    [Fact]
    public void AdminOps_UnknownPoolOrBackend_ReturnFalse()
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10))]);

        Assert.False(_store.SetAdminState("nope", "b1", AdminState.Drain));
        Assert.False(_store.SetAdminState("web", "nope", AdminState.Drain));
        Assert.False(_store.SetWeight("web", "nope", 1));
    }

    [Fact]
    public void SlowStart_WithTick_RampsFromTenPercentToFull()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, TimeSpan.FromSeconds(10), Backend("b1", 100))]);

        _store.ApplyTransition(Transition("b1", HealthState.Healthy, "up"));
        var atStart = View("web", "b1").EffectiveWeight;
        _time.SetUtcNow(_time.GetUtcNow().AddSeconds(5));
        _store.Tick();
        var atHalf = View("web", "b1").EffectiveWeight;
        _time.SetUtcNow(_time.GetUtcNow().AddSeconds(5));
        _store.Tick();
        var atEnd = View("web", "b1").EffectiveWeight;

        Assert.Equal(10, atStart);
        Assert.Equal(55, atHalf);
        Assert.Equal(100, atEnd);
    }

    [Fact]
    public void SlowStart_OwnTimer_RefreshesSnapshotWithoutTick()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, TimeSpan.FromSeconds(10), Backend("b1", 100))]);
        _store.ApplyTransition(Transition("b1", HealthState.Healthy, "up"));

        _time.Advance(TimeSpan.FromSeconds(3));
        var atThree = View("web", "b1").EffectiveWeight;
        _time.Advance(TimeSpan.FromSeconds(7));
        var done = View("web", "b1").EffectiveWeight;
        var version = _store.Current.Version;
        _time.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(37, atThree);
        Assert.Equal(100, done);
        Assert.Equal(version, _store.Current.Version);
    }

    [Fact]
    public void SlowStart_SmallWeight_NeverRoundsToZero()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, TimeSpan.FromSeconds(10), Backend("b1", 1))]);

        _store.ApplyTransition(Transition("b1", HealthState.Healthy, "up"));

        Assert.Equal(1, View("web", "b1").EffectiveWeight);
        Assert.True(View("web", "b1").AcceptsNewFlows);
    }

    [Fact]
    public void SlowStart_LeavingMaint_RampsAgain()
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, TimeSpan.FromSeconds(10), Backend("b1", 100))]);
        _store.SetAdminState("web", "b1", AdminState.Maint);

        _store.SetAdminState("web", "b1", AdminState.Ready);

        Assert.Equal(10, View("web", "b1").EffectiveWeight);
    }

    [Fact]
    public void ApplyConfig_Reload_KeepsOverridesForUnchangedResetsChangedDropsRemoved()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true,
            Backend("same", 10), Backend("reweighted", 10), Backend("moved", 10), Backend("removed", 10))]);
        foreach (var id in new[] { "same", "reweighted", "moved", "removed" })
        {
            _store.ApplyTransition(Transition(id, HealthState.Healthy, "up"));
            _store.SetAdminState("web", id, AdminState.Drain);
            _store.SetWeight("web", id, 5);
        }

        _store.ApplyConfig([Pool("web", hasCheck: true,
            Backend("added", 10), Backend("same", 10), Backend("reweighted", 20), Backend("moved", 10) with { Address = "10.0.0.99:80" })]);

        var pool = _store.Current.GetPool("web");
        Assert.Equal(["added", "same", "reweighted", "moved"], pool.Select(b => b.BackendId));
        var same = View("web", "same");
        Assert.Equal((AdminState.Drain, (int?)5, HealthState.Healthy), (same.AdminState, same.AdminWeight, same.Health));
        var reweighted = View("web", "reweighted");
        Assert.Equal((AdminState.Ready, (int?)null, HealthState.Healthy, 20), (reweighted.AdminState, reweighted.AdminWeight, reweighted.Health, reweighted.EffectiveWeight));
        var moved = View("web", "moved");
        Assert.Equal((AdminState.Ready, (int?)null, HealthState.Unknown), (moved.AdminState, moved.AdminWeight, moved.Health));
        Assert.Equal(HealthState.Unknown, View("web", "added").Health);
    }

    [Fact]
    public void ApplyConfig_Duplicates_ThrowAndKeepOldConfig()
    {
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10))]);
        var before = _store.Current;

        Assert.Throws<ArgumentException>(() => _store.ApplyConfig([Pool("web", false, Backend("x", 1), Backend("x", 2))]));
        Assert.Throws<ArgumentException>(() => _store.ApplyConfig([Pool("web", false), Pool("web", false)]));
        Assert.Throws<ArgumentException>(() => _store.ApplyConfig([Pool("web", false, Backend("x", -1))]));

        Assert.Same(before, _store.Current);
    }

    [Fact]
    public void SnapshotChanged_EachChange_NewImmutableSnapshotWithHigherVersion()
    {
        var seen = new List<HealthSnapshot>();
        _store.SnapshotChanged += seen.Add;
        _store.ApplyConfig([Pool("web", hasCheck: false, Backend("b1", 10))]);
        var first = _store.Current;

        _store.SetAdminState("web", "b1", AdminState.Drain);

        Assert.Equal(2, seen.Count);
        Assert.Same(_store.Current, seen[^1]);
        Assert.Equal(first.Version + 1, _store.Current.Version);
        Assert.True(first.GetPool("web")[0].AcceptsNewFlows);
        Assert.False(_store.Current.GetPool("web")[0].AcceptsNewFlows);
    }

    [Fact]
    public void ApplyTransition_UnknownBackend_Ignored()
    {
        _store.ApplyConfig([Pool("web", hasCheck: true, Backend("b1", 10))]);
        var before = _store.Current;

        _store.ApplyTransition(Transition("ghost", HealthState.Healthy, "up"));

        Assert.Same(before, _store.Current);
        Assert.Empty(_store.Current.GetPool("nope"));
    }

    private static PoolStateConfig Pool(string name, bool hasCheck, params BackendStateConfig[] backends) =>
        new(name, hasCheck, TimeSpan.Zero, backends);

    private static PoolStateConfig Pool(string name, bool hasCheck, TimeSpan slowStart, params BackendStateConfig[] backends) =>
        new(name, hasCheck, slowStart, backends);

    private static BackendStateConfig Backend(string id, int weight) => new(id, "10.0.0." + id.Length + ":80", weight);

    private HealthTransition Transition(string backend, HealthState to, string reason) =>
        new("web", backend, HealthState.Unknown, to, reason, _time.GetUtcNow());

    private BackendView View(string pool, string backend) => _store.Current.GetPool(pool).Single(b => b.BackendId == backend);
}
