package org.culvert.testkit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.culvert.api.tunnel.ClientStatus;
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
 * A {@link Tunnel} that a test drives by hand, for bundles that watch tunnels (management interface,
 * JMX, status files): it changes state, logs and counts only when told, and records the signals and
 * hold calls it receives. Thread-safe: every field is volatile or a concurrent list.
 */
public class ScriptedTunnel implements Tunnel {
    private final String name;
    private volatile TunnelOperations operations;
    private volatile TunnelStatus status = new TunnelStatus(TunnelState.STARTING, TunnelReason.NONE, "", Instant.EPOCH);
    private volatile TunnelCounters counters = new TunnelCounters(0, 0, 0, 0, 0, 0, 0, 0, Map.of(), 0, 0);
    private volatile TunnelConnection connection = TunnelConnection.NONE;
    private volatile Map<String, String> plugins = Map.of();
    private volatile String deviceName;
    private volatile boolean holdFlag;
    private volatile boolean holding;
    private final List<TunnelLogEntry> log = Collections.synchronizedList(new ArrayList<>());
    /** Every signal received, in order. */
    public final List<TunnelSignal> signals = new CopyOnWriteArrayList<>();
    /** How many times {@link #releaseHold()} was called. */
    public final AtomicInteger releases = new AtomicInteger();
    /** The log listeners currently added. */
    public final List<TunnelLogListener> logListeners = new CopyOnWriteArrayList<>();
    /** Listeners {@link #moveTo} tells, standing in for the core's TunnelListener whiteboard. */
    public final List<TunnelListener> stateListeners = new CopyOnWriteArrayList<>();

    public ScriptedTunnel(String name) {
        this(name, TunnelOperations.DEFAULT);
    }

    public ScriptedTunnel(String name, TunnelOperations operations) {
        this.name = name;
        this.operations = operations;
    }

    /** Moves to a new state and tells the state listeners on the calling thread, as the core does on its own. */
    public void moveTo(TunnelState state, TunnelReason reason, String detail, Instant since) {
        TunnelStatus previous = status;
        TunnelStatus current = new TunnelStatus(state, reason, detail, since, previous.clientState());
        status = current;
        holding = state == TunnelState.WAITING && reason == TunnelReason.MANAGEMENT_HOLD;
        for (TunnelListener l : stateListeners) {
            l.stateChanged(this, previous, current);
        }
    }

    /** The client states {@link #clientStep} recorded, oldest first. */
    private final List<ClientStatus> clientStates = new CopyOnWriteArrayList<>();

    /**
     * Takes a step of OpenVPN's client state sequence, as the core does: recorded in
     * {@link #clientStates()}, carried by a new status (same state, reason and time) that the state
     * listeners are told of; with {@code tell} false only recorded (a step before anyone listened).
     */
    public void clientStep(ClientStatus step, boolean tell) {
        clientStates.add(step);
        TunnelStatus previous = status;
        TunnelStatus current = new TunnelStatus(previous.state(), previous.reason(), previous.detail(), previous.since(), step);
        status = current;
        if (tell) {
            for (TunnelListener l : stateListeners) {
                l.stateChanged(this, previous, current);
            }
        }
    }

    @Override
    public List<ClientStatus> clientStates() {
        return new ArrayList<>(clientStates);
    }

    /** Sets the status without telling anyone. */
    public void setStatus(TunnelStatus value) {
        status = value;
    }

    /** Adds a line to the history and hands it to the log listeners. */
    public void logLine(TunnelLogEntry e) {
        log.add(e);
        for (TunnelLogListener l : logListeners) {
            l.logged(this, e);
        }
    }

    public void setCounters(TunnelCounters value) {
        counters = value;
    }

    public void setConnection(TunnelConnection value) {
        connection = value;
    }

    public void setOperations(TunnelOperations value) {
        operations = value;
    }

    public void setPlugins(Map<String, String> value) {
        plugins = value;
    }

    public void setDeviceName(String value) {
        deviceName = value;
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
        return getClass().getSimpleName() + "[" + name + "@" + Integer.toHexString(System.identityHashCode(this)) + "]";
    }
}
