package org.culvert.openvpn.tls.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.WipeableKey;
import org.culvert.openvpn.tls.DataCipher;
import org.culvert.openvpn.tls.FakeClock;
import org.culvert.openvpn.tls.TestPki;
import org.culvert.openvpn.tls.TlsRole;
import org.culvert.openvpn.tls.TlsSession;
import org.culvert.openvpn.tls.TlsSettings;
import org.culvert.openvpn.crypto.Verdict;
import org.junit.jupiter.api.Test;

/**
 * Every TLS-mode key holder overwrites its key on wipe/close (read by reflection on the holder's own
 * array), stays wiped on a second close, and refuses to authenticate anything afterwards.
 */
class KeyWipeTest {
    private static final TestPki.Identity ID = TestPki.selfSigned("wipe");
    private final Random random = new Random(7);

    @Test
    void aeadKeysAreZeroAndTheCiphersRekeyedAfterWipe() throws Exception {
        for (DataCipher cipher : new DataCipher[] {DataCipher.AES_128_GCM, DataCipher.AES_256_GCM,
                DataCipher.CHACHA20_POLY1305}) {
            byte[] keys = bytes(128);
            TlsDataChannel sender = new TlsDataChannel(cipher, AuthAlgorithm.SHA1, keys, 0, 64, keys, 0, 64,
                    ReplayWindow.Settings.DEFAULT, new FakeClock(), null, new DataScratch());
            TlsDataChannel receiver = new TlsDataChannel(cipher, AuthAlgorithm.SHA1, keys, 0, 64, keys, 0, 64,
                    ReplayWindow.Settings.DEFAULT, new FakeClock(), null, new DataScratch());
            byte[] first = sealed(sender, 1);
            byte[] second = sealed(sender, 2);
            assertEquals(Verdict.OK, receiver.open(ByteBuffer.wrap(first)), cipher + " opens before the wipe");

            JceAead aead = (JceAead) field(receiver, "openAead");
            WipeableKey key = (WipeableKey) field(aead, "key");
            assertFalse(allZero((byte[]) field(key, "key")), "a live key is not zero");
            receiver.wipe();
            receiver.wipe();
            assertTrue(key.isDestroyed());
            assertTrue(allZero((byte[]) field(key, "key")), cipher + " key bytes after wipe");
            assertNotEquals(Verdict.OK, receiver.open(ByteBuffer.wrap(second)), cipher + " opens nothing after the wipe");
            // Both JCE engines were re-initialised with an all-zero key: what the encryptor now produces
            // is what a fresh engine under the zero key produces.
            boolean gcm = cipher != DataCipher.CHACHA20_POLY1305;
            byte[] nonce = new byte[Aead.NONCE_LENGTH];
            Arrays.fill(nonce, (byte) 0x5a);
            Cipher reference = Cipher.getInstance(gcm ? "AES/GCM/NoPadding" : "ChaCha20-Poly1305");
            reference.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(new byte[gcm ? 16 : 32], gcm ? "AES" : "ChaCha20"),
                    gcm ? new javax.crypto.spec.GCMParameterSpec(128, nonce) : new IvParameterSpec(nonce));
            Cipher engine = (Cipher) field(aead, "encryptor");
            assertArrayEquals(reference.doFinal(new byte[16]), engine.doFinal(new byte[16]), cipher + " encryptor re-keyed");
        }
    }

    @Test
    void cbcChannelsForgetTheirHmacAndCipherKeys() throws Exception {
        byte[] keys = bytes(128);
        TlsDataChannel sender = new TlsDataChannel(DataCipher.AES_256_CBC, AuthAlgorithm.SHA256, keys, 0, 64, keys, 0, 64,
                ReplayWindow.Settings.DEFAULT, new FakeClock(), new IvSource(new SecureRandom()), new DataScratch());
        TlsDataChannel receiver = new TlsDataChannel(DataCipher.AES_256_CBC, AuthAlgorithm.SHA256, keys, 0, 64, keys, 0,
                64, ReplayWindow.Settings.DEFAULT, new FakeClock(), new IvSource(new SecureRandom()), new DataScratch());
        byte[] first = sealed(sender, 1);
        byte[] second = sealed(sender, 2);
        assertEquals(Verdict.OK, receiver.open(ByteBuffer.wrap(first)));
        receiver.wipe();
        receiver.wipe();
        Hmac mac = (Hmac) field(receiver, "openMac");
        assertTrue(allZero((byte[]) field(mac, "innerPad")) && allZero((byte[]) field(mac, "outerPad")), "HMAC pads");
        assertNotEquals(Verdict.OK, receiver.open(ByteBuffer.wrap(second)));
        // The decrypting engine now runs on an all-zero key: its schedule no longer holds ours.
        Cipher engine = (Cipher) field(receiver, "cbcDecrypt");
        Cipher zero = Cipher.getInstance("AES/CBC/NoPadding");
        zero.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
        byte[] block = bytes(16);
        assertArrayEquals(zero.doFinal(block), engine.doFinal(block));
    }

    @Test
    void tlsCryptAndTlsAuthKeysAreZeroAfterWipe() throws Exception {
        byte[] material = bytes(256);
        ControlWrap client = ControlWrap.tlsCrypt(material, false, ReplayWindow.Settings.DEFAULT, new FakeClock());
        ControlWrap server = ControlWrap.tlsCrypt(material, true, ReplayWindow.Settings.DEFAULT, new FakeClock());
        byte[] header = new byte[ControlWrap.HEADER];
        header[0] = 0x38;
        byte[] wire = new byte[128];
        byte[] body = new byte[128];
        int n = client.wrap(header, header.length, new byte[5], 5, wire);
        assertEquals(5, server.unwrap(wire.clone(), ControlWrap.HEADER, n, body), "opens before the wipe");
        byte[] later = new byte[128];
        int k = client.wrap(header, header.length, new byte[5], 5, later);
        server.wipe();
        server.wipe();
        for (String f : new String[] {"sendKey", "receiveKey"}) {
            WipeableKey key = (WipeableKey) field(server, f);
            assertTrue(key.isDestroyed() && allZero((byte[]) field(key, "key")), f);
        }
        Hmac mac = (Hmac) field(server, "receiveMac");
        assertTrue(allZero((byte[]) field(mac, "innerPad")) && allZero((byte[]) field(mac, "outerPad")));
        assertEquals(ControlWrap.FAIL_AUTH, server.unwrap(later, ControlWrap.HEADER, k, body), "nothing opens after the wipe");
        Cipher reference = Cipher.getInstance("AES/CTR/NoPadding");
        reference.init(Cipher.DECRYPT_MODE, new SecretKeySpec(new byte[32], "AES"), new IvParameterSpec(new byte[16]));
        assertArrayEquals(reference.doFinal(new byte[32]), ((Cipher) field(server, "ctr")).doFinal(new byte[32]),
                "the CTR engine runs on an all-zero key");

        ControlWrap auth = ControlWrap.tlsAuth(bytes(256), KeyDirection.NORMAL, AuthAlgorithm.SHA256,
                ReplayWindow.Settings.DEFAULT, new FakeClock());
        auth.wipe();
        auth.wipe();
        for (String f : new String[] {"sendMac", "receiveMac"}) {
            Hmac h = (Hmac) field(auth, f);
            assertTrue(allZero((byte[]) field(h, "innerPad")) && allZero((byte[]) field(h, "outerPad")), f);
        }
    }

    @Test
    void credentialsDropThePrivateKeyAndWipeTheParsedDer() throws Exception {
        Credentials c = Credentials.load(ID.certPem(), ID.keyPem().toCharArray(), null);
        c.privateKey();
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, c::privateKey);

        PrivateKeyInfo info = PrivateKeyInfo.getInstance(ID.keys().getPrivate().getEncoded());
        byte[] octets = info.getPrivateKey().getOctets();
        assertFalse(allZero(octets));
        Credentials.wipe(info);
        assertTrue(allZero(octets), "the DER octets Bouncy Castle holds");
    }

    @Test
    void settingsWipeTheirKeyTextAndWrapKey() throws Exception {
        char[] pem = ID.keyPem().toCharArray();
        TlsSettings.Builder builder = TlsSettings.builder(TlsRole.CLIENT).cert(ID.certPem()).key(pem)
                .peerFingerprint(ID.fingerprint()).tlsCrypt(bytes(256));
        TlsSettings settings = builder.build();
        Arrays.fill(pem, '\0');
        char[] builderKey = (char[]) field(builder, "key");
        byte[] builderWrap = (byte[]) field(builder, "tlsCryptKey");
        builder.wipe();
        builder.wipe();
        assertEquals(new String(new char[builderKey.length]), new String(builderKey), "the builder's copy");
        assertTrue(allZero(builderWrap));
        settings.validate(); // the settings kept their own copy
        char[] held = (char[]) field(settings, "key");
        byte[] wrap = (byte[]) field(settings, "tlsCryptKey");
        settings.wipe();
        settings.wipe();
        for (char ch : held) {
            assertEquals('\0', ch);
        }
        assertTrue(allZero(wrap));
        assertFalse(settings.toString().contains("PRIVATE"), settings.toString());
    }

    @Test
    void sessionCloseWipesTheWrapKeyAndDropsThePrivateKey() throws Exception {
        TlsSettings settings = TlsSettings.builder(TlsRole.CLIENT).cert(ID.certPem()).key(ID.keyPem())
                .peerFingerprint(ID.fingerprint()).tlsCrypt(bytes(256)).build();
        TlsSession session = new TlsSession(settings, new FakeClock(), new SecureRandom());
        SessionConfig config = (SessionConfig) field(session, "config");
        assertFalse(allZero(config.wrapKey));
        session.close();
        session.close();
        assertTrue(allZero(config.wrapKey));
        assertThrows(IllegalStateException.class, config.credentials::privateKey);
    }

    @Test
    void keyMethod2MaterialIsZeroAfterWipe() {
        KeyMethod2 km = KeyMethod2.create(true, new SecureRandom(), "V4,dev-type tun", "IV_VER=2.6\n");
        byte[] encoded = km.encode();
        assertTrue(encoded.length > 100);
        km.wipe();
        km.wipe();
        assertTrue(allZero(km.preMaster) && allZero(km.random1) && allZero(km.random2));
    }

    private byte[] sealed(TlsDataChannel channel, int payload) {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        buf.position(256);
        for (int i = 0; i < 64; i++) {
            buf.put((byte) payload);
        }
        buf.limit(buf.position()).position(256);
        assertEquals(Verdict.OK, channel.seal(buf, false, 0x30));
        byte[] out = new byte[buf.remaining()];
        buf.get(out);
        return out;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    static boolean allZero(byte[] b) {
        return Arrays.equals(b, new byte[b.length]);
    }

    static Object field(Object owner, String name) throws ReflectiveOperationException {
        for (Class<?> c = owner.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                return f.get(owner);
            } catch (NoSuchFieldException e) {
                // look in the superclass
            }
        }
        throw new NoSuchFieldException(name);
    }
}
