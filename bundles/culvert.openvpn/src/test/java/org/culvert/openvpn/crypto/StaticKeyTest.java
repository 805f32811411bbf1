package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.culvert.openvpn.Hex;
import org.junit.jupiter.api.Test;

class StaticKeyTest {

    @Test
    void parsesGenkeyOutputIntoTwoKeysInFileOrder() throws Exception {
        StaticKey key = Vectors.vectorKey();
        assertEquals(2, key.keyCount());
        byte[] all = Hex.bytes(Vectors.KEY_HEX);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 0, 32), key.cipherKey(0, 32));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 64, 96), key.hmacKey(0, 32));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 128, 144), key.cipherKey(1, 16));
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 192, 212), key.hmacKey(1, 20));
    }

    @Test
    void whitespaceInsideTheBlockAndTextBeforeItAreIgnored() throws Exception {
        String spaced = Vectors.KEY_HEX.replaceAll("(.{8})", "$1 \t").replaceAll("(.{60})", "$1\r\n");
        String text = "any preamble -----BEGIN not at line start\n" + StaticKey.HEADER + " trailing\n" + spaced + "\n"
                + StaticKey.FOOTER + "\nafter the footer: anything ~!@\n";
        StaticKey key = StaticKey.parse(text);
        assertArrayEquals(Vectors.vectorKey().hmacKey(1, 64), key.hmacKey(1, 64));
    }

    @Test
    void readingStopsAfter256BytesAndIgnoresTheRest() throws Exception {
        String text = StaticKey.HEADER + "\n" + Vectors.KEY_HEX + "\nffff zz not hex either\n" + StaticKey.FOOTER;
        assertEquals(2, StaticKey.parse(text).keyCount());
    }

    @Test
    void oneKeyFileWorksOnlyWithoutDirection() throws Exception {
        StaticKey one = StaticKey.parse(Vectors.keyFile(Vectors.KEY_HEX.substring(0, 256)));
        assertEquals(1, one.keyCount());
        assertDoesNotThrow(() -> one.checkUsable(KeyDirection.BIDIRECTIONAL, CipherAlgorithm.AES_256_CBC));
        StaticKeyException e = assertThrows(StaticKeyException.class,
                () -> one.checkUsable(KeyDirection.NORMAL, CipherAlgorithm.AES_256_CBC));
        assertEquals(StaticKeyException.Reason.INSUFFICIENT_KEYS_FOR_DIRECTION, e.reason());
    }

    @Test
    void aPartialSecondKeyCountsAsOneKey() throws Exception {
        assertEquals(1, StaticKey.parse(Vectors.keyFile(Vectors.KEY_HEX.substring(0, 400))).keyCount());
    }

    @Test
    void nonHexCharacterIsRejectedWithItsLine() {
        String hex = Vectors.KEY_HEX.substring(0, 100) + "g" + Vectors.KEY_HEX.substring(101);
        StaticKeyException e = assertThrows(StaticKeyException.class, () -> StaticKey.parse(Vectors.keyFile(hex)));
        assertEquals(StaticKeyException.Reason.NON_HEX_CHARACTER, e.reason());
        assertTrue(e.getMessage().contains("'g'") && e.getMessage().contains("line 8"), e.getMessage());
    }

    @Test
    void missingFooterIsRejected() {
        String text = Vectors.keyFile(Vectors.KEY_HEX).replace(StaticKey.FOOTER, "");
        assertEquals(StaticKeyException.Reason.MISSING_FOOTER, reason(text));
        assertEquals(StaticKeyException.Reason.MISSING_FOOTER,
                reason(Vectors.keyFile(Vectors.KEY_HEX).replace("-----END OpenVPN", "-----END OpenSSH")));
    }

    @Test
    void shortKeyIsRejected() {
        assertEquals(StaticKeyException.Reason.INSUFFICIENT_KEY_MATERIAL, reason(Vectors.keyFile(Vectors.KEY_HEX.substring(0, 254))));
        assertEquals(StaticKeyException.Reason.INSUFFICIENT_KEY_MATERIAL, reason(Vectors.keyFile("")));
    }

    @Test
    void missingHeaderIsRejected() {
        assertEquals(StaticKeyException.Reason.MISSING_HEADER, reason(Vectors.KEY_HEX));
        assertEquals(StaticKeyException.Reason.MISSING_HEADER, reason(""));
        assertEquals(StaticKeyException.Reason.MISSING_HEADER, reason(null));
        assertEquals(StaticKeyException.Reason.MISSING_HEADER, reason(" " + Vectors.keyFile(Vectors.KEY_HEX).replace("\n-----BEGIN", "\n -----BEGIN")));
    }

    @Test
    void allZeroCipherKeyIsRefusedOnlyWhenACipherUsesIt() throws Exception {
        String hex = "00".repeat(64) + Vectors.KEY_HEX.substring(128);
        StaticKey key = StaticKey.parse(Vectors.keyFile(hex));
        StaticKeyException e = assertThrows(StaticKeyException.class,
                () -> key.checkUsable(KeyDirection.NORMAL, CipherAlgorithm.AES_128_CBC));
        assertEquals(StaticKeyException.Reason.ZERO_CIPHER_KEY, e.reason());
        assertDoesNotThrow(() -> key.checkUsable(KeyDirection.NORMAL, CipherAlgorithm.NONE));
    }

    @Test
    void toStringAndMessagesNeverShowKeyMaterial() throws Exception {
        StaticKey key = Vectors.vectorKey();
        String shown = key.toString();
        assertFalse(shown.toLowerCase().contains(Vectors.KEY_HEX.substring(0, 8)), shown);
        assertEquals("StaticKey[keys=2]", shown);
        String hex = Vectors.KEY_HEX.substring(0, 300) + "x" + Vectors.KEY_HEX.substring(301);
        StaticKeyException e = assertThrows(StaticKeyException.class, () -> StaticKey.parse(Vectors.keyFile(hex)));
        for (int i = 0; i + 8 <= Vectors.KEY_HEX.length(); i += 8) {
            assertFalse(e.getMessage().contains(Vectors.KEY_HEX.substring(i, i + 8)), e.getMessage());
        }
    }

    private static StaticKeyException.Reason reason(String text) {
        return assertThrows(StaticKeyException.class, () -> StaticKey.parse(text)).reason();
    }
}
