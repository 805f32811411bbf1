package org.culvert.openvpn.tls;

import static org.culvert.fuzz.Buffers.check;
import static org.culvert.fuzz.Buffers.checkWithin;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.culvert.fuzz.Buffers;
import org.culvert.fuzz.FuzzRun;
import org.culvert.fuzz.Mutate;
import org.culvert.openvpn.config.Compression;
import org.culvert.openvpn.crypto.Verdict;
import org.culvert.openvpn.session.DataPayload;
import org.culvert.openvpn.session.Incoming;
import org.junit.jupiter.api.AfterAll;

/**
 * TLS-mode data packets with real negotiated keys: client and server engines keyed once over the
 * in-memory wire ({@link TlsPair}), then each input seals fuzzer-chosen plaintext on one side and
 * feeds it, intact or bit-flipped, cut, extended, re-labelled with another key id or peer-id, replayed
 * or delayed, to the other; raw bytes and data opcodes without a key are fed too. Three pairs: AES-GCM
 * with {@code P_DATA_V2}, ChaCha20-Poly1305, and AES-CBC+HMAC with {@code P_DATA_V1} (an older peer).
 * Each client frames nothing while its server expects a compression framing, so the fuzzer's first
 * plaintext bytes meet the server's unframing rules after authentication.
 *
 * <p>Invariants: nothing throws; every packet gets a verdict and a DROP a reason; a modified or raw
 * packet is never accepted; a packet is accepted at most once; an intact packet delivered the first
 * time is accepted (or judged by the compression framing), and what reaches the tun is exactly the
 * plaintext; the opened packet lies inside the received bytes; garbage leaves both engines keyed.
 */
class TlsDataFuzz {
    private static final FuzzRun RUN = new FuzzRun("TLS data (TlsSession, negotiated keys)");
    private static final TlsPair[] PAIRS = new TlsPair[3];
    /** Each pair's server framing; the clients frame nothing. */
    private static final Compression[] SERVER_FRAMING = {Compression.STUB_V2, Compression.LZO_STUB, Compression.STUB};

