package org.culvert.openvpn.tls;

import org.culvert.openvpn.config.MtuMath;
import org.culvert.openvpn.config.OpenVpnOptions;
import org.culvert.openvpn.crypto.AuthAlgorithm;

/**
 * OpenVPN 2.6's {@code --mssfix} arithmetic for TLS mode, where the data-channel overhead is known
 * only once the cipher and packet format are negotiated ({@link org.culvert.openvpn.config.MtuMath}
 * covers static-key mode). Pure functions; the core calls them when a {@link TlsSession} becomes
 * keyed and hands the result to {@link TlsSession#setMssClamp}.
 *
 * <p>A TLS data packet carries a 1-byte opcode ({@code P_DATA_V1}) or 4 bytes of opcode and peer-id
 * ({@code P_DATA_V2}), a short (4-byte) packet-id, and for AEAD a 16-byte tag, for CBC a 16-byte IV
 * and the {@code --auth} HMAC, with the packet-id encrypted and the plaintext padded to whole blocks.
 */
public final class TlsMtu {
    private static final int PACKET_ID_SHORT = 4;
    private static final int AEAD_TAG = 16;
    private static final int AES_BLOCK = 16;
    private static final int IPV4_TCP_HEADERS = 20 + 20;

    private TlsMtu() {
    }

    /**
     * The largest TCP MSS {@code --mssfix} lets through in an IPv4 SYN (IPv6 SYNs get 20 less), or 0
     * when clamping is off, computed as OpenVPN 2.6's {@code frame_calculate_mssfix} does once the
     * session is keyed.
     *
     * @param negotiated what the handshake settled ({@link TlsSession#negotiated()})
     * @param ipv6Link whether the link runs over IPv6 (matters only with the default "mtu" flag)
     */
    public static int mssFix(OpenVpnOptions o, Negotiated negotiated, boolean ipv6Link) {
        return mssFix(o, negotiated.dataCipher(), negotiated.dataV2(), ipv6Link);
    }

    /**
     * As {@link #mssFix(OpenVpnOptions, Negotiated, boolean)}, for a given data cipher and packet format.
     *
     * @param dataV2 whether data packets are {@code P_DATA_V2} (4-byte header) rather than {@code P_DATA_V1}
     */
    public static int mssFix(OpenVpnOptions o, DataCipher cipher, boolean dataV2, boolean ipv6Link) {
        int budget = o.mssfix();
        if (budget <= 0) {
            return 0;
        }
        if (o.mssfixFixed()) {
            return Math.max(budget - IPV4_TCP_HEADERS, 0);
        }
        int overhead = (o.proto().isTcp() ? 2 : 0) + (dataV2 ? 4 : 1) + cryptoOverhead(cipher, o.auth());
        if (o.mssfixEncap()) {
            overhead += MtuMath.datagramOverhead(o.proto(), ipv6Link);
        }
        int target = budget - overhead;
        int payloadOverhead = o.tunMtuExtra() + o.compression().mtuOverhead();
        if (!cipher.isAead()) {
            // CBC needs at least one padding byte within whole blocks, and encrypts the packet-id.
            target = Math.floorDiv(target, AES_BLOCK) * AES_BLOCK - 1;
            payloadOverhead += PACKET_ID_SHORT;
        }
        return Math.max(target - payloadOverhead - IPV4_TCP_HEADERS, 0);
    }

    /** Bytes outside the encrypted payload: clear packet-id and tag (AEAD), or IV and HMAC (CBC). */
    private static int cryptoOverhead(DataCipher cipher, AuthAlgorithm auth) {
        if (cipher.isAead()) {
            return PACKET_ID_SHORT + AEAD_TAG;
        }
        return AES_BLOCK + auth.digestLength();
    }
}
