package org.culvert.openvpn.tls.internal;

/**
 * Opcodes and the parsed form of a control packet's body (after any tls-auth/tls-crypt wrapping was
 * removed):
 *
 * <pre>
 * ack count n (0..8) | n acked message ids (u32) | remote session id (8, only if n > 0)
 *   | message id (u32, not in P_ACK_V1) | payload
 * </pre>
 *
 * A mutable holder, reused for every packet. Control path; loop thread only.
 */
public final class ControlPacket {
    public static final int OP_HARD_RESET_CLIENT_V1 = 1;
    public static final int OP_HARD_RESET_SERVER_V1 = 2;
    public static final int OP_SOFT_RESET_V1 = 3;
    public static final int OP_CONTROL_V1 = 4;
    public static final int OP_ACK_V1 = 5;
    public static final int OP_DATA_V1 = 6;
    public static final int OP_HARD_RESET_CLIENT_V2 = 7;
    public static final int OP_HARD_RESET_SERVER_V2 = 8;
    public static final int OP_DATA_V2 = 9;
    public static final int OP_HARD_RESET_CLIENT_V3 = 10;
    public static final int OP_CONTROL_WKC_V1 = 11;

    public int opcode;
    public int keyId;
    public long sessionId;
    public int ackCount;
    public final long[] acks = new long[AckState.MAX];
    public long ackRemoteSessionId;
    public long messageId;
    public int payloadOffset;
    public int payloadLength;

    /** Reads opcode, key_id and session id from the clear header; false if too short. */
    public boolean parseHeader(byte[] wire, int length) {
        if (length < ControlWrap.HEADER) {
            return false;
        }
        opcode = (wire[0] & 0xFF) >>> 3;
        keyId = wire[0] & 7;
        sessionId = Bytes.getLong(wire, 1);
        return true;
    }

    /** Parses an unwrapped body; false if malformed (more than 8 ACKs, truncated). */
    public boolean parseBody(byte[] body, int length) {
        if (length < 1) {
            return false;
        }
        ackCount = body[0] & 0xFF;
        if (ackCount > AckState.MAX) {
            return false;
        }
        int p = 1;
        if (ackCount > 0) {
            if (length < p + 4 * ackCount + 8) {
                return false;
            }
            for (int i = 0; i < ackCount; i++) {
                acks[i] = Bytes.getInt(body, p);
                p += 4;
            }
            ackRemoteSessionId = Bytes.getLong(body, p);
            p += 8;
        }
        if (opcode == OP_ACK_V1) {
            if (p != length) {
                return false;
            }
            payloadOffset = p;
            payloadLength = 0;
            return true;
        }
        if (length < p + 4) {
            return false;
        }
        messageId = Bytes.getInt(body, p);
        p += 4;
        payloadOffset = p;
        payloadLength = length - p;
        return true;
    }

    public static boolean isHardResetV2(int opcode) {
        return opcode == OP_HARD_RESET_CLIENT_V2 || opcode == OP_HARD_RESET_SERVER_V2 || opcode == OP_HARD_RESET_CLIENT_V3;
    }

    /** Whether this opcode is a control-channel opcode (3..11 except the data opcodes). */
    public static boolean isControl(int opcode) {
        return opcode >= OP_SOFT_RESET_V1 && opcode <= OP_CONTROL_WKC_V1 && opcode != OP_DATA_V1 && opcode != OP_DATA_V2;
    }
}
