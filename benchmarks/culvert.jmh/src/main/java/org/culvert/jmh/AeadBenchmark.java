package org.culvert.jmh;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.culvert.openvpn.tls.internal.Aead;
import org.culvert.openvpn.tls.internal.DataScratch;
import org.culvert.openvpn.tls.internal.JceAead;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The TLS-mode AEADs per packet: encrypt then decrypt of one payload through the JDK's Cipher, as the
 * data channel uses it. (Until 2026-11-25 the data channel assembled GCM from JDK AES and Bouncy
 * Castle's GHASH, and used Bouncy Castle's ChaCha20/Poly1305: 7.5 and 11.3 µs for 1400 bytes against
 * 1.1 and 7.2 µs here on JDK 17, 0.9 and 2.1 µs on JDK 25.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AeadBenchmark {
    @Param({"64", "1400"})
    public int size;

    @Param({"aes-256-gcm", "aes-128-gcm", "chacha20-poly1305"})
    public String implementation;

    private Aead aead;
    private final byte[] nonce = new byte[Aead.NONCE_LENGTH];
    private final byte[] aad = new byte[8];
    private byte[] plain;
    private byte[] cipher;
    private byte[] back;
    private final byte[] tag = new byte[Aead.TAG_LENGTH];
    private int counter;

    @Setup
    public void setUp() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        DataScratch scratch = new DataScratch();
        switch (implementation) {
            case "aes-256-gcm":
                aead = JceAead.aesGcm(key, 0, 32, scratch);
                break;
            case "aes-128-gcm":
                aead = JceAead.aesGcm(key, 0, 16, scratch);
                break;
            default:
                aead = JceAead.chaCha20Poly1305(key, 0, scratch);
                break;
        }
        plain = new byte[size];
        cipher = new byte[size];
        back = new byte[size];
        new SecureRandom().nextBytes(plain);
    }

    @Benchmark
    public boolean sealAndOpen() {
        // A new nonce per packet, as the packet-id gives one (the JCE refuses to reuse one for encryption).
        counter++;
        nonce[0] = (byte) counter;
        nonce[1] = (byte) (counter >>> 8);
        nonce[2] = (byte) (counter >>> 16);
        nonce[3] = (byte) (counter >>> 24);
        aead.encrypt(nonce, aad, 0, aad.length, plain, 0, size, cipher, 0, tag, 0);
        return aead.decrypt(nonce, aad, 0, aad.length, cipher, 0, size, tag, 0, back, 0);
    }
}
