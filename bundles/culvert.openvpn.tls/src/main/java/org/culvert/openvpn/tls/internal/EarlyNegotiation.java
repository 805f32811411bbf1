package org.culvert.openvpn.tls.internal;

/**
 * The early-negotiation TLVs a 2.6 server puts in its hard reset to a tls-crypt-v2 client
 * ({@code ssl.c} {@code parse_early_negotiation_tlvs}): type u16, length u16, value; type 1 is
 * {@code EARLY_NEG_FLAGS} (u16), whose bit 1 is {@code RESEND_WKC}.
 */
final class EarlyNegotiation {
    static final int TLV_TYPE_EARLY_NEG_FLAGS = 0x0001;
    static final int EARLY_NEG_FLAG_RESEND_WKC = 0x0001;

    private EarlyNegotiation() {
    }

    /**
     * Whether {@code payload[0, length)} asks for the WKc again. Unknown types are skipped; a malformed
     * list (a truncated TLV, a flags value not 2 bytes) asks for nothing. OpenVPN fails the session on
     * it; here a server that needed the WKc leaves the handshake to time out, which ends it the same way
     * without a malformed packet ending anything by itself.
     */
    static boolean resendWkc(byte[] payload, int length) {
        int i = 0;
        boolean resend = false;
        while (i < length) {
            if (length - i < 4) {
                return false;
            }
            int type = Bytes.getShort(payload, i);
            int len = Bytes.getShort(payload, i + 2);
            i += 4;
            if (length - i < len) {
                return false;
            }
            if (type == TLV_TYPE_EARLY_NEG_FLAGS) {
                if (len != 2) {
                    return false;
                }
                resend |= (Bytes.getShort(payload, i) & EARLY_NEG_FLAG_RESEND_WKC) != 0;
            }
            i += len;
        }
        return resend;
    }
}
