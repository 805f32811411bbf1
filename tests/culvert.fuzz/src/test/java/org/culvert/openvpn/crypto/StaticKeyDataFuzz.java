package org.culvert.openvpn.crypto;

import static org.culvert.fuzz.Buffers.check;
import static org.culvert.fuzz.Buffers.checkWithin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.culvert.fuzz.Buffers;
import org.culvert.fuzz.FuzzRun;
import org.culvert.fuzz.Keys;
import org.culvert.fuzz.Mutate;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.config.ConfigParser;
import org.culvert.openvpn.config.DevType;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.session.DataPayload;
import org.culvert.openvpn.session.Incoming;
import org.culvert.openvpn.session.MssClamp;
import org.culvert.openvpn.session.StaticKeySession;
import org.junit.jupiter.api.AfterAll;

/**
 * Static-key data packets ({@code --secret}), holding the key: each input is a sequence of packets
 * into a fresh receiving {@link StaticKeySession}: genuine ones from a sending session (then maybe
 * bit-flipped, cut or extended, replayed), packets forged with the key around fuzzer-chosen packet-id,
 * time and inner bytes (compression framing, ping, OCC messages, bad CBC padding), raw bytes, and
 * timer steps. The receiver uses a fuzzer-chosen compression framing, so the inner bytes meet every
 * unframing rule.
 *
 * <p>Invariants: nothing throws; every packet gets a verdict; a modified or raw packet is dropped; an
 * accepted packet-id is never accepted twice; what reaches the tun is exactly what was sealed (after
 * the receiver's own MSS clamp); the opened packet lies inside the bytes received; the session's own
 * packets (OCC replies, pings) are sealed within the slot.
 */
class StaticKeyDataFuzz {
    private static final FuzzRun RUN = new FuzzRun("static-key data (StaticKeySession)");
    private static final int HEADROOM = 128;
    private static final int TAILROOM = 64;
    private static final byte[] KEY_FILE = Keys.keyFile(5);
    private static final OpenVpnOptions SENDER;
    /** The framings that never decompress (the opened packet stays inside the received bytes); DecompressFuzz has the others. */
    private static final Compression[] FRAMINGS = {Compression.NONE, Compression.LZO_STUB, Compression.STUB, Compression.STUB_V2};
    private static final OpenVpnOptions[] RECEIVERS = new OpenVpnOptions[FRAMINGS.length];
    private static final ReferenceCodec FORGER;