    static {
        try {
            PAIRS[0] = keyed(TlsSessionTest.client(), TlsSessionTest.server().compression(SERVER_FRAMING[0]));
            PAIRS[1] = keyed(TlsSessionTest.client().dataCiphers("CHACHA20-POLY1305"),
                    TlsSessionTest.server().dataCiphers("CHACHA20-POLY1305").compression(SERVER_FRAMING[1]));
            PAIRS[2] = keyed(TlsSessionTest.client().dataCiphers("AES-256-CBC").announceIvProto(2 | 128),
                    TlsSessionTest.server().dataCiphers("AES-256-CBC").compression(SERVER_FRAMING[2]));
        } catch (TlsConfigException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static TlsPair keyed(TlsSettings.Builder client, TlsSettings.Builder server) throws TlsConfigException {
        TlsPair pair = TlsPair.clean(client.build(), server.build());
        check(pair.handshake(20_000), "handshake: " + pair.client.lastError() + " / " + pair.server.lastError());
        return pair;
    }

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void tlsData(FuzzedDataProvider in) throws Exception {
        RUN.run(in, TlsDataFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        int which = in.consumeInt(0, PAIRS.length - 1);
        TlsPair pair = PAIRS[which];
        boolean toServer = in.consumeBoolean();
        Compression fromFraming = toServer ? Compression.NONE : SERVER_FRAMING[which];
        Compression toFraming = toServer ? SERVER_FRAMING[which] : Compression.NONE;
        TlsSession from = toServer ? pair.client : pair.server;
        TlsSession to = toServer ? pair.server : pair.client;
        // Packets sealed during this input; delivered ones must never be accepted again.
        List<byte[]> sealed = new ArrayList<>();
        Set<Integer> delivered = new HashSet<>();
        int steps = in.consumeInt(1, 8);
        for (int step = 0; step < steps && in.remainingBytes() > 0; step++) {
            int op = in.consumeInt(0, 3);
            if (op == 0) {
                byte[] plain = in.consumeBytes(in.consumeInt(1, 1500));
                if (plain.length == 0) {
                    continue;
                }
                ByteBuffer b = Buffers.slot(plain, from.headroom() + 64, from.tailroom() + 64);
                Verdict v = from.encapsulate(b);
                check(v == Verdict.OK, "encapsulate: " + v);
                byte[] wire = Buffers.bytes(b);
                sealed.add(wire);
                if (in.consumeBoolean()) {
                    continue; // held back: delivered later, out of order
                }
                byte[] sent = modify(in, wire);
                boolean intact = Arrays.equals(sent, wire);
                ByteBuffer opened = Buffers.slot(sent, 64, 64);
                Incoming r = deliver(to, opened, sent.length, intact ? null : "modified");
                if (intact) {
                    delivered.add(sealed.size() - 1);
                    checkIntact(to, r, opened, expected(plain, fromFraming, toFraming));
                }
            } else if (op == 1 && !sealed.isEmpty()) {
                int i = in.consumeInt(0, sealed.size() - 1);
                // A held-back packet may be accepted once (or be too old by now); a delivered one never.
                Incoming r = deliver(to, sealed.get(i), delivered.contains(i) ? "replayed" : null);
                if (r != Incoming.DROP) {
                    delivered.add(i);
                }
            } else if (op == 2) {
                // Raw bytes behind a data opcode of any key id: there is no key to make them authentic.
                byte[] raw = in.consumeBytes(in.consumeInt(1, 1600));
                if (raw.length > 0) {
                    raw[0] = (byte) ((in.consumeBoolean() ? 6 : 9) << 3 | (raw[0] & 7));
                    deliver(to, raw, "raw");
                }
            }
        }
        check(pair.client.isKeyed() && pair.server.isKeyed(), "data packets un-keyed a session: "
                + pair.client.state() + " / " + pair.server.state());
    }

    /**
     * What an intact packet must become, by the receiver's framing: the client frames nothing, the
     * server frames with its own setting, and the receiver unframes with its own. Null: the framing
     * must be refused.
     */
    private static byte[] expected(byte[] plain, Compression senderFraming, Compression receiverFraming) {
        ByteBuffer b = Buffers.slot(plain, 8, 8);
        check(DataPayload.frame(b, senderFraming, 0, 0), "framing failed");
        return DataPayload.unframe(b, receiverFraming) ? Buffers.bytes(b) : null;
    }

    /** Checks the outcome for an intact packet delivered for the first time. */
    private static void checkIntact(TlsSession to, Incoming r, ByteBuffer opened, byte[] want) {
        if (want == null) {
            check(r == Incoming.DROP && to.lastVerdict() == Verdict.BAD_COMPRESSION, "bad framing gave " + r + "/"
                    + to.lastVerdict());
            return;
        }
        ByteBuffer w = ByteBuffer.wrap(want);
        if (want.length == 0 || DataPayload.isPing(w) || DataPayload.isOcc(w)) {
            check(r == Incoming.CONSUMED || r == Incoming.PEER_EXIT, "empty/ping/OCC packet gave " + r + "/" + to.lastVerdict());
            return;
        }
        check(r == Incoming.TUN_PACKET, "intact data packet gave " + r + "/" + to.lastVerdict());
        check(Arrays.equals(Buffers.bytes(opened), want), "the tun packet differs from the plaintext sealed");
    }

    /** Feeds one packet into {@code b} (a slot around {@code wire}) and checks the verdict. */
    private static Incoming deliver(TlsSession to, ByteBuffer b, int length, String mustDrop) {
        int op = length == 0 ? -1 : (b.get(b.position()) & 0xFF) >>> 3;
        Incoming r = to.decapsulate(b);
        check(r != null, "no verdict");
        checkWithin(b, 64, 64 + length, "decapsulate");
        check(to.lastWasData() == (op == 6 || op == 9), "opcode " + op + " taken for data: " + to.lastWasData());
        if (r == Incoming.DROP) {
            check(to.lastVerdict() != Verdict.OK, "DROP with verdict OK");
            return r;
        }
        check(to.lastVerdict() == Verdict.OK, "accepted with verdict " + to.lastVerdict());
        // A changed opcode makes it a control packet (e.g. a hard reset without tls-auth, which OpenVPN
        // accepts too, into an untrusted slot): only data packets are bound to the data keys.
        check(mustDrop == null || !to.lastWasData(), mustDrop + " data packet accepted as " + r);
        return r;
    }

    private static Incoming deliver(TlsSession to, byte[] wire, String mustDrop) {
        return deliver(to, Buffers.slot(wire, 64, 64), wire.length, mustDrop);
    }

    /** Network damage, or a data header naming another key id, peer-id or data opcode. */
    private static byte[] modify(FuzzedDataProvider in, byte[] wire) {
        if (in.consumeBoolean()) {
            return Mutate.packet(in, wire, false);
        }
        byte[] b = wire.clone();
        if (in.consumeBoolean()) {
            b[0] = (byte) ((b[0] & 0xF8) | ((b[0] + in.consumeInt(1, 7)) & 7));
        } else if (b.length > 3 && (b[0] & 0xFF) >>> 3 == 9) {
            b[3] ^= (byte) in.consumeInt(1, 255);
        } else {
            b[0] ^= (byte) ((6 ^ 9) << 3);
        }
        return b;
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
