package org.culvert.openvpn.tls;

import static org.culvert.openvpn.tls.HandshakeCookieTest.deliver;
import static org.culvert.openvpn.tls.HandshakeCookieTest.next;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.culvert.openvpn.tls.HandshakeCookie.Action;
import org.culvert.openvpn.tls.HandshakeCookie.DropReason;
import org.culvert.openvpn.tls.internal.TlsCryptV2;
import org.junit.jupiter.api.Test;

/**
 * A tls-crypt-v2 server through the cookie: the client's V3 reset and WKC_V1 third packet unwrap with
 * the server key, the reply asks for the WKc again, the admission carries Kc and the metadata, and the
 * session keeps going under Kc (TLS and key method 2 through to the server's decision); clients with
 * another server's key or a broken or truncated WKc are dropped without state.
 */
class TlsCryptV2ServerTest {
    private static final byte[] ADDRESS = {(byte) 198, 51, 100, 9, 0x04, (byte) 0xAA};
    private static final byte[] METADATA = {1, 0, 0, 0, 0, 0x65, 0x43, 0x21, 0};
    private final SecureRandom random = new SecureRandom();
    private final byte[] out = new byte[2048];
    private final ByteBuffer slot = ByteBuffer.allocateDirect(TlsPair.SLOT);

    private static String serverPem(byte[] key) {
        return "-----BEGIN OpenVPN tls-crypt-v2 server key-----\n" + Base64.getMimeEncoder().encodeToString(key)
                + "\n-----END OpenVPN tls-crypt-v2 server key-----\n";
    }

    private String clientPem(byte[] serverKey) throws Exception {
        byte[] kc = new byte[256];
        random.nextBytes(kc);
        byte[] wkc = TlsCryptV2.wrap(serverKey, kc, METADATA);
        byte[] file = new byte[kc.length + wkc.length];
        System.arraycopy(kc, 0, file, 0, kc.length);
        System.arraycopy(wkc, 0, file, kc.length, wkc.length);
        return "-----BEGIN OpenVPN tls-crypt-v2 client key-----\n" + Base64.getMimeEncoder().encodeToString(file)
                + "\n-----END OpenVPN tls-crypt-v2 client key-----\n";
    }

    @Test
    void v2ClientsAreAdmittedWithTheirKeyAndMetadataAndHandshakeUnderKc() throws Exception {
        byte[] serverKey = new byte[128];
        random.nextBytes(serverKey);
        TlsSettings serverSettings = TlsSessionTest.server().serverMode(true)
                .tlsCryptV2Server(serverPem(serverKey).toCharArray()).build();
        FakeClock clock = new FakeClock();
        HandshakeCookie cookie = new HandshakeCookie(serverSettings, clock, random);
        TlsSession client = new TlsSession(TlsSessionTest.client().tlsCryptV2(clientPem(serverKey).toCharArray()).build(),
                clock, random);
        byte[] reset = next(client);
        assertEquals(10, (reset[0] & 0xFF) >>> 3, "P_CONTROL_HARD_RESET_CLIENT_V3");
        assertEquals(Action.REPLY, cookie.screen(reset, reset.length, ADDRESS, out));
        byte[] reply = Arrays.copyOf(out, cookie.replyLength());
        deliver(client, reply);
        byte[] third = next(client);
        assertEquals(11, (third[0] & 0xFF) >>> 3, "the reply asked for the WKc again: P_CONTROL_WKC_V1");
        assertEquals(Action.ADMIT, cookie.screen(third, third.length, ADDRESS, out));
        HandshakeCookie.Admission a = cookie.admission();
        assertNotNull(a.tlsCryptV2Kc());
        assertArrayEquals(METADATA, a.tlsCryptV2Metadata());

        TlsSession instance = new TlsSession(serverSettings, clock, random, a);
        a.wipe();
        deliver(instance, third);
        for (int round = 0; round < 200 && !instance.serverPull().clientReady(); round++) {
            while (client.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                byte[] b = new byte[slot.remaining()];
                slot.get(b);
                deliver(instance, b);
            }
            while (instance.pollOutgoing(slot.clear(), TlsPair.HEADROOM)) {
                byte[] b = new byte[slot.remaining()];
                slot.get(b);
                deliver(client, b);
            }
            clock.advance(50);
            client.checkTimers();
            instance.checkTimers();
        }
        assertTrue(instance.serverPull().clientReady(),
                () -> "instance " + instance.state() + " " + instance.lastError() + " " + instance.describe()
                        + " / client " + client.lastError());
    }

    @Test
    void otherServerKeysAndBrokenOrTruncatedWkcAreDropped() throws Exception {
        byte[] serverKey = new byte[128];
        random.nextBytes(serverKey);
        byte[] otherKey = new byte[128];
        random.nextBytes(otherKey);
        TlsSettings serverSettings = TlsSessionTest.server().serverMode(true)
                .tlsCryptV2Server(serverPem(serverKey).toCharArray()).build();
        FakeClock clock = new FakeClock();
        HandshakeCookie cookie = new HandshakeCookie(serverSettings, clock, random);
        TlsSession stranger = new TlsSession(TlsSessionTest.client().tlsCryptV2(clientPem(otherKey).toCharArray()).build(),
                clock, random);
        byte[] reset = next(stranger);
        assertEquals(Action.DROP, cookie.screen(reset, reset.length, ADDRESS, out));
        assertEquals(1, cookie.drops(DropReason.BAD_WKC));

        TlsSession client = new TlsSession(TlsSessionTest.client().tlsCryptV2(clientPem(serverKey).toCharArray()).build(),
                clock, random);
        byte[] good = next(client);
        for (int i : new int[] {1, 20, good.length - 100, good.length - 3, good.length - 1}) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            assertEquals(Action.DROP, cookie.screen(bad, bad.length, ADDRESS, out), "flipped byte " + i);
        }
        for (int n = 0; n < good.length; n += 17) {
            assertEquals(Action.DROP, cookie.screen(good, n, ADDRESS, out), "truncated to " + n);
        }
        byte[] v2Reset = good.clone();
        v2Reset[0] = (byte) (7 << 3);
        assertEquals(Action.DROP, cookie.screen(v2Reset, v2Reset.length, ADDRESS, out), "a V2 reset to a v2 server");
        assertEquals(Action.REPLY, cookie.screen(good, good.length, ADDRESS, out));
        assertEquals(1, cookie.replies());
        // tls-crypt-v2 server keys are a tls-server's, and exclusive with tls-auth/tls-crypt.
        assertThrows(TlsConfigException.class, () -> TlsSessionTest.client()
                .tlsCryptV2Server(serverPem(serverKey).toCharArray()).build().validate());
        assertThrows(IllegalArgumentException.class, () -> TlsSessionTest.server().tlsCryptV2Server("junk".toCharArray()));
    }
}