    static {
        String key = Keys.secretBlock(KEY_FILE);
        String[] framing = {"", "comp-lzo no\n", "compress stub\n", "compress stub-v2\n"};
        try {
            SENDER = options("0", key, "");
            for (Compression c : FRAMINGS) {
                RECEIVERS[c.ordinal()] = options("1", key, framing[c.ordinal()]);
                check(RECEIVERS[c.ordinal()].compression() == c, "framing option for " + c);
            }
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
        FORGER = new ReferenceCodec(KEY_FILE, RECEIVERS[0].keyDirection().decryptSlot(), CipherAlgorithm.AES_256_CBC,
                AuthAlgorithm.SHA256);
    }

    private static OpenVpnOptions options(String direction, String key, String extra) throws Exception {
        return ConfigParser.parse("dev tun\ncipher AES-256-CBC\nauth SHA256\nkey-direction " + direction + "\nping 10\n" + key
                + extra, "fuzz" + direction + ".conf", null);
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void staticKeyData(FuzzedDataProvider in) throws Exception {
        RUN.run(in, StaticKeyDataFuzz::run);
    }

    private static void run(FuzzedDataProvider in) throws Exception {
        ManualClock clock = new ManualClock(1_800_000_000L);
        OpenVpnOptions ro = RECEIVERS[in.consumeInt(0, RECEIVERS.length - 1)];
        StaticKeySession sender = new StaticKeySession(SENDER, channel(SENDER, clock, 1), clock);
        StaticKeySession receiver = new StaticKeySession(ro, channel(ro, clock, 2), clock);
        MssClamp clamp = receiver.mssFix() > 0 ? new MssClamp(receiver.mssFix(), DevType.TUN) : null;
        List<byte[]> sent = new ArrayList<>();
        Set<Long> accepted = new HashSet<>();
        // Once a forged packet moved the replay window on, genuine packets may rightly be too old.
        boolean forged = false;
        int steps = in.consumeInt(1, 12);
        for (int step = 0; step < steps && in.remainingBytes() > 0; step++) {
            switch (in.consumeInt(0, 4)) {
                case 0: { // genuine, maybe modified on the way
                    byte[] payload = in.consumeBytes(in.consumeInt(1, 1600));
                    if (payload.length == 0) {
                        break;
                    }
                    ByteBuffer b = Buffers.slot(payload, HEADROOM, TAILROOM);
                    if (sender.encapsulate(b) != Verdict.OK) {
                        break;
                    }
                    byte[] wire = Buffers.bytes(b);
                    byte[] delivered = Mutate.packet(in, wire, true);
                    boolean intact = java.util.Arrays.equals(delivered, wire);
                    if (ro.compression() != Compression.NONE) {
                        // The sender frames nothing; the receiver's unframing judges the payload's first byte(s).
                        deliver(receiver, ro.compression(), delivered, null, null, accepted, clamp);
                    } else {
                        Incoming r = deliver(receiver, ro.compression(), delivered, intact ? payload : null, intact ? null : "modified",
                                accepted, clamp);
                        check(!intact || forged || r != Incoming.DROP, "genuine packet dropped: " + receiver.lastVerdict());
                    }
                    sent.add(wire);
                    break;
                }
                case 1: { // replay of something sent before
                    if (!sent.isEmpty()) {
                        deliver(receiver, ro.compression(), sent.get(in.consumeInt(0, sent.size() - 1)), null, null, accepted, clamp); // a second acceptance fails the (time, packet-id) check
                    }
                    break;
                }
                case 2: { // forged with the key: chosen packet-id, time and inner bytes
                    long pid = in.consumeBoolean() ? in.consumeLong(0, 0xFFFF_FFFFL) : in.consumeLong(0, 64);
                    long time = in.consumeBoolean() ? 1_800_000_000L + in.consumeInt(-5, 5) : in.consumeLong(0, 0xFFFF_FFFFL);
                    byte[] inner = inner(in);
                    byte[] iv = in.consumeBytes(16);
                    iv = java.util.Arrays.copyOf(iv, 16);
                    byte[] wire;
                    if (in.consumeBoolean()) {
                        wire = FORGER.seal(pid, time, inner, iv);
                    } else { // raw CBC blocks: any padding, any length of packet-id
                        byte[] blocks = java.util.Arrays.copyOf(inner, Math.max(16, (inner.length + 15) / 16 * 16));
                        wire = FORGER.sealRawBlocks(blocks, iv);
                    }
                    forged |= deliver(receiver, ro.compression(), wire, null, null, accepted, clamp) != Incoming.DROP;
                    break;
                }
                case 3: // raw bytes: no key, so never accepted
                    deliver(receiver, ro.compression(), in.consumeBytes(in.consumeInt(0, 2000)), null, "raw", accepted, clamp);
                    break;
                default: { // time passes: the receiver's timers and own packets
                    clock.advanceMillis(in.consumeInt(0, 120_000));
                    receiver.checkTimers();
                    ByteBuffer slot = ByteBuffer.allocate(2048);
                    for (int i = 0; i < 8 && receiver.pollOutgoing(slot, HEADROOM); i++) {
                        checkWithin(slot, 0, slot.capacity(), "pollOutgoing");
                        check(slot.remaining() > 0, "pollOutgoing gave an empty packet");
                    }
                    break;
                }
            }
        }
    }

    /** Inner bytes: raw, or a ping, or an OCC message, each maybe behind a compression byte. */
    private static byte[] inner(FuzzedDataProvider in) {
        int kind = in.consumeInt(0, 3);
        byte[] body;
        if (kind == 1) {
            body = DataPayload.ping();
        } else if (kind == 2) {
            byte[] m = DataPayload.occMessage(in.consumeInt(0, 255), null);
            byte[] text = in.consumeBytes(in.consumeInt(0, 300));
            body = java.util.Arrays.copyOf(m, m.length + text.length);
            System.arraycopy(text, 0, body, m.length, text.length);
        } else {
            body = in.consumeBytes(in.consumeInt(0, 1600));
        }
        if (in.consumeBoolean()) {
            byte[] framed = new byte[body.length + 1];
            framed[0] = in.pickValue(new byte[] {(byte) 0xFA, (byte) 0xFB, 0x50, 0x00, 0x66});
            System.arraycopy(body, 0, framed, 1, body.length);
            body = framed;
        }
        // Packet-id and time come first in the clear text of a forged packet.
        byte[] withIds = new byte[8 + body.length];
        System.arraycopy(body, 0, withIds, 8, body.length);
        return in.consumeBoolean() ? body : withIds;
    }

    /**
     * Feeds one packet and checks the verdict. {@code expect}: the payload that must reach the tun (for
     * an intact genuine packet); {@code mustDrop}: why the packet cannot be authentic, or null. An
     * accepted packet is opened again by the independent {@link ReferenceCodec}: its (time, packet-id)
     * must be new, and with no framing the tun packet must be its payload.
     */
    private static Incoming deliver(StaticKeySession receiver, Compression framing, byte[] wire, byte[] expect,
            String mustDrop, Set<Long> accepted, MssClamp clamp) throws Exception {
        ByteBuffer b = Buffers.slot(wire, HEADROOM, TAILROOM);
        Incoming r = receiver.decapsulate(b);
        check(r != null, "no verdict");
        checkWithin(b, HEADROOM, HEADROOM + wire.length, "decapsulate");
        if (r == Incoming.DROP) {
            check(receiver.lastVerdict() != Verdict.OK, "DROP with verdict OK");
            return r;
        }
        check(mustDrop == null, mustDrop + " packet accepted as " + r);
        check(receiver.lastVerdict() == Verdict.OK, "accepted with verdict " + receiver.lastVerdict());
        ByteBuffer clear = ByteBuffer.wrap(FORGER.open(wire));
        long id = clear.getInt() & 0xFFFF_FFFFL;
        long time = clear.getInt() & 0xFFFF_FFFFL;
        check(id != 0, "packet-id 0 accepted");
        check(accepted.add(time << 32 | id), "(time, packet-id) " + time + "/" + id + " accepted twice");
        byte[] payload = Buffers.bytes(clear);
        if (r == Incoming.TUN_PACKET && framing == Compression.NONE) {
            if (clamp != null) {
                clamp.clamp(ByteBuffer.wrap(payload));
            }
            check(java.util.Arrays.equals(Buffers.bytes(b), payload), "tun packet differs from what was sealed");
        }
        if (expect != null && r != Incoming.TUN_PACKET) {
            ByteBuffer e = ByteBuffer.wrap(expect);
            check(DataPayload.isPing(e) || DataPayload.isOcc(e), "genuine data packet not delivered: " + r);
        }
        return r;
    }

    private static StaticKeyDataChannel channel(OpenVpnOptions o, ManualClock clock, long seed) {
        SecureRandom random = new SecureRandom() {
            private static final long serialVersionUID = 1L;
            private long state = seed;

            @Override
            public void nextBytes(byte[] bytes) {
                for (int i = 0; i < bytes.length; i++) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    bytes[i] = (byte) (state >>> 56);
                }
            }
        };
        return new StaticKeyDataChannel(o.secret(), o.keyDirection(), o.cipher(), o.auth(), o.replayWindow(), clock, random);
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
