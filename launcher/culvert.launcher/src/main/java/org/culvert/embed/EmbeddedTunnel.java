package org.culvert.embed;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.culvert.api.tunnel.ServerClientListener;
import org.culvert.api.tunnel.Tunnel;
import org.culvert.api.tunnel.TunnelServer;
import org.culvert.api.tunnel.TunnelException;
import org.culvert.api.tunnel.TunnelLogEntry;
import org.culvert.api.tunnel.TunnelLogListener;
import org.culvert.api.tunnel.TunnelSignal;
import org.culvert.api.tunnel.TunnelState;
import org.culvert.api.tunnel.TunnelStatus;

/**
 * A host's handle on one tunnel of a {@link Culvert}. Thread-safe. It stays usable after the tunnel
 * stopped ({@link #status()} then says STOPPED, {@link #signal} fails with NOT_FOUND); once the Culvert
 * is closed every method but {@link #name()} throws {@link IllegalStateException}.
 */
public final class EmbeddedTunnel {
    private final Culvert culvert;
    private final Tunnel tunnel;

    EmbeddedTunnel(Culvert culvert, Tunnel tunnel) {
        this.culvert = culvert;
        this.tunnel = tunnel;
    }

    public String name() {
        return tunnel.name();
    }

    /** State, reason and detail now. */
    public TunnelStatus status() {
        culvert.ensureOpen();
        return tunnel.status();
    }

    /** Status, counters, connection, plugins and device now. */
    public TunnelSnapshot snapshot() {
        culvert.ensureOpen();
        return TunnelSnapshot.of(tunnel);
    }

    /**
     * Waits until the tunnel is in {@code state}, or in FAILED or STOPPED, which it does not leave by
     * itself (check the returned status's state).
     *
     * @throws TunnelException TIMEOUT, naming the state it is in, when neither happens in time
     */
    public TunnelStatus awaitState(TunnelState state, Duration timeout) throws TunnelException, InterruptedException {
        return culvert.awaitState(tunnel, Objects.requireNonNull(state, "state"), Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Sends an OpenVPN signal: SIGUSR1 (reconnect) and SIGHUP (restart) make it RECONNECTING with reason
     * USER_RESTART and then come back; SIGUSR2 logs its counters; SIGTERM stops it.
     *
     * @throws TunnelException NOT_FOUND if this tunnel was stopped
     */
    public void signal(TunnelSignal signal) throws TunnelException {
        culvert.ensureOpen();
        if (culvert.tunnelManager().get(name()).orElse(null) != tunnel) {
            throw new TunnelException(TunnelException.Reason.NOT_FOUND, "tunnel '" + name() + "' was stopped");
        }
        culvert.signal(name(), signal);
    }

    /**
     * Registers a listener for the log lines of the tunnel with this name (after --verb and --mute),
     * delivered on Culvert's event thread, in order (see {@link Culvert#addLogListener}). Lines logged
     * before are in {@link #recentLog()}.
     */
    public Subscription addLogListener(TunnelLogListener listener) {
        return culvert.addLogListener(name(), listener);
    }

    /**
     * The server side of a server-mode tunnel ({@code server}, {@code mode server}): its clients and
     * routes now, and OpenVPN's {@code client-kill}, {@code kill}, {@code client-auth}; empty for a
     * point-to-point or client tunnel.
     */
    public Optional<TunnelServer> server() {
        culvert.ensureOpen();
        return tunnel.server();
    }

    /**
     * Registers a listener for this server's client events (CONNECT, ESTABLISHED, ADDRESS,
     * DISCONNECT, ...), delivered on Culvert's event thread, in order (see {@link Culvert#addClientListener}).
     */
    public Subscription addClientListener(ServerClientListener listener) {
        return culvert.addClientListener(name(), listener);
    }

    /** The newest log lines, oldest first (as many as --management-log-cache keeps). */
    public List<TunnelLogEntry> recentLog() {
        culvert.ensureOpen();
        return tunnel.recentLog();
    }

    /** Stops the tunnel and forgets it ({@link Culvert#stop}). */
    public void stop() throws TunnelException {
        culvert.stop(name());
    }

    /**
     * The core's own tunnel object, for what this class does not offer (the management hold, the
     * operations settings). Its own listeners run on the tunnel's thread and must not block.
     */
    public Tunnel tunnel() {
        culvert.ensureOpen();
        return tunnel;
    }

    @Override
    public String toString() {
        return "EmbeddedTunnel[" + tunnel.name() + " " + tunnel.status() + "]";
    }
}
