package org.culvert.openvpn.tls;

import org.culvert.openvpn.session.Incoming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.culvert.openvpn.crypto.KeyDirection;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random and mutated packets thrown at keyed engines: nothing throws, nothing reaches the tun,
 * the sessions stay keyed and keep passing data.
 */
class GarbageInputTest {

    @ParameterizedTest
    @ValueSource(strings = {"none", "tls-auth", "tls-crypt"})
    void garbageNeverThrowsNorDeliversNorBreaksTheSession(String wrap) throws Exception {
        byte[] key = new byte[256];
        new SecureRandom().nextBytes(key);
        TlsSettings.Builder c = TlsSessionTest.client();
        TlsSettings.Builder s = TlsSessionTest.server();
        if (wrap.equals("tls-auth")) {
            c.tlsAuth(key, KeyDirection.INVERSE);
            s.tlsAuth(key, KeyDirection.NORMAL);
        } else if (wrap.equals("tls-crypt")) {
            c.tlsCrypt(key);
            s.tlsCrypt(key);
        }
        TlsPair pair = TlsPair.clean(c.build(), s.build());
        pair.toServer.record = true;
        pair.toClient.record = true;
        assertTrue(pair.handshake(10_000));
        pair.client.renegotiate();
        pair.run(2_000);
        pair.send(pair.client, "recorded data");
        List<byte[]> seen = new java.util.ArrayList<>(pair.toServer.sent);
        seen.addAll(pair.toClient.sent);

        Random r = new Random(wrap.hashCode());
        for (int i = 0; i < 20_000; i++) {
            byte[] p;
            if (i % 2 == 0) {
                p = new byte[r.nextInt(1600)];
                r.nextBytes(p);
                if (p.length > 0 && r.nextBoolean()) {
                    p[0] = (byte) ((r.nextInt(12) << 3) | r.nextInt(8)); // plausible opcodes
                }
            } else {
                byte[] base = seen.get(r.nextInt(seen.size()));
                p = base.clone();
                int flips = 1 + r.nextInt(3);
                for (int f = 0; f < flips && p.length > 0; f++) {
                    p[r.nextInt(p.length)] ^= (byte) (1 + r.nextInt(255));
                }
                if (r.nextInt(8) == 0) {
                    p = java.util.Arrays.copyOf(p, r.nextInt(p.length + 1));
                }
            }
            for (TlsSession target : List.of(pair.client, pair.server)) {
                ByteBuffer buf = ByteBuffer.allocate(p.length + 256);
                buf.position(128).put(p).limit(128 + p.length).position(128);
                Incoming in = target.decapsulate(buf);
                assertNotEquals(Incoming.TUN_PACKET, in, "garbage reached the tun");
            }
        }
        // Unmodified replays of recorded packets are refused as well (control: wrap replay or
        // reliability duplicate; data: replay window).
        for (byte[] b : pair.toServer.sent) {
            assertNotEquals(Incoming.TUN_PACKET, pair.server.decapsulate(ByteBuffer.wrap(b.clone())));
        }
        pair.run(3_000);
        assertEquals(TlsSession.State.KEYED, pair.client.state(), String.valueOf(pair.client.lastError()));
        assertEquals(TlsSession.State.KEYED, pair.server.state(), String.valueOf(pair.server.lastError()));
        assertEquals(List.of("still alive"), pair.send(pair.client, "still alive"));
        assertEquals(List.of("both ways"), pair.send(pair.server, "both ways"));
    }
}
