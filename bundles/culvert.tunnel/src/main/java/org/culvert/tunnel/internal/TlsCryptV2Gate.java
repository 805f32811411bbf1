package org.culvert.tunnel.internal;

import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code --tls-crypt-v2-verify} for the UDP server ({@code tls_crypt.c} {@code tls_crypt_v2_verify_metadata}).
 * OpenVPN runs the script in its main loop when the client's WKc is unwrapped, before the client has an
 * instance, and every client waits meanwhile. Here the script runs on the auth workers so that the link
 * thread never waits: the cookie's admission of a client (its address proven, its WKc made by our server
 * key) starts the script and is dropped ({@link Verdict#PENDING}); the client's reliability layer sends
 * that packet again (after {@code tls-timeout}, 2 s) and the copy is admitted once the script accepted.
 * A refusal is remembered for the hold time (the hand-window) so that the client's retries are dropped
 * without running the script again; a client the script refuses never gets any TLS state.
 *
 * <p>Link thread only, except the verdicts, which the workers set. Entries are bounded
 * ({@link Verdict#FULL} beyond), and only clients that passed the cookie and hold a key wrapped by our
 * server key can make one, so a flood of forged packets makes none.
 */
final class TlsCryptV2Gate {
    /** What becomes of an admitted client's packet. */
    enum Verdict {
        /** The script accepted this client (address and session id): create its instance. */
        ADMIT,
        /** The script runs (started now or earlier): drop, the client sends again. */
        PENDING,
        /** The script refused (or could not run): drop. */
        REFUSED,
        /** Too many clients wait for the script: drop without starting it. */
        FULL
    }

    /** Runs {@code --tls-crypt-v2-verify}; true when it accepted (exit status 0). Called on the executor. */
    interface Verifier {
        boolean verify(InetSocketAddress from, int metadataType, byte[] metadata);
    }

    private static final int RUNNING = 0;
    private static final int ACCEPTED = 1;
    private static final int REFUSED_STATE = 2;

    private static final class Entry {
        volatile int state = RUNNING;
        final long expiresAt;

        Entry(long expiresAt) {
            this.expiresAt = expiresAt;
        }
    }

    private final Verifier verifier;
    private final Executor executor;
    private final LoopClock clock;
    private final long holdMillis;
    private final int maxEntries;
    private final Map<String, Entry> entries = new HashMap<>();
    private long started;
    private long admitted;
    private long refused;
    private long full;

    /**
     * @param holdMillis how long a verdict waits for the client's retry (OpenVPN's hand-window)
     * @param maxEntries how many clients may wait for a verdict at once
     */
    TlsCryptV2Gate(Verifier verifier, Executor executor, LoopClock clock, long holdMillis, int maxEntries) {
        this.verifier = Objects.requireNonNull(verifier, "verifier");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (holdMillis <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("holdMillis and maxEntries must be positive");
        }
        this.holdMillis = holdMillis;
        this.maxEntries = maxEntries;
    }

    /**
     * The verdict for the client at {@code address} ({@code addressKey}: the same bytes for all its
     * packets) with session id {@code clientSessionId}, whose WKc carried {@code metadata} (type byte
     * first; copied, the caller wipes its own).
     */
    Verdict check(byte[] addressKey, long clientSessionId, InetSocketAddress from, byte[] metadata) {
        long now = clock.millis();
        String key = Arrays.toString(addressKey) + "/" + Long.toHexString(clientSessionId);
        Entry e = entries.get(key);
        if (e != null && now - e.expiresAt >= 0) {
            entries.remove(key);
            e = null;
        }
        if (e != null) {
            switch (e.state) {
                case ACCEPTED:
                    entries.remove(key); // one admission per run: a restarted client is asked again
                    admitted++;
                    return Verdict.ADMIT;
                case REFUSED_STATE:
                    refused++;
                    return Verdict.REFUSED;
                default:
                    return Verdict.PENDING;
            }
        }
        if (entries.size() >= maxEntries) {
            sweep(now);
            if (entries.size() >= maxEntries) {
                full++;
                return Verdict.FULL;
            }
        }
        Entry fresh = new Entry(now + holdMillis);
        entries.put(key, fresh);
        started++;
        int type = metadata.length == 0 ? -1 : metadata[0] & 0xFF;
        byte[] data = metadata.length == 0 ? new byte[0] : Arrays.copyOfRange(metadata, 1, metadata.length);
        try {
            executor.execute(() -> {
                boolean ok = false;
                try {
                    ok = type >= 0 && verifier.verify(from, type, data);
                } finally {
                    Arrays.fill(data, (byte) 0);
                    fresh.state = ok ? ACCEPTED : REFUSED_STATE;
                }
            });
        } catch (RejectedExecutionException stopped) {
            fresh.state = REFUSED_STATE;
        }
        return Verdict.PENDING;
    }

    private void sweep(long now) {
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext();) {
            if (now - it.next().expiresAt >= 0) {
                it.remove();
            }
        }
    }

    /** Scripts started. */
    long started() {
        return started;
    }

    /** Packets admitted after the script accepted. */
    long admitted() {
        return admitted;
    }

    /** Packets dropped because the script refused. */
    long refused() {
        return refused;
    }

    /** Clients dropped because too many waited for the script. */
    long full() {
        return full;
    }

    /** Clients waiting for a verdict or holding one. */
    int size() {
        return entries.size();
    }
}
