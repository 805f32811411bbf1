package org.culvert.openvpn.config;

import org.culvert.openvpn.crypto.AuthAlgorithm;
import org.culvert.openvpn.crypto.CipherAlgorithm;

/**
 * OpenVPN 2.6's packet-size arithmetic for static-key mode: the legacy {@code link-mtu} announced in
 * the OCC string, and the TCP MSS that {@code --mssfix} clamps to. Pure functions. The methods that
 * take {@link OpenVpnOptions} need its static cipher and throw {@link IllegalStateException} for a TLS
 * configuration.
 *
 * <p>In static-key mode the packet-id is long form (8 bytes); with a CBC cipher it is encrypted and
 * counts as payload overhead, otherwise it is part of the clear header.
 */
public final class MtuMath {
    private static final int PACKET_ID_LONG = 8;
    private static final int IPV4_TCP_HEADERS = 20 + 20;

    private MtuMath() {
    }

    /**
     * Bytes OpenVPN adds around a payload on the link, excluding the IP/UDP/TCP headers: TCP length
     * field, packet-id (non-CBC), IV, HMAC, and with {@code occ} one cipher block that old versions
     * reserved for padding.
     */
    public static int protocolHeaderSize(CipherAlgorithm cipher, AuthAlgorithm auth, Proto proto, boolean occ) {
        int size = proto.isTcp() ? 2 : 0;
        if (cipher == CipherAlgorithm.NONE) {
            size += PACKET_ID_LONG;
        } else {
            size += cipher.ivLength() + (occ ? cipher.blockSize() : 0);
        }
        return size + auth.digestLength();
    }

    /** Bytes inside the encrypted payload besides the tun packet: tun-mtu-extra, compression byte, CBC packet-id. */
    public static int payloadOverhead(OpenVpnOptions o) {
        int overhead = o.tunMtuExtra();
        overhead += o.compression().mtuOverhead();
        if (o.cipher() != CipherAlgorithm.NONE) {
            overhead += PACKET_ID_LONG;
        }
        return overhead;
    }

    /** The {@code link-mtu} item of the OCC options string (OpenVPN's {@code calc_options_string_link_mtu}). */
    public static int occLinkMtu(OpenVpnOptions o) {
        return o.tunMtu() + payloadOverhead(o) + protocolHeaderSize(o.cipher(), o.auth(), o.proto(), true);
    }

    /** IP plus UDP or TCP header bytes of one link packet. */
    public static int datagramOverhead(Proto proto, boolean ipv6) {
        return (proto.isTcp() ? 20 : 8) + (ipv6 ? 40 : 20);
    }

    /**
     * Whether OpenVPN would count IPv6 headers for the link before it knows the peer's address: true
     * unless the protocol forces IPv4 or the first remote is an IPv4 literal (a host name is assumed
     * to resolve to IPv4; callers that resolve it should pass the real family to {@link #mssFix}).
     */
    public static boolean assumeIpv6Link(OpenVpnOptions o) {
        if (o.linkFamily() != IpFamily.ANY) {
            return o.linkFamily() == IpFamily.IPV6;
        }
        if (o.remote().isEmpty()) {
            return true;
        }
        String host = o.remote().get().host();
        return host.indexOf(':') >= 0;
    }

    /**
     * The largest TCP MSS {@code --mssfix} lets through in an IPv4 SYN (IPv6 SYNs get 20 less), or 0
     * when MSS clamping is off. Computed as OpenVPN 2.6's {@code frame_calculate_mssfix}:
     * {@code mssfix N fixed} gives N − 40; otherwise the link budget N minus the protocol header
     * (and the link's IP/UDP header with the "mtu" flag, the default), rounded down to whole cipher
     * blocks less one padding byte for CBC, minus the payload overhead and 40 bytes of IPv4+TCP header.
     *
     * @param ipv6Link whether the link itself runs over IPv6 (matters only with the "mtu" flag)
     */
    public static int mssFix(OpenVpnOptions o, boolean ipv6Link) {
        int budget = o.mssfix();
        if (budget <= 0) {
            return 0;
        }
        if (o.mssfixFixed()) {
            return Math.max(budget - IPV4_TCP_HEADERS, 0);
        }
        int overhead = protocolHeaderSize(o.cipher(), o.auth(), o.proto(), false);
        if (o.mssfixEncap()) {
            overhead += datagramOverhead(o.proto(), ipv6Link);
        }
        int target = budget - overhead;
        if (o.cipher() != CipherAlgorithm.NONE) {
            int block = o.cipher().blockSize();
            target = Math.floorDiv(target, block) * block - 1;
        }
        return Math.max(target - payloadOverhead(o) - IPV4_TCP_HEADERS, 0);
    }
}
