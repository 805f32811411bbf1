package org.culvert.openvpn.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.culvert.openvpn.DeterministicRandom;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.FileContent;
import org.junit.jupiter.api.Test;

/**
 * The static-key mode's key holders overwrite their keys when closed (read by reflection on their own
 * arrays), a second close changes nothing, and a wiped channel authenticates nothing.
 */
class KeyWipeTest {
    private static final String KEY_HEX = "0123456789abcdeffedcba98765432100123456789abcdeffedcba9876543210";

    static String keyFile() {
        StringBuilder sb = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < 16; i++) {
            sb.append(KEY_HEX.substring(0, 32)).append('\n');
        }
        return sb.append("-----END OpenVPN Static key V1-----\n").toString();
    }

    @Test
    void wipeableKeyOverwritesItsArrayAndRefusesUseAfterwards() throws Exception {
        byte[] material = new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        WipeableKey key = new WipeableKey(material, 0, 16, "AES");
        assertArrayEquals(material, key.getEncoded());
        assertEquals("RAW", key.getFormat());
        byte[] held = (byte[]) field(key, "key");
        key.destroy();
        key.destroy();
        assertTrue(key.isDestroyed());
        assertTrue(allZero(held));
        assertThrows(IllegalStateException.class, key::getEncoded);
        assertFalse(key.toString().contains("1, 2"), key.toString());
        assertThrows(java.io.NotSerializableException.class,
                () -> new java.io.ObjectOutputStream(new java.io.ByteArrayOutputStream()).writeObject(key));
    }

    @Test
    void staticKeyMaterialIsZeroAfterWipe() throws Exception {
        StaticKey key = StaticKey.parse(CharBuffer.wrap(keyFile().toCharArray()));
        byte[] material = (byte[]) field(key, "material");
        assertFalse(allZero(material));
        key.wipe();
        key.wipe();
        assertTrue(allZero(material));
        assertFalse(key.toString().toLowerCase().contains(KEY_HEX.substring(0, 8)));
    }

    @Test
    void staticKeyParsesTheSameFromCharactersAndFromAString() throws Exception {
        StaticKey fromString = StaticKey.parse(keyFile());
        StaticKey fromChars = StaticKey.parse(CharBuffer.wrap(keyFile().toCharArray()));
        assertArrayEquals((byte[]) field(fromString, "material"), (byte[]) field(fromChars, "material"));
        StaticKeyException bad = assertThrows(StaticKeyException.class,
                () -> StaticKey.parse(CharBuffer.wrap(keyFile().replace("0123", "01x3").toCharArray())));
        assertEquals(StaticKeyException.Reason.NON_HEX_CHARACTER, bad.reason());
    }

    @Test
    void aWipedDataChannelOpensNothingAndItsEnginesForgetTheKey() throws Exception {
        StaticKey key = StaticKey.parse(keyFile());
        ManualClock clock = new ManualClock(1_800_000_000L);
        StaticKeyDataChannel sender = new StaticKeyDataChannel(key, KeyDirection.BIDIRECTIONAL, CipherAlgorithm.AES_256_CBC,
                AuthAlgorithm.SHA256, ReplayWindow.Settings.DEFAULT, clock, new DeterministicRandom(1));
        StaticKeyDataChannel receiver = new StaticKeyDataChannel(key, KeyDirection.BIDIRECTIONAL, CipherAlgorithm.AES_256_CBC,
                AuthAlgorithm.SHA256, ReplayWindow.Settings.DEFAULT, clock, new DeterministicRandom(2));
        ByteBuffer first = sealed(sender);
        ByteBuffer second = sealed(sender);
        assertEquals(Verdict.OK, receiver.open(first));
        receiver.wipe();
        receiver.wipe();
        Hmac mac = (Hmac) field(receiver, "decryptMac");
        assertTrue(allZero((byte[]) field(mac, "innerPad")) && allZero((byte[]) field(mac, "outerPad")));
        assertNotEquals(Verdict.OK, receiver.open(second));
        Cipher engine = (Cipher) field(receiver, "decryptCipher");
        Cipher zero = Cipher.getInstance("AES/CBC/NoPadding");
        zero.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
        byte[] block = new byte[16];
        block[3] = 9;
        assertArrayEquals(zero.doFinal(block), engine.doFinal(block), "the engine runs on an all-zero key");
    }

    @Test
    void fileContentIsHeldAsCharactersAndWiped() throws Exception {
        FileContent inline = new FileContent(keyFile(), Optional.empty());
        FileContent same = new FileContent(keyFile().toCharArray(), Optional.empty());
        assertEquals(inline, same);
        assertEquals(inline.hashCode(), same.hashCode());
        assertNotEquals(inline, new FileContent(keyFile().replace('0', '1'), Optional.empty()));
        assertEquals("<inline>", inline.toString());
        assertTrue(inline.contains("BEGIN OpenVPN Static key"));
        assertEquals(keyFile().indexOf("END", 10), inline.indexOf("END", 10));
        assertEquals(-1, inline.indexOf("PRIVATE KEY", 0));
        char[] copy = inline.chars();
        copy[0] = 'X';
        assertEquals('-', inline.chars()[0], "chars() hands out a copy");
        char[] held = (char[]) field(inline, "text");
        inline.wipe();
        inline.wipe();
        for (char c : held) {
            assertEquals('\0', c);
        }
        assertFalse(inline.contains("BEGIN"));
    }

    private static ByteBuffer sealed(StaticKeyDataChannel channel) {
        ByteBuffer buf = ByteBuffer.allocate(512);
        buf.position(128);
        buf.put(new byte[40]);
        buf.limit(buf.position()).position(128);
        assertEquals(Verdict.OK, channel.seal(buf));
        return buf;
    }

    static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static Object field(Object owner, String name) throws ReflectiveOperationException {
        Field f = owner.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(owner);
    }
}
