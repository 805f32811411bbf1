package org.culvert.jmh;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.spec.AlgorithmParameterSpec;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Which {@code Cipher} call path allocates least per packet (run with {@code -prof gc}): one Cipher per
 * direction re-initialised per packet, fed through {@code byte[]} (what {@code JceAead} does), heap or
 * direct {@code ByteBuffer}s, or {@code update} then {@code doFinal}. Opening alternates between two
 * packets sealed under two nonces, as the JDK's ChaCha20-Poly1305 refuses a second {@code init} with
 * the key and nonce of the first.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CipherPathBenchmark {
    private static final int LEN = 1400;
    private static final int TAG = 16;

    @Param({"AES/GCM/NoPadding", "ChaCha20-Poly1305"})
    public String algorithm;

    @Param({"array", "heapBuffer", "directBuffer", "arrayUpdateDoFinal"})
    public String path;

    private boolean gcm;
    private SecretKeySpec key;
    private Cipher sealer;
    private Cipher opener;
    private final byte[] nonce = new byte[12];
    private final byte[][] sealedNonces = { new byte[12], new byte[12] };
    private final byte[] aad = new byte[8];
    private final byte[] plain = new byte[LEN];
    private final byte[] work = new byte[LEN + TAG];
    private final byte[][] sealed = new byte[2][];
    private final ByteBuffer[] sealedHeap = new ByteBuffer[2];
    private final ByteBuffer[] sealedDirect = new ByteBuffer[2];
    private ByteBuffer aadBuffer;
    private ByteBuffer plainHeap;
    private ByteBuffer plainDirect;
    private ByteBuffer outHeap;
    private ByteBuffer outDirect;
    private int counter;

    @Setup
    public void setUp() throws GeneralSecurityException {
        gcm = algorithm.startsWith("AES");
        byte[] k = new byte[32];
        new SecureRandom().nextBytes(k);
        new SecureRandom().nextBytes(plain);
        key = new SecretKeySpec(k, gcm ? "AES" : "ChaCha20");
        sealer = Cipher.getInstance(algorithm);
        opener = Cipher.getInstance(algorithm);
        aadBuffer = ByteBuffer.wrap(aad);
        plainHeap = ByteBuffer.wrap(plain);
        plainDirect = ByteBuffer.allocateDirect(LEN).put(plain).flip();
        outHeap = ByteBuffer.allocate(LEN + TAG);
        outDirect = ByteBuffer.allocateDirect(LEN + TAG);
        for (int i = 0; i < 2; i++) {
            sealedNonces[i][11] = (byte) (0x70 + i);
            sealer.init(Cipher.ENCRYPT_MODE, key, params(sealedNonces[i]));
            sealer.updateAAD(aad);
            sealed[i] = sealer.doFinal(plain);
            sealedHeap[i] = ByteBuffer.wrap(sealed[i]);
            sealedDirect[i] = ByteBuffer.allocateDirect(LEN + TAG).put(sealed[i]).flip();
        }
    }

    private AlgorithmParameterSpec params(byte[] n) {
        return gcm ? new GCMParameterSpec(TAG * 8, n, 0, 12) : new IvParameterSpec(n, 0, 12);
    }

    @Benchmark
    public int seal() throws GeneralSecurityException {
        counter++;
        nonce[0] = (byte) counter;
        nonce[1] = (byte) (counter >>> 8);
        nonce[2] = (byte) (counter >>> 16);
        nonce[3] = (byte) (counter >>> 24);
        sealer.init(Cipher.ENCRYPT_MODE, key, params(nonce));
        switch (path) {
            case "array":
                sealer.updateAAD(aad, 0, aad.length);
                return sealer.doFinal(plain, 0, LEN, work, 0);
            case "heapBuffer":
                sealer.updateAAD(aadBuffer.clear());
                return sealer.doFinal(plainHeap.clear(), outHeap.clear());
            case "directBuffer":
                sealer.updateAAD(aadBuffer.clear());
                return sealer.doFinal(plainDirect.clear(), outDirect.clear());
            default:
                sealer.updateAAD(aad, 0, aad.length);
                int n = sealer.update(plain, 0, LEN, work, 0);
                return n + sealer.doFinal(work, n);
        }
    }

    @Benchmark
    public int open() throws GeneralSecurityException {
        int i = ++counter & 1;
        opener.init(Cipher.DECRYPT_MODE, key, params(sealedNonces[i]));
        switch (path) {
            case "array":
                opener.updateAAD(aad, 0, aad.length);
                return opener.doFinal(sealed[i], 0, LEN + TAG, work, 0);
            case "heapBuffer":
                opener.updateAAD(aadBuffer.clear());
                return opener.doFinal(sealedHeap[i].clear(), outHeap.clear());
            case "directBuffer":
                opener.updateAAD(aadBuffer.clear());
                return opener.doFinal(sealedDirect[i].clear(), outDirect.clear());
            default:
                opener.updateAAD(aad, 0, aad.length);
                int n = opener.update(sealed[i], 0, LEN + TAG, work, 0);
                return n + opener.doFinal(work, n);
        }
    }
}
