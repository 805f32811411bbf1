package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AlgorithmsTest {

    @Test
    void cipherNamesAndSizes() {
        assertEquals(CipherAlgorithm.AES_256_CBC, CipherAlgorithm.fromOpenVpnName("AES-256-CBC"));
        assertEquals(CipherAlgorithm.AES_256_CBC, CipherAlgorithm.fromOpenVpnName("aes-256-cbc"));
        assertEquals(CipherAlgorithm.AES_128_CBC, CipherAlgorithm.fromOpenVpnName("AES-128-CBC"));
        assertEquals(CipherAlgorithm.NONE, CipherAlgorithm.fromOpenVpnName("none"));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithm.fromOpenVpnName("NONE"));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithm.fromOpenVpnName("AES-256-GCM"));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithm.fromOpenVpnName("BF-CBC"));
        assertThrows(IllegalArgumentException.class, () -> CipherAlgorithm.fromOpenVpnName(null));
        assertEquals(32, CipherAlgorithm.AES_256_CBC.keyLength());
        assertEquals(16, CipherAlgorithm.AES_128_CBC.keyLength());
        assertEquals(16, CipherAlgorithm.AES_128_CBC.ivLength());
        assertEquals(16, CipherAlgorithm.AES_256_CBC.blockSize());
        assertEquals(0, CipherAlgorithm.NONE.ivLength());
        assertEquals("[null-cipher]", CipherAlgorithm.NONE.occName());
        assertEquals("AES-128-CBC", CipherAlgorithm.AES_128_CBC.occName());
    }

    @Test
    void authNamesAndSizes() {
        assertEquals(AuthAlgorithm.SHA1, AuthAlgorithm.fromOpenVpnName("SHA1"));
        assertEquals(AuthAlgorithm.SHA256, AuthAlgorithm.fromOpenVpnName("sha256"));
        assertEquals(AuthAlgorithm.SHA512, AuthAlgorithm.fromOpenVpnName("SHA512"));
        assertEquals(AuthAlgorithm.NONE, AuthAlgorithm.fromOpenVpnName("none"));
        assertThrows(IllegalArgumentException.class, () -> AuthAlgorithm.fromOpenVpnName("MD5"));
        assertEquals(20, AuthAlgorithm.SHA1.digestLength());
        assertEquals(32, AuthAlgorithm.SHA256.digestLength());
        assertEquals(64, AuthAlgorithm.SHA512.digestLength());
        assertEquals(0, AuthAlgorithm.NONE.digestLength());
        assertEquals("[null-digest]", AuthAlgorithm.NONE.occName());
    }

    @Test
    void keyDirections() {
        assertEquals(KeyDirection.NORMAL, KeyDirection.fromDigit("0"));
        assertEquals(KeyDirection.INVERSE, KeyDirection.fromDigit("1"));
        assertThrows(IllegalArgumentException.class, () -> KeyDirection.fromDigit("2"));
        assertThrows(IllegalArgumentException.class, () -> KeyDirection.fromDigit("00"));
        assertEquals(0, KeyDirection.NORMAL.encryptSlot());
        assertEquals(1, KeyDirection.NORMAL.decryptSlot());
        assertEquals(1, KeyDirection.INVERSE.encryptSlot());
        assertEquals(0, KeyDirection.INVERSE.decryptSlot());
        assertEquals(0, KeyDirection.BIDIRECTIONAL.encryptSlot());
        assertEquals(0, KeyDirection.BIDIRECTIONAL.decryptSlot());
        assertEquals(KeyDirection.INVERSE, KeyDirection.NORMAL.opposite());
        assertEquals(KeyDirection.BIDIRECTIONAL, KeyDirection.BIDIRECTIONAL.opposite());
        assertNull(KeyDirection.BIDIRECTIONAL.digit());
    }
}
