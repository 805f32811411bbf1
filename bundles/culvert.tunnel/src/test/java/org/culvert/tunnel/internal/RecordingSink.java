package org.culvert.tunnel.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.culvert.api.tunnel.TunnelReason;
import org.culvert.api.tunnel.TunnelState;

/** Records a runner's states and lets a test wait for one (no sleeps). */
final class RecordingSink implements StatusSink {
    final List<String> history = new ArrayList<>();
    /** Every status as "state/reason: detail", in order. */
    private final List<String> statuses = new ArrayList<>();
    private TunnelState state = TunnelState.STARTING;
    private TunnelReason reason = TunnelReason.NONE;
    private String detail = "";
    volatile String device;
    volatile String driver;
    /** The last offloads told: "TUN | LINK". */
    volatile String offloads;

    @Override
    public void offloads(java.util.function.Supplier<String> tun, java.util.function.Supplier<String> link) {
        offloads = tun.get() + " | " + link.get();
    }
    volatile org.culvert.api.tunnel.TunnelConnection connection = org.culvert.api.tunnel.TunnelConnection.NONE;

    @Override
    public void connection(org.culvert.api.tunnel.TunnelConnection c) {
        connection = c;
    }

    @Override
    public synchronized void status(TunnelState s, TunnelReason r, String d) {
        state = s;
        reason = r;
        detail = d;
        history.add(s + "/" + r);
        statuses.add(s + "/" + r + ": " + d);
        notifyAll();
    }

    /** OpenVPN's client states as "NAME" or "NAME,description", in order. */
    private final List<String> clientStates = new ArrayList<>();

    @Override
    public synchronized void clientState(org.culvert.api.tunnel.ClientState s, String description) {
        clientStates.add(description.isEmpty() ? s.name() : s + "," + description);
        notifyAll();
    }

    synchronized List<String> clientStatesCopy() {
        return new ArrayList<>(clientStates);
    }

    /** Waits until the client states include {@code wanted} (e.g. "CONNECTED,SUCCESS"), then returns them all. */
    synchronized List<String> awaitClientState(String wanted, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!clientStates.contains(wanted)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new AssertionError("wanted client state " + wanted + "; have " + clientStates);
            }
            wait(left);
        }
        return new ArrayList<>(clientStates);
    }

    @Override
    public void plugins(String driver, String backend, String transport, String deviceName) {
        device = deviceName;
        this.driver = driver;
    }

    synchronized List<String> historyCopy() {
        return new ArrayList<>(history);
    }

    synchronized List<String> statusesCopy() {
        return new ArrayList<>(statuses);
    }

    synchronized TunnelState state() {
        return state;
    }

    synchronized TunnelReason reason() {
        return reason;
    }

    synchronized String detail() {
        return detail;
    }

    /** Index in {@link #history} after the last state an await matched: states pass quickly, so awaits read the history. */
    private int consumed;

    private boolean seen(TunnelState wanted, TunnelReason wantedReason) {
        for (int i = consumed; i < history.size(); i++) {
            String h = history.get(i);
            if (h.startsWith(wanted + "/") && (wantedReason == null || h.equals(wanted + "/" + wantedReason))) {
                consumed = i + 1;
                return true;
            }
        }
        return false;
    }

    /** Waits until {@code wanted} (with the reason, if given) is reported after the previously awaited state. */
    synchronized void await(TunnelState wanted, TunnelReason wantedReason, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (!seen(wanted, wantedReason)) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new AssertionError("wanted " + wanted + (wantedReason == null ? "" : "/" + wantedReason) + " but is " + state + "/"
                        + reason + " (" + detail + "); history " + history);
            }
            wait(left);
        }
    }
}
