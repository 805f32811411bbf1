package org.culvert.openvpn.tls.internal;

import static org.culvert.fuzz.Buffers.check;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.culvert.fuzz.FuzzRun;
import org.culvert.fuzz.Keys;
import org.culvert.fuzz.Mutate;
import org.culvert.openvpn.ManualClock;
import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.KeyDirection;
import org.culvert.openvpn.crypto.ReplayWindow;
import org.junit.jupiter.api.AfterAll;

/**
 * Control packets and ACK records behind {@code --tls-auth} and {@code --tls-crypt}, holding the keys:
 * each input builds control packets field by field (opcode, key id, session id, an ACK record of up to
 * and beyond 8 ids, message id, payload), wraps them with the sender's {@link ControlWrap} and unwraps
 * them, intact, damaged or replayed, with a fresh receiver's; what unwraps is parsed by
 * {@link ControlPacket}, offered to {@link ReliableReceive} and acknowledged through {@link AckState},
 * whose records are parsed back.
 *
 * <p>Invariants: nothing throws; unwrap returns a body length within the packet or one of the
 * {@code FAIL_*} codes; an intact first delivery unwraps to exactly the body wrapped; a damaged packet
 * never unwraps ({@code FAIL_AUTH}/{@code FAIL_SHORT}); a delivered packet never unwraps twice
 * ({@code FAIL_REPLAY}); the parser agrees with how the packet was built and never reads past it;
 * the reliability layer releases each message id once, in order, with its payload; an ACK record is
 * {@link AckState#size} bytes and parses back to the ids written, at most 8, pending first.
 */
class ControlChannelFuzz {
    private static final FuzzRun RUN = new FuzzRun("control packets and ACKs (ControlWrap tls-auth/tls-crypt, ControlPacket, ReliableReceive, AckState)");
    private static final byte[] KEY = Keys.keyFile(17);

    @FuzzTest(maxDuration = "120s", maxExecutions = 100_000)
    void controlChannel(FuzzedDataProvider in) throws Exception {
        RUN.run(in, ControlChannelFuzz::run);
    }

