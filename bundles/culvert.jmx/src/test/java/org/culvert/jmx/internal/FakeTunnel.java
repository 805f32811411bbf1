package org.culvert.jmx.internal;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.culvert.api.tunnel.DropReason;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/** A tunnel whose snapshots the test sets; records the signals it is sent and counts snapshot reads. */
final class FakeTunnel implements Tunnel {
    private final String name;
    volatile TunnelStatus status = new TunnelStatus(TunnelState.STARTING, TunnelReason.NONE, "", Instant.EPOCH);
    volatile TunnelCounters counters = new TunnelCounters(0, 0, 0, 0, 0, 0, 0, 0, Collections.emptyMap(), 0, 0);
    volatile TunnelConnection connection = TunnelConnection.NONE;
    volatile Map<String, String> plugins = Collections.emptyMap();
    volatile String deviceName;
    final List<TunnelSignal> signals = new CopyOnWriteArrayList<>();

    FakeTunnel(String name) {
        this.name = name;
    }

    /** Counters with every field distinct, so a getter wired to the wrong field shows. */
    static TunnelCounters counters(long base, Map<DropReason, Long> drops) {
        return new TunnelCounters(base + 1, base + 2, base + 3, base + 4, base + 5, base + 6, base + 7, base + 8, drops, base + 9,
                base + 10);
    }

    static Map<DropReason, Long> drops(Object... reasonThenCount) {
        Map<DropReason, Long> m = new EnumMap<>(DropReason.class);
        for (int i = 0; i < reasonThenCount.length; i += 2) {
            m.put((DropReason) reasonThenCount[i], ((Number) reasonThenCount[i + 1]).longValue());
        }
        return m;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public TunnelStatus status() {
        return status;
    }

    @Override
    public TunnelCounters counters() {
        return counters;
    }

    @Override
    public Map<String, String> plugins() {
        return plugins;
    }

    @Override
    public String deviceName() {
        return deviceName;
    }

    @Override
    public TunnelConnection connection() {
        return connection;
    }

    @Override
    public TunnelOperations operations() {
        return TunnelOperations.DEFAULT;
    }

    @Override
    public void signal(TunnelSignal signal) {
        signals.add(signal);
    }

    @Override
    public boolean holdFlag() {
        return false;
    }

    @Override
    public void setHoldFlag(boolean hold) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isHolding() {
        return false;
    }

    @Override
    public void releaseHold() {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<TunnelLogEntry> recentLog() {
        return Collections.emptyList();
    }

    @Override
    public void addLogListener(TunnelLogListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void removeLogListener(TunnelLogListener listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public String toString() {
        return "FakeTunnel[" + name + "@" + Integer.toHexString(System.identityHashCode(this)) + "]";
    }
}
