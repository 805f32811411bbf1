package org.culvert.tun.linux;

/**
 * The kernel's {@code struct virtio_net_hdr} ({@code include/uapi/linux/virtio_net.h}), which precedes
 * every packet read from or written to a tun opened with {@code IFF_VNET_HDR}: {@code u8 flags},
 * {@code u8 gso_type}, then {@code hdr_len}, {@code gso_size}, {@code csum_start} and
 * {@code csum_offset} as 16-bit values in the host's byte order (the tun's default "vnet endianness").
 */
final class VirtioNetHdr {
    /** {@code sizeof(struct virtio_net_hdr)}: the size set with {@code TUNSETVNETHDRSZ}. */
    static final int LEN = 10;

    static final int OFF_FLAGS = 0;
    static final int OFF_GSO_TYPE = 1;
    static final int OFF_HDR_LEN = 2;
    static final int OFF_GSO_SIZE = 4;
    static final int OFF_CSUM_START = 6;
    static final int OFF_CSUM_OFFSET = 8;

    /** The L4 checksum from {@code csum_start} to the end is partial: complete it and store it at {@code csum_start + csum_offset}. */
    static final int F_NEEDS_CSUM = 1;
    static final int F_DATA_VALID = 2;

    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_UDP = 3;
    static final int GSO_TCPV6 = 4;
    static final int GSO_UDP_L4 = 5;
    /** Or-ed into {@code gso_type}: the TCP stream uses ECN (CWR belongs on the first segment only). */
    static final int GSO_ECN = 0x80;

    private VirtioNetHdr() {
    }
}
