package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntPredicate;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.Verdict;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Client engine against server engine over a wire that drops 1 packet in 16, reorders 1 in 8 and
 * corrupts 1 in 32, in both directions, with an injected clock (100 ms per step) and renegotiation
 * forced often: the session must never break, keep delivering data, renegotiate at least 100 times,
 * and never hand a corrupted, replayed or foreign packet to the tun.
 *
 * <p>Without tls-auth/tls-crypt the control channel has no integrity protection of its own (a
 * corrupted TLS record ends the TLS session, in OpenVPN too), so that variant corrupts only data
 * packets; it still drops and reorders everything.
 */
class LossyWireSoakTest {
    private static final long STEP_MILLIS = 100;

    @ParameterizedTest(name = "{0} {1} {2} steps")
    @CsvSource({
        "none,      AES-256-GCM,       100000, client-sec",
        "tls-auth,  CHACHA20-POLY1305, 100000, server-pkts",
        "tls-crypt, AES-256-CBC,       100000, client-bytes",
        "tls-crypt, AES-128-GCM,       20000,  server-sec",
        "tls-auth,  AES-128-CBC,       20000,  client-pkts",
    })
    void sessionSurvivesLossyWire(String wrap, String cipher, int steps, String reneg) throws Exception {
        byte[] wrapKey = new byte[256];
        new SecureRandom().nextBytes(wrapKey);
        TlsSettings.Builder c = TlsSessionTest.client().dataCiphers(cipher).auth(AuthAlgorithm.SHA256);
        TlsSettings.Builder s = TlsSessionTest.server().dataCiphers(cipher).auth(AuthAlgorithm.SHA256);
        switch (wrap) {
            case "tls-auth":
                c.tlsAuth(wrapKey, KeyDirection.INVERSE);
                s.tlsAuth(wrapKey, KeyDirection.NORMAL);
                break;
            case "tls-crypt":
                c.tlsCrypt(wrapKey);
                s.tlsCrypt(wrapKey);
                break;
            default:
                break;
        }
        // Renegotiation every ~60-90 s of simulated time, triggered by the side and limit named.
        c.renegSeconds(0);
        s.renegSeconds(0);
        switch (reneg) {
            case "client-sec":
                c.renegSeconds(60);
                break;
            case "server-sec":
                s.renegSeconds(60);
                break;
            case "server-pkts":
                s.renegPackets(500);
                break;
            case "client-pkts":
                c.renegPackets(500);
                break;
            default:
                c.renegBytes(150_000);
                break;
        }
        IntPredicate corruptible = wrap.equals("none") ? op -> op == 6 || op == 9 : op -> true;
        TlsPair pair = new TlsPair(c.build(), s.build(), steps * 31L + cipher.hashCode(), 16, 8, 32, corruptible);

        Traffic toServer = new Traffic(1);
        Traffic toClient = new Traffic(2);
        List<ByteBuffer> atServer = new ArrayList<>();
        List<ByteBuffer> atClient = new ArrayList<>();
        int keyedAt = -1;
        int droughtServer = 0;
        int droughtClient = 0;
        int worstDrought = 0;
        for (int step = 0; step < steps; step++) {
            pair.clock.advance(STEP_MILLIS);
            pair.timers();
            if (pair.client.isKeyed() && pair.server.isKeyed()) {
                if (keyedAt < 0) {
                    keyedAt = step;
                }
                toServer.send(pair.client, pair.toServer);
                toClient.send(pair.server, pair.toClient);
            }
            atServer.clear();
            atClient.clear();
            pair.exchange(atClient, atServer);
            toServer.receive(atServer);
            toClient.receive(atClient);
            final int at = step;
            assertTrue(pair.client.state() != TlsSession.State.FAILED && pair.server.state() != TlsSession.State.FAILED,
                    () -> "broke at step " + at + ": client " + pair.client.lastError() + " " + pair.client.describe()
                            + " / server " + pair.server.lastError() + " " + pair.server.describe());
            if (keyedAt >= 0) {
                droughtServer = atServer.isEmpty() ? droughtServer + 1 : 0;
                droughtClient = atClient.isEmpty() ? droughtClient + 1 : 0;
                worstDrought = Math.max(worstDrought, Math.max(droughtServer, droughtClient));
            }
        }
        assertTrue(keyedAt >= 0 && keyedAt < 300, "keyed after " + keyedAt + " steps");
        int minReneg = steps >= 100_000 ? 100 : 15;
        assertTrue(pair.client.renegotiations() >= minReneg && pair.server.renegotiations() >= minReneg,
                "renegotiations client=" + pair.client.renegotiations() + " server=" + pair.server.renegotiations());
        assertTrue(pair.toServer.dropped > 0 && pair.toServer.reordered > 0 && pair.toServer.corrupted > 0,
                "the wire really was lossy");
        assertTrue(toServer.ratio() > 0.85 && toClient.ratio() > 0.85,
                "delivered " + toServer.ratio() + " / " + toClient.ratio());
        assertTrue(worstDrought <= 30, "longest stretch without delivered data: " + worstDrought + " steps");
        System.out.printf("%s %s %d steps: renegotiations %d/%d (retried %d/%d), delivered %.3f/%.3f, worst drought %d"
                + " steps, wire dropped %d corrupted %d reordered %d%n", wrap, cipher, steps, pair.client.renegotiations(),
                pair.server.renegotiations(), pair.client.renegotiationRetries(), pair.server.renegotiationRetries(),
                toServer.ratio(), toClient.ratio(), worstDrought, pair.toServer.dropped + pair.toClient.dropped,
                pair.toServer.corrupted + pair.toClient.corrupted, pair.toServer.reordered + pair.toClient.reordered);
    }

    /** Numbered payloads whose bytes derive from the number, so any change is detected on arrival. */
    private static final class Traffic {
        private final long salt;
        private final BitSet delivered = new BitSet();
        private final ByteBuffer buf = ByteBuffer.allocate(TlsPair.SLOT);
        private int next;
        private int received;

        Traffic(long salt) {
            this.salt = salt;
        }

        void send(TlsSession from, TlsPair.Wire wire) {
            int seq = next++;
            byte[] payload = payload(seq);
            buf.clear().position(TlsPair.HEADROOM);
            buf.put(payload);
            buf.limit(buf.position()).position(TlsPair.HEADROOM);
            assertEquals(Verdict.OK, from.encapsulate(buf));
            wire.send(buf);
        }

        void receive(List<ByteBuffer> packets) {
            for (ByteBuffer p : packets) {
                byte[] b = new byte[p.remaining()];
                p.get(p.position(), b);
                assertTrue(b.length >= 4, "short delivery");
                int seq = ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
                assertTrue(seq >= 0 && seq < next, "delivered a packet never sent: " + seq);
                assertTrue(java.util.Arrays.equals(payload(seq), b), "corrupted packet delivered: " + seq);
                assertTrue(!delivered.get(seq), "packet delivered twice: " + seq);
                delivered.set(seq);
                received++;
            }
        }

        double ratio() {
            return next == 0 ? 0 : (double) received / next;
        }

        private byte[] payload(int seq) {
            SplittableRandom r = new SplittableRandom(salt * 1_000_003L + seq);
            byte[] b = new byte[20 + r.nextInt(300)];
            r.nextBytes(b);
            b[0] = (byte) (seq >>> 24);
            b[1] = (byte) (seq >>> 16);
            b[2] = (byte) (seq >>> 8);
            b[3] = (byte) seq;
            return b;
        }
    }
}
