package org.culvert.openvpn.crypto;

import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * A raw secret key whose one array {@link #destroy()} overwrites, for the JCE {@code Cipher}s and
 * {@code Mac}s that want a {@link SecretKey}: {@code SecretKeySpec} keeps a private copy of the key
 * that nothing can wipe (on JDK 17 its {@code destroy()} is not implemented).
 *
 * <p>What the JDK still keeps and we cannot reach: {@link #getEncoded()} must hand out a copy, and the
 * providers expand that copy into key schedules inside the {@code Cipher}/{@code Mac}. Those live as long
 * as the engine; {@link #rekeyWithZeros} replaces them by re-initialising the engine with an all-zero
 * key, so that a wiped engine no longer holds the key.
 */
public final class WipeableKey implements SecretKey {
    private static final long serialVersionUID = 1L;

    private final String algorithm;
    private final byte[] key;
    private volatile boolean destroyed;

    /** Copies {@code material[off, off+len)}; the caller wipes its own array. */
    public WipeableKey(byte[] material, int off, int len, String algorithm) {
        this.key = Arrays.copyOfRange(material, off, off + len);
        this.algorithm = algorithm;
    }

    @Override
    public String getAlgorithm() {
        return algorithm;
    }

    @Override
    public String getFormat() {
        return "RAW";
    }

    /** A copy (the JCE contract), which the provider holds; throws once destroyed. */
    @Override
    public byte[] getEncoded() {
        if (destroyed) {
            throw new IllegalStateException("the key was destroyed");
        }
        return key.clone();
    }

    /** Overwrites the key bytes; idempotent. */
    @Override
    public void destroy() {
        destroyed = true;
        Arrays.fill(key, (byte) 0);
    }

    @Override
    public boolean isDestroyed() {
        return destroyed;
    }

    /** Key bytes never go into a stream. */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.NotSerializableException {
        throw new java.io.NotSerializableException("WipeableKey");
    }

    /** Never the key bytes. */
    @Override
    public String toString() {
        return "WipeableKey[" + algorithm + ", " + key.length + " bytes" + (destroyed ? ", destroyed" : "") + "]";
    }

    /**
     * Re-initialises {@code cipher} with an all-zero key of {@code length} bytes so that the key
     * schedule it expanded from the real key is overwritten. Never throws: a wipe must not fail a close.
     */
    public static void rekeyWithZeros(Cipher cipher, int mode, String algorithm, int length, AlgorithmParameterSpec params) {
        if (cipher == null) {
            return;
        }
        try {
            cipher.init(mode, new SecretKeySpec(new byte[length], algorithm), params);
        } catch (GeneralSecurityException | RuntimeException e) {
            // The engine refused the zero key (e.g. a repeated nonce): it is dropped with its owner.
        }
    }
}
