package org.culvert.management.internal;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelConnection;
import org.culvert.api.tunnel.TunnelCounters;
import org.culvert.api.tunnel.TunnelListener;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelOperations;
import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * A tunnel the test drives by hand: it changes state, logs and counts only when told, and records
 * the signals and hold calls it receives. Thread-safe (fields are volatile, lists concurrent).
 */
final class FakeTunnel implements Tunnel {
    private final String name;
    private volatile TunnelOperations operations;
    private volatile TunnelStatus status = new TunnelStatus(TunnelState.CONNECTING, TunnelReason.NONE, "", Instant.ofEpochSecond(1_700_000_000));
    private volatile TunnelCounters counters = counters(0, 0, 0, 0, 0);
    private volatile TunnelConnection connection = TunnelConnection.NONE;
    private volatile boolean holdFlag;
    private volatile boolean holding;
    final AtomicInteger releases = new AtomicInteger();
    final List<TunnelSignal> signals = new CopyOnWriteArrayList<>();
    final List<TunnelLogListener> logListeners = new CopyOnWriteArrayList<>();
    final List<TunnelListener> stateListeners = new CopyOnWriteArrayList<>();
    private final List<TunnelLogEntry> log = Collections.synchronizedList(new ArrayList<>());

    FakeTunnel(String name, TunnelOperations operations) {
        this.name = name;
        this.operations = operations;
    }

    static TunnelCounters counters(long tunRead, long tunWrite, long linkRead, long linkWrite, long authRead) {
        return new TunnelCounters(1, tunRead, 1, tunWrite, 1, linkRead, 1, linkWrite, Map.of(), 0, authRead);
    }

    /** The connection a static-key p2p tunnel reports: tun 10.8.0.1, link 192.0.2.1:1194 -> 192.0.2.2:1194. */
    static TunnelConnection staticKeyConnection() {
        return new TunnelConnection(new InetSocketAddress("192.0.2.1", 1194), new InetSocketAddress("192.0.2.2", 1194), "10.8.0.1",
                "10.8.0.2", null, Instant.ofEpochSecond(1_700_000_010), "static-key", "");
    }

    /** Moves to a new state and tells the state listeners, on the calling thread (as the core does on its own). */
    void moveTo(TunnelState state, TunnelReason reason, String detail, Instant since) {
        TunnelStatus previous = status;
        TunnelStatus current = new TunnelStatus(state, reason, detail, since);
        status = current;
        holding = state == TunnelState.WAITING && reason == TunnelReason.MANAGEMENT_HOLD;
        for (TunnelListener l : stateListeners) {
            l.stateChanged(this, previous, current);
        }
    }

    void logLine(TunnelLogEntry e) {
        log.add(e);
        for (TunnelLogListener l : logListeners) {
            l.logged(this, e);
        }
    }

    void setCounters(TunnelCounters c) {
        counters = c;
    }

    void setConnection(TunnelConnection c) {
        connection = c;
    }

    void setOperations(TunnelOperations o) {
        operations = o;
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
        return Map.of();
    }

    @Override
    public String deviceName() {
        return "tun-fake";
    }

    @Override
    public TunnelConnection connection() {
        return connection;
    }

    @Override
    public TunnelOperations operations() {
        return operations;
    }

    @Override
    public void signal(TunnelSignal signal) {
        signals.add(signal);
    }

    @Override
    public boolean holdFlag() {
        return holdFlag;
    }

    @Override
    public void setHoldFlag(boolean hold) {
        holdFlag = hold;
    }

    @Override
    public boolean isHolding() {
        return holding;
    }

    @Override
    public void releaseHold() {
        releases.incrementAndGet();
    }

    @Override
    public List<TunnelLogEntry> recentLog() {
        synchronized (log) {
            return new ArrayList<>(log);
        }
    }

    @Override
    public void addLogListener(TunnelLogListener listener) {
        if (!logListeners.contains(listener)) {
            logListeners.add(listener);
        }
    }

    @Override
    public void removeLogListener(TunnelLogListener listener) {
        logListeners.remove(listener);
    }

    @Override
    public String toString() {
        return "FakeTunnel[" + name + "]";
    }
}
