package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.culvert.openvpn.tls.internal.TlsCryptV2.KeyException;
import org.culvert.openvpn.tls.internal.TlsCryptV2.Problem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tls-crypt-v2 keys and the wrapped client key, against keys made by the stock {@code openvpn --genkey}. */
class TlsCryptV2Test {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path tmp;

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String pem(String label, byte[] content) {
        return "-----BEGIN " + label + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(content)
                + "\n-----END " + label + "-----\n";
    }

    private static char[] chars(String s) {
        return s.toCharArray();
    }

    private Path openvpnGenkey(String... args) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/openvpn")), "stock openvpn is not installed");
        List<String> cmd = new ArrayList<>(List.of("/usr/sbin/openvpn"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return tmp;
    }

    @Test
    void stockOpenVpnKeysUnwrapToTheirKcAndTimestamp() throws Exception {
        openvpnGenkey("--genkey", "tls-crypt-v2-server", "server.key");
        openvpnGenkey("--tls-crypt-v2", "server.key", "--genkey", "tls-crypt-v2-client", "client.key");
        long before = System.currentTimeMillis() / 1000 - 60;
        byte[] server = TlsCryptV2.parseServerKey(chars(Files.readString(tmp.resolve("server.key"))));
        TlsCryptV2.ClientKey client = TlsCryptV2.parseClientKey(chars(Files.readString(tmp.resolve("client.key"))));
        assertEquals(TlsCryptV2.MIN_WKC_LENGTH + 9, client.wkc().length, "WKc = 290 + type byte + u64 time");
        TlsCryptV2.Unwrapped u = TlsCryptV2.unwrap(server, client.wkc(), 0, client.wkc().length);
        assertArrayEquals(client.kc(), u.kc());
        assertEquals(TlsCryptV2.METADATA_TIMESTAMP, u.metadata()[0]);
        long stamp = Bytes.getLong(u.metadata(), 1);
        assertTrue(stamp >= before && stamp <= before + 120, "timestamp " + stamp);
        // The tag is a MAC of the content, so wrapping the same content again gives OpenVPN's WKc exactly.
        assertArrayEquals(client.wkc(), TlsCryptV2.wrap(server, u.kc(), u.metadata()));
        // The WKc in the middle of a packet, as a server finds it.
        byte[] packet = new byte[100 + client.wkc().length];
        System.arraycopy(client.wkc(), 0, packet, 100, client.wkc().length);
        assertArrayEquals(client.kc(), TlsCryptV2.unwrap(server, packet, 100, client.wkc().length).kc());
    }

    @Test
    void stockOpenVpnUserMetadata() throws Exception {
        openvpnGenkey("--genkey", "tls-crypt-v2-server", "server.key");
        String meta = "user=alice;group=ops";
        openvpnGenkey("--tls-crypt-v2", "server.key", "--genkey", "tls-crypt-v2-client", "client.key",
                Base64.getEncoder().encodeToString(meta.getBytes(StandardCharsets.US_ASCII)));
        byte[] server = TlsCryptV2.parseServerKey(chars(Files.readString(tmp.resolve("server.key"))));
        TlsCryptV2.ClientKey client = TlsCryptV2.parseClientKey(chars(Files.readString(tmp.resolve("client.key"))));
        TlsCryptV2.Unwrapped u = TlsCryptV2.unwrap(server, client.wkc(), 0, client.wkc().length);
        assertEquals(TlsCryptV2.METADATA_USER, u.metadata()[0]);
        assertEquals(meta, new String(u.metadata(), 1, u.metadata().length - 1, StandardCharsets.US_ASCII));
        // Another server key does not open it.
        openvpnGenkey("--genkey", "tls-crypt-v2-server", "other.key");
        byte[] other = TlsCryptV2.parseServerKey(chars(Files.readString(tmp.resolve("other.key"))));
        assertEquals(Problem.AUTH_FAILED, assertThrows(KeyException.class,
                () -> TlsCryptV2.unwrap(other, client.wkc(), 0, client.wkc().length)).problem());
    }

    @Test
    void roundTripAndEveryBitOfTheWkcIsAuthenticated() throws Exception {
        byte[] server = random(128);
        byte[] kc = random(256);
        for (int metaLength : new int[] {0, 1, 9, TlsCryptV2.MAX_METADATA_LENGTH}) {
            byte[] meta = random(metaLength);
            byte[] wkc = TlsCryptV2.wrap(server, kc, meta);
            assertEquals(TlsCryptV2.MIN_WKC_LENGTH + metaLength, wkc.length);
            TlsCryptV2.Unwrapped u = TlsCryptV2.unwrap(server, wkc, 0, wkc.length);
            assertArrayEquals(kc, u.kc());
            assertArrayEquals(meta, u.metadata());
        }
        byte[] wkc = TlsCryptV2.wrap(server, kc, random(9));
        for (int i = 0; i < wkc.length - 2; i += 7) {
            byte[] bad = wkc.clone();
            bad[i] ^= 0x01;
            assertEquals(Problem.AUTH_FAILED, assertThrows(KeyException.class,
                    () -> TlsCryptV2.unwrap(server, bad, 0, bad.length)).problem(), "flipped byte " + i);
        }
    }

    @Test
    void badWrappedKeys() throws Exception {
        byte[] server = random(128);
        byte[] wkc = TlsCryptV2.wrap(server, random(256), random(9));
        // The length field lies: larger, smaller, or the WKc is cut.
        byte[] lies = wkc.clone();
        Bytes.putShort(lies, lies.length - 2, lies.length + 1);
        assertEquals(Problem.LENGTH_MISMATCH, assertThrows(KeyException.class,
                () -> TlsCryptV2.unwrap(server, lies, 0, lies.length)).problem());
        Bytes.putShort(lies, lies.length - 2, TlsCryptV2.MIN_WKC_LENGTH);
        assertEquals(Problem.LENGTH_MISMATCH, assertThrows(KeyException.class,
                () -> TlsCryptV2.unwrap(server, lies, 0, lies.length)).problem());
        assertEquals(Problem.TOO_SHORT, assertThrows(KeyException.class,
                () -> TlsCryptV2.unwrap(server, wkc, 0, TlsCryptV2.MIN_WKC_LENGTH - 1)).problem());
        byte[] huge = new byte[TlsCryptV2.MAX_WKC_LENGTH + 1];
        Bytes.putShort(huge, huge.length - 2, huge.length);
        assertEquals(Problem.TOO_LONG, assertThrows(KeyException.class,
                () -> TlsCryptV2.unwrap(server, huge, 0, huge.length)).problem());
        assertEquals(Problem.TOO_LONG, assertThrows(KeyException.class,
                () -> TlsCryptV2.wrap(server, random(256), random(TlsCryptV2.MAX_METADATA_LENGTH + 1))).problem());
        assertEquals(Problem.TOO_SHORT, assertThrows(KeyException.class,
                () -> TlsCryptV2.wrap(server, random(255), new byte[0])).problem());
    }

    @Test
    void badKeyFiles() throws Exception {
        byte[] server = random(128);
        byte[] kc = random(256);
        byte[] wkc = TlsCryptV2.wrap(server, kc, new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 1});
        byte[] good = new byte[256 + wkc.length];
        System.arraycopy(kc, 0, good, 0, 256);
        System.arraycopy(wkc, 0, good, 256, wkc.length);
        TlsCryptV2.ClientKey parsed = TlsCryptV2.parseClientKey(chars(pem(TlsCryptV2.CLIENT_PEM, good)));
        assertArrayEquals(kc, parsed.kc());
        assertArrayEquals(wkc, parsed.wkc());
        assertTrue(!parsed.toString().contains(Base64.getEncoder().encodeToString(kc).substring(0, 12)));
        parsed.wipe();
        assertTrue(Bytes.allZero(parsed.kc(), 0, 256));

        assertEquals(Problem.WRONG_PEM, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseClientKey(chars(pem(TlsCryptV2.SERVER_PEM, good)))).problem());
        assertEquals(Problem.WRONG_PEM, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseServerKey(chars(pem(TlsCryptV2.CLIENT_PEM, server)))).problem());
        assertEquals(Problem.WRONG_PEM, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseClientKey(chars("-----BEGIN OpenVPN Static key V1-----\n00\n"
                        + "-----END OpenVPN Static key V1-----\n"))).problem());
        assertEquals(Problem.BAD_BASE64, assertThrows(KeyException.class, () -> TlsCryptV2.parseClientKey(chars(
                "-----BEGIN " + TlsCryptV2.CLIENT_PEM + "-----\n!!!!\n-----END " + TlsCryptV2.CLIENT_PEM + "-----\n")))
                .problem());
        assertEquals(Problem.TOO_SHORT, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseClientKey(chars(pem(TlsCryptV2.CLIENT_PEM, Arrays.copyOf(good, 256 + 289)))))
                .problem());
        byte[] lying = good.clone();
        Bytes.putShort(lying, lying.length - 2, wkc.length - 1);
        assertEquals(Problem.LENGTH_MISMATCH, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseClientKey(chars(pem(TlsCryptV2.CLIENT_PEM, lying)))).problem());
        byte[] tooLong = new byte[256 + 1025];
        Bytes.putShort(tooLong, tooLong.length - 2, 1025);
        assertEquals(Problem.TOO_LONG, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseClientKey(chars(pem(TlsCryptV2.CLIENT_PEM, tooLong)))).problem());
        assertEquals(Problem.TOO_SHORT, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseServerKey(chars(pem(TlsCryptV2.SERVER_PEM, random(127))))).problem());
        assertEquals(Problem.TOO_LONG, assertThrows(KeyException.class,
                () -> TlsCryptV2.parseServerKey(chars(pem(TlsCryptV2.SERVER_PEM, random(256))))).problem());
    }
}
