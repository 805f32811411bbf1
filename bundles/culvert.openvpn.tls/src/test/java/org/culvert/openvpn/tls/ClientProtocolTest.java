package org.culvert.openvpn.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** PeerInfo parsing and the server's per-client protocol choice (NCP, peer-id, key derivation), good and bad values. */
class ClientProtocolTest {
    private static final List<DataCipher> SERVER = List.of(DataCipher.AES_256_GCM, DataCipher.AES_128_GCM,
            DataCipher.CHACHA20_POLY1305);
    /** What a 2.6 pull client sends (facts sheet §3). */
    private static final String OPENVPN_26 = "IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n"
            + "IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=990\nIV_LZO_STUB=1\nIV_COMP_STUB=1\n"
            + "IV_COMP_STUBv2=1\n";

    @Test
    void peerInfoOfAStockClient() {
        PeerInfo p = PeerInfo.parse(OPENVPN_26);
        assertEquals("2.6.14", p.version());
        assertEquals("linux", p.platform());
        assertEquals(990, p.proto());
        assertEquals(2, p.ncp());
        assertEquals(1600, p.mtu());
        assertEquals(List.of("AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"), p.ciphers());
        assertTrue(p.has(PeerInfo.IV_PROTO_DATA_V2 | PeerInfo.IV_PROTO_REQUEST_PUSH | PeerInfo.IV_PROTO_TLS_KEY_EXPORT
                | PeerInfo.IV_PROTO_AUTH_PENDING_KW | PeerInfo.IV_PROTO_CC_EXIT_NOTIFY | PeerInfo.IV_PROTO_DYN_TLS_CRYPT));
        assertFalse(p.has(PeerInfo.IV_PROTO_NCP_P2P));
        assertEquals(10, p.values().size());
    }

    @Test
    void peerInfoWithBadValuesNeverThrows() {
        PeerInfo p = PeerInfo.parse("IV_PROTO=lots\nIV_NCP=\nIV_MTU=99999999999\n=nameless\nno equals sign\n"
                + "IV BAD=x\nIV_VER=2.6\u0000x\n\n");
        assertEquals(0, p.proto());
        assertEquals(0, p.ncp());
        assertEquals(0, p.mtu());
        assertNull(p.ciphers(), "no IV_CIPHERS: not an IV_CIPHERS client");
        assertNull(p.get("IV BAD"));
        assertEquals(List.of("IV_PROTO", "IV_NCP", "IV_MTU", "IV_VER"), List.copyOf(p.values().keySet()));
        assertEquals(0, PeerInfo.parse(null).values().size());
        assertEquals(0, PeerInfo.parse("").proto());
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 10_000; i++) {
            flood.append("UV_").append(i).append("=1\n");
        }
        assertTrue(PeerInfo.parse(flood.toString()).values().size() <= 256, "bounded");
    }

    @Test
    void aStockClientGetsTheFirstServerCipherPeerIdAndTlsEkmFlags() {
        ClientProtocol p = ClientProtocol.choose(PeerInfo.parse(OPENVPN_26), null, SERVER, null, 3, true);
        assertTrue(p.ok());
        assertEquals(DataCipher.AES_256_GCM, p.cipher());
        assertEquals(List.of("peer-id 3", "cipher AES-256-GCM", "protocol-flags cc-exit tls-ekm dyn-tls-crypt"),
                p.pushOptions());
        ClientProtocol noExport = ClientProtocol.choose(PeerInfo.parse(OPENVPN_26), null, SERVER, null, 3, false);
        assertEquals(List.of("peer-id 3", "cipher AES-256-GCM", "protocol-flags cc-exit"), noExport.pushOptions());
        ClientProtocol ekmOnly = ClientProtocol.choose(PeerInfo.parse("IV_CIPHERS=AES-128-GCM\nIV_PROTO=8"), null,
                SERVER, null, 0, true);
        assertEquals(List.of("cipher AES-128-GCM", "key-derivation tls-ekm"), ekmOnly.pushOptions(), "no DATA_V2: no peer-id");
        assertEquals(-1, ekmOnly.peerId());
    }

    @Test
    void theServerOrderDecidesAndIvNcpTwoMeansGcm() {
        List<DataCipher> server = List.of(DataCipher.CHACHA20_POLY1305, DataCipher.AES_128_GCM);
        assertEquals(DataCipher.CHACHA20_POLY1305, ClientProtocol.bestCipher(server,
                PeerInfo.parse("IV_CIPHERS=AES-128-GCM:CHACHA20-POLY1305"), null));
        assertEquals(DataCipher.AES_128_GCM, ClientProtocol.bestCipher(server, PeerInfo.parse("IV_NCP=2"), null));
        assertNull(ClientProtocol.bestCipher(server, PeerInfo.parse("IV_NCP=1"), null));
        // An IV_CIPHERS client is not assumed to take its OCC cipher.
        assertNull(ClientProtocol.bestCipher(server, PeerInfo.parse("IV_CIPHERS=AES-256-GCM"), "CHACHA20-POLY1305"));
        assertEquals(DataCipher.CHACHA20_POLY1305, ClientProtocol.bestCipher(server, PeerInfo.parse("IV_VER=2.3"),
                "CHACHA20-POLY1305"));
    }

    @Test
    void noSharedCipherIsRefusedAndOldClientsGetTheirOwnOrTheFallback() {
        ClientProtocol none = ClientProtocol.choose(PeerInfo.parse("IV_CIPHERS=BF-CBC:NOPE\nIV_PROTO=990"), null,
                List.of(DataCipher.AES_128_GCM), null, 0, true);
        assertFalse(none.ok());
        assertTrue(none.failure().contains("no shared cipher") && none.failure().contains("BF-CBC:NOPE"), none.failure());
        ClientProtocol old = ClientProtocol.choose(PeerInfo.parse("IV_VER=2.3.18"), "AES-128-GCM",
                List.of(DataCipher.AES_256_GCM), DataCipher.AES_128_GCM, 0, false);
        assertEquals(DataCipher.AES_128_GCM, old.cipher());
        assertFalse(old.pushCipher(), "an old client is not pushed a cipher");
        assertEquals(List.of(), old.pushOptions());
        ClientProtocol oldUnknown = ClientProtocol.choose(PeerInfo.parse(""), "NO-SUCH-CIPHER",
                List.of(DataCipher.AES_256_GCM), null, 0, false);
        assertFalse(oldUnknown.ok());
    }
}
