package org.culvert.platform.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes and decodes {@code struct sockaddr_in} and {@code struct sockaddr_in6} in native memory
 * (a direct {@link ByteBuffer} at an offset), as the socket calls of {@link Net} read and write
 * them. The family field is in host byte order, the port and address in network order.
 *
 * <p>An IPv4 address given to an {@link Net#AF_INET6} socket is written as an IPv4-mapped IPv6
 * address ({@code ::ffff:a.b.c.d}), which a dual-stack socket ({@code IPV6_V6ONLY=0}) needs; when
 * decoding, such a mapped address comes back as a plain {@link Inet4Address}, so callers see the
 * peer as the IPv4 host it is.
 *
 * <p>Stateless and thread-safe. Both directions allocate a little (address byte arrays, the
 * returned objects): they are meant for when a peer address changes, not for every packet; a data
 * path compares the raw bytes first and decodes only when they differ.
 */
public final class SockAddr {
    /** {@code sizeof(struct sockaddr_in)}. */
    public static final int IN_SIZE = 16;
    /** {@code sizeof(struct sockaddr_in6)}. */
    public static final int IN6_SIZE = 28;
    /** {@code sizeof(struct sockaddr_storage)}: room for any address. */
    public static final int STORAGE_SIZE = 128;

    private static final int FAMILY = 0;
    private static final int PORT = 2;
    private static final int IN_ADDR = 4;
    private static final int IN6_ADDR = 8;
    private static final int IN6_SCOPE_ID = 24;

    private SockAddr() {
    }

    /** {@link Net#AF_INET} for an {@link Inet4Address}, {@link Net#AF_INET6} for an {@link Inet6Address}. */
    public static int family(InetAddress address) {
        return address instanceof Inet4Address ? Net.AF_INET : Net.AF_INET6;
    }

    /** How many bytes a sockaddr of {@code family} takes: {@link #IN_SIZE} or {@link #IN6_SIZE}. */
    public static int size(int family) {
        if (family == Net.AF_INET) {
            return IN_SIZE;
        }
        if (family == Net.AF_INET6) {
            return IN6_SIZE;
        }
        throw new IllegalArgumentException("address family " + family);
    }

    /**
     * Writes {@code address} as a sockaddr for a socket of {@code socketFamily} into {@code buffer} at
     * {@code offset}, zeroing the padding.
     *
     * @param address a resolved address
     * @param socketFamily {@link Net#AF_INET} or {@link Net#AF_INET6}
     * @return the sockaddr's length ({@link #IN_SIZE} or {@link #IN6_SIZE})
     * @throws IllegalArgumentException if the address is unresolved, or IPv6 for an IPv4 socket
     */
    public static int encode(InetSocketAddress address, int socketFamily, ByteBuffer buffer, int offset) {
        InetAddress ip = address.getAddress();
        if (ip == null) {
            throw new IllegalArgumentException("unresolved address " + address.getHostString());
        }
        ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
        int port = address.getPort();
        if (socketFamily == Net.AF_INET) {
            if (!(ip instanceof Inet4Address)) {
                throw new IllegalArgumentException("IPv6 address " + ip.getHostAddress() + " on an IPv4 socket");
            }
            zero(b, offset, IN_SIZE);
            b.putShort(offset + FAMILY, (short) Net.AF_INET);
            putPort(b, offset, port);
            b.put(offset + IN_ADDR, ip.getAddress());
            return IN_SIZE;
        }
        if (socketFamily != Net.AF_INET6) {
            throw new IllegalArgumentException("address family " + socketFamily);
        }
        zero(b, offset, IN6_SIZE);
        b.putShort(offset + FAMILY, (short) Net.AF_INET6);
        putPort(b, offset, port);
        if (ip instanceof Inet4Address) {
            // ::ffff:a.b.c.d, so that a dual-stack socket reaches the IPv4 host.
            b.put(offset + IN6_ADDR + 10, (byte) 0xFF);
            b.put(offset + IN6_ADDR + 11, (byte) 0xFF);
            b.put(offset + IN6_ADDR + 12, ip.getAddress());
        } else {
            b.put(offset + IN6_ADDR, ip.getAddress());
            b.putInt(offset + IN6_SCOPE_ID, ((Inet6Address) ip).getScopeId());
        }
        return IN6_SIZE;
    }

    /**
     * Reads the sockaddr of {@code length} bytes at {@code offset}.
     *
     * @return the address, an {@link Inet4Address} also for an IPv4-mapped IPv6 one; null if the
     *         family is neither {@link Net#AF_INET} nor {@link Net#AF_INET6} or the length is too short
     */
    public static InetSocketAddress decode(ByteBuffer buffer, int offset, int length) {
        ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
        if (length < 2) {
            return null;
        }
        int family = b.getShort(offset + FAMILY);
        int port = ((b.get(offset + PORT) & 0xFF) << 8) | (b.get(offset + PORT + 1) & 0xFF);
        try {
            if (family == Net.AF_INET && length >= IN_SIZE) {
                byte[] ip = new byte[4];
                b.get(offset + IN_ADDR, ip);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == Net.AF_INET6 && length >= IN6_SIZE) {
                byte[] ip = new byte[16];
                b.get(offset + IN6_ADDR, ip);
                if (isV4Mapped(ip)) {
                    byte[] v4 = new byte[4];
                    System.arraycopy(ip, 12, v4, 0, 4);
                    return new InetSocketAddress(InetAddress.getByAddress(v4), port);
                }
                int scope = b.getInt(offset + IN6_SCOPE_ID);
                InetAddress address = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
                return new InetSocketAddress(address, port);
            }
        } catch (UnknownHostException e) {
            // Only thrown for a byte array of illegal length, which cannot happen here.
            throw new IllegalStateException(e);
        }
        return null;
    }

    /** The family field of the sockaddr at {@code offset}. */
    public static int familyAt(ByteBuffer buffer, int offset) {
        return buffer.duplicate().order(ByteOrder.nativeOrder()).getShort(offset + FAMILY);
    }

    private static boolean isV4Mapped(byte[] ip) {
        for (int i = 0; i < 10; i++) {
            if (ip[i] != 0) {
                return false;
            }
        }
        return ip[10] == (byte) 0xFF && ip[11] == (byte) 0xFF;
    }

    private static void putPort(ByteBuffer b, int offset, int port) {
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port);
        }
        b.put(offset + PORT, (byte) (port >>> 8));
        b.put(offset + PORT + 1, (byte) port);
    }

    private static void zero(ByteBuffer b, int offset, int length) {
        for (int i = 0; i < length; i++) {
            b.put(offset + i, (byte) 0);
        }
    }
}
