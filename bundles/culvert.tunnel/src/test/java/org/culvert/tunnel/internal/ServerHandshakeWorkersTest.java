package org.culvert.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handshakes run on the handshake workers, not on the data threads: with one data thread, a client
 * whose handshake step never ends (the engine's decisions held, as a slow script or a long public-key
 * operation would hold them) leaves an established client's traffic flowing, and finishes once let go.
 */
class ServerHandshakeWorkersTest {
    private final ServerHarness h = new ServerHarness();

    @AfterEach
    void tearDown() throws Exception {
        h.close();
    }

    /** The stand-in engines, whose decisions about a handshaking client block while {@link #hold} is set. */
    private static final class HeldEngines extends DelegatingEngines {
        volatile boolean hold;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        volatile String heldOn;

        HeldEngines(TlsServerEngines inner) {
            super(inner);
        }

        @Override
        public long step(MultiInstance m, ServerLoop server) {
            if (hold && !m.established) {
                heldOn = Thread.currentThread().getName();
                entered.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.step(m, server);
        }
    }

    @Test
    void aHandshakeHeldOnAWorkerLeavesTheDataThreadServingAnEstablishedClient() throws Exception {
        HeldEngines engines = new HeldEngines(h.engines("ping 1\nping-restart 30\n"));
        h.start(ServerPlan.defaults().withDataThreads(1), engines);
        h.client(1, "ping 1\nping-restart 30\n");
        h.awaitEstablished("client1");
        h.assertCarries(1, "before");

        engines.hold = true;
        h.client(2, "ping 1\nping-restart 30\n");
        assertTrue(engines.entered.await(20, TimeUnit.SECONDS), "client2's handshake reached the engine's decisions");
        assertTrue(engines.heldOn.contains("-handshake-"), "held on a handshake worker, not a data thread: " + engines.heldOn);
        for (int round = 0; round < 20; round++) {
            h.assertCarries(1, "while client2's handshake is held, round " + round);
        }
        assertFalse(h.view.clients().stream().anyMatch(c -> c.established() && c.commonName().equals("client2")),
                "client2 cannot be established while held");

        engines.hold = false;
        engines.release.countDown();
        h.awaitEstablished("client1", "client2");
        h.assertCarries(2, "after");
        h.assertCarries(1, "after");
    }
}
