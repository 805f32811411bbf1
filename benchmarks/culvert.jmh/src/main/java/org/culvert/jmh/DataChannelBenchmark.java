package org.culvert.jmh;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.culvert.openvpn.Clock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.culvert.openvpn.crypto.StaticKey;
import org.culvert.openvpn.crypto.StaticKeyDataChannel;
import org.culvert.openvpn.crypto.Verdict;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The static-key data path per packet: {@code seal} of one tun packet on the sending peer, then
 * {@code open} of the result on the receiving peer, in one direct buffer as the tunnel loop uses it.
 * The sum is the crypto cost one packet puts on the two peers together.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DataChannelBenchmark {

    /** Tun packet sizes: a small ACK-sized packet, a mid-sized one, and a full-MTU TCP segment. */
    @Param({"64", "512", "1400"})
    public int size;

    /** cipher/auth pairs as {@code CIPHER_ENUM:AUTH_ENUM}. */
    @Param({"AES_256_CBC:SHA256", "AES_128_CBC:SHA1", "NONE:NONE"})
    public String algorithms;

    private StaticKeyDataChannel sender;
    private StaticKeyDataChannel receiver;
    private ByteBuffer buffer;
    private int headroom;

    @Setup
    public void setUp() throws Exception {
        StringBuilder key = new StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        byte[] material = new byte[256];
        new SecureRandom().nextBytes(material);
        for (byte b : material) {
            key.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        StaticKey staticKey = StaticKey.parse(key.append("\n-----END OpenVPN Static key V1-----\n").toString());
        String[] pair = algorithms.split(":");
        CipherAlgorithm cipher = CipherAlgorithm.valueOf(pair[0]);
        AuthAlgorithm auth = AuthAlgorithm.valueOf(pair[1]);
        sender = new StaticKeyDataChannel(staticKey, KeyDirection.NORMAL, cipher, auth, ReplayWindow.Settings.DEFAULT,
                Clock.system(), new SecureRandom());
        receiver = new StaticKeyDataChannel(staticKey, KeyDirection.INVERSE, cipher, auth, ReplayWindow.Settings.DEFAULT,
                Clock.system(), new SecureRandom());
        headroom = sender.headroom();
        buffer = ByteBuffer.allocateDirect(headroom + size + sender.tailroom() + 64);
        byte[] payload = new byte[size];
        new SecureRandom().nextBytes(payload);
        buffer.position(headroom);
        buffer.put(payload);
    }

    @Benchmark
    public Verdict sealThenOpen() {
        buffer.limit(headroom + size).position(headroom);
        Verdict sealed = sender.seal(buffer);
        if (sealed != Verdict.OK) {
            return sealed;
        }
        return receiver.open(buffer);
    }
}
