package org.culvert.tunnel.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import org.culvert.api.tunnel.CredentialsRequest;
import org.culvert.api.tunnel.CredentialsSource;
import org.osgi.framework.Constants;

/**
 * The {@link CredentialsSource} services one tunnel may ask, and its pending request. A request is
 * offered to the highest-ranked source that serves the tunnel, and again to any higher-ranked one that
 * appears while it is pending (the management interface registers its source once it listens, which
 * may be after the tunnel asked). Each offer runs on a thread of its own, so that a source that
 * prompts a person never holds the tunnel thread. Thread-safe.
 */
final class CredentialsBroker {
    private record Entry(CredentialsSource source, int ranking, long serviceId, String tunnel, boolean management) {
    }

    private volatile String tunnelName;
    private final List<Entry> sources = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();
    // Guarded by lock.
    private PendingCredentials pending;
    private Entry bestOffered;
    /** Whether the pending request is for the management interface's source only (--management-query-passwords). */
    private boolean pendingForManagement;

    CredentialsBroker(String tunnelName) {
        this.tunnelName = tunnelName;
    }

    /** The tunnel's name, known once its component is activated (sources may be bound before). */
    void tunnelName(String name) {
        this.tunnelName = name;
    }

    private boolean serves(Entry e) {
        return e.tunnel() == null || e.tunnel().equals(tunnelName);
    }

    /** A source service appeared (DS bind); it is offered the pending request if it outranks the sources asked. */
    void addSource(CredentialsSource source, Map<String, ?> properties) {
        Object ranking = properties.get(Constants.SERVICE_RANKING);
        Object id = properties.get(Constants.SERVICE_ID);
        Object tunnel = properties.get(CredentialsSource.TUNNEL_PROPERTY);
        Entry e = new Entry(source, ranking instanceof Integer ? (Integer) ranking : 0,
                id instanceof Long ? (Long) id : Long.MAX_VALUE, tunnel == null ? null : tunnel.toString(),
                Boolean.TRUE.equals(properties.get(CredentialsSource.MANAGEMENT_PROPERTY)));
        sources.add(e);
        PendingCredentials offer = null;
        synchronized (lock) {
            if (serves(e) && e.management() == pendingForManagement && pending != null && !pending.isDone()
                    && (bestOffered == null || ORDER.compare(e, bestOffered) < 0)) {
                bestOffered = e;
                offer = pending;
            }
        }
        if (offer != null) {
            offer(e, offer);
        }
    }

    void removeSource(CredentialsSource source) {
        sources.removeIf(e -> e.source() == source);
    }

    /** Highest ranking first, then the oldest service, as OSGi orders services. */
    private static final Comparator<Entry> ORDER = Comparator.comparingInt((Entry e) -> -e.ranking())
            .thenComparingLong(Entry::serviceId);

    /** Whether a source of the kind asked ({@code management} or not) serves this tunnel now. */
    boolean hasSource(boolean management) {
        return sources.stream().anyMatch(e -> serves(e) && e.management() == management);
    }

    Optional<CredentialsRequest> pending() {
        synchronized (lock) {
            return pending == null || pending.isDone() ? Optional.empty() : Optional.of(pending);
        }
    }

    /**
     * Publishes {@code request} (then {@link #pending()} shows it) and offers it to the best source of
     * the kind asked: the management interface's for {@code management}, else the others.
     */
    void publish(PendingCredentials request, boolean management) {
        Entry best;
        synchronized (lock) {
            pending = request;
            pendingForManagement = management;
            List<Entry> ordered = new ArrayList<>(sources);
            ordered.removeIf(e -> !serves(e) || e.management() != management);
            ordered.sort(ORDER);
            best = ordered.isEmpty() ? null : ordered.get(0);
            bestOffered = best;
        }
        if (best != null) {
            offer(best, request);
        }
    }

    /**
     * Waits (tunnel thread) until the published {@code request} is answered, cancelled, or
     * {@code stopped} says the tunnel is stopping (then it is withdrawn).
     */
    PendingCredentials.Outcome await(PendingCredentials request, BooleanSupplier stopped) throws InterruptedException {
        try {
            PendingCredentials.Outcome o;
            while ((o = request.await(250)) == PendingCredentials.Outcome.PENDING) {
                if (stopped.getAsBoolean()) {
                    request.withdraw();
                    return PendingCredentials.Outcome.WITHDRAWN;
                }
            }
            return o;
        } finally {
            synchronized (lock) {
                pending = null;
                bestOffered = null;
            }
        }
    }

    /** Withdraws the pending request (the tunnel stops). */
    void withdraw() {
        synchronized (lock) {
            if (pending != null) {
                pending.withdraw();
            }
        }
    }

    /** Tells every source serving this tunnel that the server refused the credentials. */
    void verificationFailed(String reason) {
        for (Entry e : sources) {
            if (!serves(e)) {
                continue;
            }
            try {
                e.source().verificationFailed(tunnelName, reason);
            } catch (RuntimeException ex) {
                // A source's failure must not stop the tunnel.
            }
        }
    }

    /** Tells every source serving this tunnel of a token the server gave. */
    void authTokenReceived(String token) {
        for (Entry e : sources) {
            if (!serves(e)) {
                continue;
            }
            try {
                e.source().authTokenReceived(tunnelName, token);
            } catch (RuntimeException ex) {
                // As above.
            }
        }
    }

    private void offer(Entry e, PendingCredentials request) {
        Thread t = new Thread(() -> {
            try {
                e.source().requestCredentials(request);
            } catch (RuntimeException ex) {
                request.cancel("the credentials source failed: " + ex);
            }
        }, "culvert-credentials-" + tunnelName);
        t.setDaemon(true);
        t.start();
    }
}
