package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.junit.jupiter.api.Test;

/**
 * OpenVPN 2.6's mssfix figures for TLS data packets. The AES-256-CBC/SHA256 and CHACHA20-POLY1305 UDP
 * values are also checked against a stock peer's log in {@link ConfigFileInteropTest}.
 */
class TlsMtuTest {
    private static final String TLS = "tls-client\n<cert>\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
            + "</cert>\n<key>\n-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n</key>\n"
            + "peer-fingerprint " + "AB:".repeat(31) + "AB\n";

    private static OpenVpnOptions options(String extra) throws Exception {
        return ConfigParser.parse("dev tun\n" + TLS + extra, "mtu.conf", Path.of("."));
    }

    private static int mss(String extra, DataCipher cipher, boolean dataV2, boolean ipv6) throws Exception {
        return TlsMtu.mssFix(options(extra), cipher, dataV2, ipv6);
    }

    @Test
    void aeadCiphers() throws Exception {
        // 1492 - (4 opcode/peer-id + 4 packet-id + 16 tag + 20 IPv4 + 8 UDP) - 40 IPv4/TCP
        assertEquals(1400, mss("", DataCipher.AES_256_GCM, true, false));
        assertEquals(1400, mss("", DataCipher.CHACHA20_POLY1305, true, false));
        assertEquals(1403, mss("", DataCipher.AES_128_GCM, false, false), "P_DATA_V1 has a 1-byte header");
        // TCP adds its 2-byte length and a 20-byte header; IPv6 adds 20 more
        assertEquals(1366, mss("proto tcp-client\nremote h\n", DataCipher.CHACHA20_POLY1305, true, true));
    }

    @Test
    void cbcCiphersRoundToBlocksAndEncryptThePacketId() throws Exception {
        // 1492 - (4 + 16 IV + 32 HMAC + 28) = 1412 -> 1408 - 1 = 1407, minus 4 packet-id and 40
        assertEquals(1363, mss("auth SHA256\n", DataCipher.AES_256_CBC, true, false));
        // 1492 - (4 + 16 + 20 + 28) = 1424, a whole number of blocks -> 1423 - 4 - 40
        assertEquals(1379, mss("", DataCipher.AES_128_CBC, true, false));
    }

    @Test
    void mssfixVariantsAndPayloadOverhead() throws Exception {
        assertEquals(1336, mss("mssfix 1400\n", DataCipher.AES_256_GCM, true, false), "no 'mtu' flag: link headers not counted");
        assertEquals(1260, mss("mssfix 1300 fixed\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1360, mss("tun-mtu 1400\n", DataCipher.AES_256_GCM, true, false), "defaults to the tun MTU, fixed");
        assertEquals(0, mss("mssfix 0\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1368, mss("dev tap\n", DataCipher.AES_256_GCM, true, false), "tap carries a 32-byte Ethernet allowance");
        assertEquals(1399, mss("compress stub\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1400, mss("compress stub-v2\n", DataCipher.AES_256_GCM, true, false));
        // The real algorithms count as OpenVPN's frame_calculate_payload_overhead counts them: v1 one byte, v2 none.
        assertEquals(1399, mss("comp-lzo yes\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1399, mss("compress lzo\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1399, mss("compress lz4\n", DataCipher.AES_256_GCM, true, false));
        assertEquals(1400, mss("compress lz4-v2\n", DataCipher.AES_256_GCM, true, false));
    }

    @Test
    void fromTheNegotiatedResult() throws Exception {
        Negotiated n = new Negotiated("TLSv1.3", "TLS_AES_256_GCM_SHA384", DataCipher.AES_256_GCM, "tls-ekm", true, 1,
                true, true, "CN=x", "AB", 0, "", null);
        assertEquals(1400, TlsMtu.mssFix(options(""), n, false));
        assertEquals(1380, TlsMtu.mssFix(options(""), n, true));
    }
}