    private static void run(FuzzedDataProvider in) {
        ManualClock clock = new ManualClock(1_800_000_000L);
        int kind = in.consumeInt(0, 2);
        ControlWrap sender;
        ControlWrap receiver;
        if (kind == 0) {
            sender = ControlWrap.none();
            receiver = ControlWrap.none();
        } else if (kind == 1) {
            AuthAlgorithm digest = in.pickValue(new AuthAlgorithm[] {AuthAlgorithm.SHA1, AuthAlgorithm.SHA256, AuthAlgorithm.SHA512});
            sender = ControlWrap.tlsAuth(KEY, KeyDirection.NORMAL, digest, ReplayWindow.Settings.DEFAULT, clock);
            receiver = ControlWrap.tlsAuth(KEY, KeyDirection.INVERSE, digest, ReplayWindow.Settings.DEFAULT, clock);
        } else {
            sender = ControlWrap.tlsCrypt(KEY, false, ReplayWindow.Settings.DEFAULT, clock);
            receiver = ControlWrap.tlsCrypt(KEY, true, ReplayWindow.Settings.DEFAULT, clock);
        }
        ReliableReceive reliable = new ReliableReceive();
        AckState acks = new AckState();
        long nextRelease = 0;
        Set<Long> stored = new HashSet<>();
        byte[][] wires = new byte[8][];
        boolean[] delivered = new boolean[8];
        int n = 0;
        int steps = in.consumeInt(1, 10);
        for (int step = 0; step < steps && in.remainingBytes() > 0; step++) {
            int op = in.consumeInt(0, 2);
            if (op == 2 && n > 0) { // replay or late delivery of an earlier packet
                int i = in.consumeInt(0, n - 1);
                byte[] out = new byte[wires[i].length];
                int r = receiver.unwrap(wires[i], ControlWrap.HEADER, wires[i].length, out);
                checkResult(r, wires[i].length);
                if (delivered[i] && kind != 0) {
                    check(r == ControlWrap.FAIL_REPLAY, "a delivered control packet unwrapped again: " + r);
                }
                delivered[i] |= r >= 0;
                continue;
            }
            // A control packet, field by field.
            byte[] header = new byte[ControlWrap.HEADER];
            int opcode = in.consumeInt(0, 31);
            header[0] = (byte) (opcode << 3 | in.consumeInt(0, 7));
            Bytes.putLong(header, 1, in.consumeLong());
            int ackCount = in.consumeInt(0, op == 1 ? 255 : AckState.MAX);
            long messageId = in.consumeBoolean() ? nextRelease + in.consumeInt(-2, ReliableReceive.WINDOW + 2)
                    : in.consumeLong(0, 0xFFFF_FFFFL);
            messageId &= 0xFFFF_FFFFL;
            byte[] payload = in.consumeBytes(in.consumeInt(0, 1200));
            int bodyLength = 1 + (ackCount > 0 ? 4 * ackCount + 8 : 0) + (opcode == ControlPacket.OP_ACK_V1 ? 0 : 4 + payload.length);
            byte[] body = new byte[bodyLength];
            body[0] = (byte) ackCount;
            int p = 1;
            long[] ackIds = new long[ackCount];
            for (int a = 0; a < ackCount; a++) {
                ackIds[a] = in.consumeLong(0, 0xFFFF_FFFFL);
                Bytes.putInt(body, p, ackIds[a]);
                p += 4;
            }
            long ackSid = 0;
            if (ackCount > 0) {
                ackSid = in.consumeLong();
                Bytes.putLong(body, p, ackSid);
                p += 8;
            }
            if (opcode != ControlPacket.OP_ACK_V1) {
                Bytes.putInt(body, p, messageId);
                System.arraycopy(payload, 0, body, p + 4, payload.length);
            }
            // A cut-off body: the parser must notice.
            int cut = in.consumeBoolean() ? in.consumeInt(0, bodyLength) : bodyLength;
            byte[] wire = new byte[ControlWrap.HEADER + sender.overhead() + cut];
            int wireLength = sender.wrap(header, ControlWrap.HEADER, body, cut, wire);
            check(wireLength == wire.length, "wrap wrote " + wireLength + " of " + wire.length);
            byte[] sent = op == 1 ? wire : Mutate.packet(in, wire, true);
            boolean intact = Arrays.equals(sent, wire);
            if (n < wires.length) {
                wires[n] = wire;
                delivered[n] = intact;
                n++;
            }
            byte[] out = new byte[Math.max(sent.length, 1)];
            int r = receiver.unwrap(sent, ControlWrap.HEADER, sent.length, out);
            checkResult(r, sent.length);
            if (!intact) {
                if (kind != 0) {
                    check(r < 0, "a damaged control packet unwrapped (" + receiver.kind() + ")");
                }
                continue;
            }
            check(r == cut && Arrays.equals(Arrays.copyOf(out, r), Arrays.copyOf(body, cut)),
                    "an intact control packet unwrapped to other bytes: " + r + " of " + cut);

            ControlPacket packet = new ControlPacket();
            check(packet.parseHeader(sent, sent.length), "header of a whole packet");
            check(packet.opcode == opcode, "opcode");
            boolean parsed = packet.parseBody(out, r);
            // A cut inside the payload still leaves a valid (shorter) packet; a cut before it does not.
            int fixed = bodyLength - (opcode == ControlPacket.OP_ACK_V1 ? 0 : payload.length);
            boolean whole = ackCount <= AckState.MAX && (opcode == ControlPacket.OP_ACK_V1 ? cut == bodyLength : cut >= fixed);
            check(parsed == whole, "parseBody said " + parsed + " for a " + (whole ? "whole" : "cut or over-full") + " body");
            if (!parsed) {
                continue;
            }
            check(packet.ackCount == ackCount && (ackCount == 0 || packet.ackRemoteSessionId == ackSid), "ACK record");
            for (int a = 0; a < ackCount; a++) {
                check(packet.acks[a] == ackIds[a], "ACK id " + a);
            }
            check(packet.payloadOffset == fixed && packet.payloadLength == r - fixed, "payload bounds");
            if (opcode == ControlPacket.OP_ACK_V1) {
                continue;
            }
            check(packet.messageId == messageId, "message id");
            ReliableReceive.Offer offer = reliable.offer(packet.messageId, opcode, out, packet.payloadOffset, packet.payloadLength);
            check(offer != null, "no offer verdict");
            if (offer == ReliableReceive.Offer.STORED) {
                check(stored.add(packet.messageId), "message id " + packet.messageId + " stored twice");
                acks.acknowledge(packet.messageId);
            } else if (offer == ReliableReceive.Offer.DUPLICATE) {
                acks.acknowledge(packet.messageId);
            }
            while (reliable.ready()) {
                check(reliable.nextId() == nextRelease, "released out of order: " + reliable.nextId() + " before " + nextRelease);
                check(reliable.nextLength() >= 0 && reliable.nextLength() <= reliable.nextPayload().length, "payload length");
                reliable.advance();
                nextRelease = (nextRelease + 1) & 0xFFFF_FFFFL;
            }
            if (in.consumeBoolean()) {
                checkAckRecord(in, acks);
            }
        }
        sender.wipe();
        receiver.wipe();
    }

    private static void checkResult(int r, int length) {
        check(r == ControlWrap.FAIL_AUTH || r == ControlWrap.FAIL_REPLAY || r == ControlWrap.FAIL_SHORT
                || (r >= 0 && r <= length - ControlWrap.HEADER), "unwrap returned " + r + " for " + length + " bytes");
    }

    /** Writes an ACK record and parses it back as the peer would. */
    private static void checkAckRecord(FuzzedDataProvider in, AckState acks) {
        int max = in.consumeInt(0, AckState.MAX);
        long sid = in.consumeLong();
        byte[] record = new byte[AckState.size(AckState.MAX) + 4];
        int written = acks.write(record, 0, max, sid);
        int count = record[0] & 0xFF;
        check(count <= max && written == AckState.size(count), "ACK record of " + count + " ids took " + written + " bytes");
        record[written] = 0; // a message id, so that it parses as a control packet body
        ControlPacket back = new ControlPacket();
        back.opcode = ControlPacket.OP_CONTROL_V1;
        check(back.parseBody(record, written + 4), "our own ACK record does not parse");
        check(back.ackCount == count && (count == 0 || back.ackRemoteSessionId == sid), "ACK record parsed back differently");
        Set<Long> distinct = new HashSet<>();
        for (int a = 0; a < count; a++) {
            check(distinct.add(back.acks[a]), "an ACK record repeats id " + back.acks[a]);
        }
    }

    @AfterAll
    static void report() {
        RUN.report();
    }
}
