package org.culvert.tunnel.internal;

import java.nio.ByteBuffer;

/**
 * OpenVPN's {@code mroute_extract_addr_from_packet} ({@code mroute.c}): the source and destination of a
 * tun packet (IPv4, IPv6) or a tap frame (MAC), read in place into an {@link Addr} the caller reuses,
 * so that the server's data path allocates nothing per packet.
 */
final class Mroute {
    /** Address kinds, as OpenVPN's {@code MR_ADDR_IPV4}, {@code MR_ADDR_IPV6}, {@code MR_ADDR_ETHER}. */
    static final int IPV4 = 4;
    static final int IPV6 = 6;
    static final int ETHER = 2;

    /** Extraction results, as OpenVPN's {@code MROUTE_EXTRACT_*} flags. */
    static final int SUCCEEDED = 1;
    static final int BCAST = 2;
    static final int MCAST = 4;

    private Mroute() {
    }

    /** One address (kind, high and low 64 bits: IPv4 and MAC in {@code lo}). Reused; not thread-safe. */
    static final class Addr {
        int kind;
        long hi;
        long lo;

        void set(int kind, long hi, long lo) {
            this.kind = kind;
            this.hi = hi;
            this.lo = lo;
        }

        void copyFrom(Addr other) {
            set(other.kind, other.hi, other.lo);
        }

        /** OpenVPN's {@code mroute_addr_print}; allocates (status and logs only). */
        @Override
        public String toString() {
            return format(kind, hi, lo, -1);
        }
    }

    /**
     * Reads the source and destination of the packet at {@code p.position()..limit()}; {@code tap} for
     * ethernet frames. Returns 0 when the packet is too short or of no known kind, else
     * {@link #SUCCEEDED} with {@link #BCAST}/{@link #MCAST} when the destination is not one host.
     */
    static int extract(ByteBuffer p, boolean tap, Addr src, Addr dst) {
        int at = p.position();
        int len = p.remaining();
        if (tap) {
            if (len < 14) {
                return 0;
            }
            dst.set(ETHER, 0, mac(p, at));
            src.set(ETHER, 0, mac(p, at + 6));
            // the group bit of the destination: broadcast ff:ff:ff:ff:ff:ff or a multicast group
            int flags = SUCCEEDED;
            if ((p.get(at) & 1) != 0) {
                flags |= dst.lo == 0xFFFF_FFFF_FFFFL ? BCAST : MCAST;
            }
            return flags;
        }
        if (len < 1) {
            return 0;
        }
        int version = (p.get(at) & 0xFF) >>> 4;
        if (version == 4 && len >= 20) {
            src.set(IPV4, 0, p.getInt(at + 12) & 0xFFFF_FFFFL);
            dst.set(IPV4, 0, p.getInt(at + 16) & 0xFFFF_FFFFL);
            int flags = SUCCEEDED;
            if (dst.lo == 0xFFFF_FFFFL) {
                flags |= BCAST;
            } else if ((dst.lo & 0xF000_0000L) == 0xE000_0000L) {
                flags |= MCAST;
            }
            return flags;
        }
        if (version == 6 && len >= 40) {
            src.set(IPV6, p.getLong(at + 8), p.getLong(at + 16));
            dst.set(IPV6, p.getLong(at + 24), p.getLong(at + 32));
            return (dst.hi >>> 56) == 0xFF ? SUCCEEDED | MCAST : SUCCEEDED;
        }
        return 0;
    }

    private static long mac(ByteBuffer p, int at) {
        return ((p.getShort(at) & 0xFFFFL) << 32) | (p.getInt(at + 2) & 0xFFFF_FFFFL);
    }

    /** {@code address} masked to its first {@code bits} bits. */
    static long maskHi(int kind, long hi, int bits) {
        if (kind != IPV6) {
            return hi;
        }
        return bits >= 64 ? hi : bits <= 0 ? 0 : hi & (-1L << (64 - bits));
    }

    static long maskLo(int kind, long lo, int bits) {
        if (kind == IPV4) {
            return bits <= 0 ? 0 : lo & ((0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL);
        }
        if (kind == IPV6) {
            return bits >= 128 ? lo : bits <= 64 ? 0 : lo & (-1L << (128 - bits));
        }
        return lo;
    }

    /** The full length of an address of {@code kind}, in bits. */
    static int hostBits(int kind) {
        return kind == IPV4 ? 32 : kind == IPV6 ? 128 : 48;
    }

    /** Text of an address ({@code bits} &lt; 0 or full: a host), as OpenVPN's status shows it. Allocates. */
    static String format(int kind, long hi, long lo, int bits) {
        StringBuilder s = new StringBuilder();
        if (kind == IPV4) {
            s.append(lo >>> 24 & 0xFF).append('.').append(lo >>> 16 & 0xFF).append('.').append(lo >>> 8 & 0xFF).append('.').append(lo & 0xFF);
        } else if (kind == IPV6) {
            byte[] b = new byte[16];
            ByteBuffer.wrap(b).putLong(hi).putLong(lo);
            try {
                s.append(java.net.InetAddress.getByAddress(b).getHostAddress());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException(e); // 16 bytes are always an address
            }
        } else {
            for (int i = 5; i >= 0; i--) {
                s.append(String.format("%02x", lo >>> (8 * i) & 0xFF));
                if (i > 0) {
                    s.append(':');
                }
            }
        }
        if (bits >= 0 && bits < hostBits(kind)) {
            s.append('/').append(bits);
        }
        return s.toString();
    }

    /** Parses {@code a.b.c.d} or an IPv6 literal into {@code out}; false if it is neither. Allocates (configuration only). */
    static boolean parse(String text, Addr out) {
        try {
            if (text.indexOf(':') < 0 && !text.matches("[0-9.]+")) {
                return false;
            }
            byte[] b = java.net.InetAddress.getByName(text).getAddress();
            ByteBuffer w = ByteBuffer.wrap(b);
            if (b.length == 4) {
                out.set(IPV4, 0, w.getInt() & 0xFFFF_FFFFL);
            } else {
                out.set(IPV6, w.getLong(), w.getLong());
            }
            return true;
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }
}
