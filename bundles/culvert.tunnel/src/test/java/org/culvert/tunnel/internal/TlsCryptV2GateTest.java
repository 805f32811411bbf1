package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.culvert.tunnel.internal.TlsCryptV2Gate.Verdict;
import org.junit.jupiter.api.Test;

/**
 * The {@code --tls-crypt-v2-verify} gate: the script runs once per client attempt, off the calling
 * thread; its acceptance admits the client's next copy once, its refusal drops the copies for the hold
 * time; bounded; an injected clock and a hand-run executor.
 */
class TlsCryptV2GateTest {
    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.7", 40000);
    private static final byte[] ADDRESS = {1, 2, 3, 4};
    private static final byte[] USER_METADATA = {0, 'a', 'b'};

    private long now = 1_000;
    private final ArrayDeque<Runnable> queued = new ArrayDeque<>();
    private final List<String> asked = new ArrayList<>();
    private boolean accept = true;

    private TlsCryptV2Gate gate(int max) {
        return new TlsCryptV2Gate((from, type, data) -> {
            asked.add(from + " " + type + " " + new String(data, java.nio.charset.StandardCharsets.US_ASCII));
            return accept;
        }, queued::add, () -> now, 60_000, max);
    }

    private void runQueued() {
        while (!queued.isEmpty()) {
            queued.poll().run();
        }
    }

    @Test
    void anAcceptedClientIsAdmittedOnceAfterTheScriptRan() {
        TlsCryptV2Gate g = gate(4);
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 42, FROM, USER_METADATA));
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 42, FROM, USER_METADATA), "a retry while the script runs");
        assertEquals(1, queued.size(), "one script per attempt");
        runQueued();
        assertEquals(List.of(FROM + " 0 ab"), asked, "metadata_type and the metadata without its type byte");
        assertEquals(Verdict.ADMIT, g.check(ADDRESS, 42, FROM, USER_METADATA));
        assertEquals(1, g.admitted());
        // The admission used the verdict up: the same client restarting is asked again.
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 42, FROM, USER_METADATA));
        assertEquals(2, g.started());
    }

    @Test
    void aRefusedClientStaysRefusedForTheHoldTimeThenIsAskedAgain() {
        accept = false;
        TlsCryptV2Gate g = gate(4);
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 42, FROM, USER_METADATA));
        runQueued();
        for (int i = 0; i < 3; i++) {
            assertEquals(Verdict.REFUSED, g.check(ADDRESS, 42, FROM, USER_METADATA));
        }
        assertEquals(3, g.refused());
        assertEquals(1, asked.size(), "retries do not run the script again");
        now += 60_000;
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 42, FROM, USER_METADATA), "asked again after the hold time");
        assertEquals(2, g.started());
    }

    @Test
    void anotherSessionOrAddressIsAnotherClient() {
        TlsCryptV2Gate g = gate(4);
        g.check(ADDRESS, 42, FROM, USER_METADATA);
        runQueued();
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 43, FROM, USER_METADATA), "another client session id");
        assertEquals(Verdict.PENDING, g.check(new byte[] {1, 2, 3, 5}, 42, FROM, USER_METADATA), "another address");
        assertEquals(Verdict.ADMIT, g.check(ADDRESS, 42, FROM, USER_METADATA));
    }

    @Test
    void boundedAndExpiredEntriesMakeRoom() {
        TlsCryptV2Gate g = gate(2);
        g.check(ADDRESS, 1, FROM, USER_METADATA);
        g.check(ADDRESS, 2, FROM, USER_METADATA);
        assertEquals(Verdict.FULL, g.check(ADDRESS, 3, FROM, USER_METADATA));
        assertEquals(1, g.full());
        assertEquals(2, queued.size(), "no script for a client that found the gate full");
        now += 60_000;
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 3, FROM, USER_METADATA));
        assertEquals(1, g.size(), "the expired entries were swept");
    }

    @Test
    void emptyMetadataOrAStoppedExecutorRefuses() {
        TlsCryptV2Gate g = gate(4);
        assertEquals(Verdict.PENDING, g.check(ADDRESS, 1, FROM, new byte[0]));
        runQueued();
        assertEquals(Verdict.REFUSED, g.check(ADDRESS, 1, FROM, new byte[0]));
        assertEquals(List.of(), asked, "no script for a metadata without its type byte");
        TlsCryptV2Gate stopped = new TlsCryptV2Gate((f, t, d) -> true, r -> {
            throw new RejectedExecutionException("closed");
        }, () -> now, 1000, 4);
        assertEquals(Verdict.PENDING, stopped.check(ADDRESS, 1, FROM, USER_METADATA));
        assertEquals(Verdict.REFUSED, stopped.check(ADDRESS, 1, FROM, USER_METADATA));
    }

    @Test
    void theCallersMetadataIsCopiedAndBadSettingsRefused() {
        TlsCryptV2Gate g = gate(4);
        byte[] metadata = USER_METADATA.clone();
        g.check(ADDRESS, 1, FROM, metadata);
        java.util.Arrays.fill(metadata, (byte) 0); // the caller wipes its copy at once
        runQueued();
        assertEquals(List.of(FROM + " 0 ab"), asked);
        assertArrayEquals(new byte[3], metadata);
        assertThrows(IllegalArgumentException.class, () -> new TlsCryptV2Gate((f, t, d) -> true, Runnable::run, () -> 0, 0, 4));
        assertThrows(IllegalArgumentException.class, () -> new TlsCryptV2Gate((f, t, d) -> true, Runnable::run, () -> 0, 1, 0));
    }
}
